package org.fprnn.cli;

import org.fprnn.config.DecimalLiterals;
import picocli.CommandLine;

/**
 * Reads every decimal option (double, Double, and their lists) as picocli would, but refuses a number
 * a double cannot hold, as configs do ({@link DecimalLiterals}): {@code --tol 1e-400} was read as 0
 * and {@code --lr 1e400} as infinity without a word.
 */
public final class DecimalConverter implements CommandLine.ITypeConverter<Double> {
    private static final DecimalConverter INSTANCE = new DecimalConverter();

    /** Registers the converter with a command line and every subcommand it has. */
    public static CommandLine registerWith(CommandLine cl) {
        return cl.registerConverter(Double.class, INSTANCE).registerConverter(double.class, INSTANCE);
    }

    @Override
    public Double convert(String value) {
        double d;
        try {
            d = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
        }
        String why = DecimalLiterals.whyNotHeld(value);
        if (why != null) {
            throw new CommandLine.TypeConversionException("'" + value + "': " + why);
        }
        return d;
    }
}
