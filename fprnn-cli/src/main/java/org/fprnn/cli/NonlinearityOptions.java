package org.fprnn.cli;

import java.util.List;
import org.fprnn.model.Nonlinearity;
import picocli.CommandLine.Option;

/** --nonlinearity and --gain, the option block fprnn rule and fprnn simulate share (a picocli mixin). */
final class NonlinearityOptions {
    /** The nonlinearities a network read from files may have (powerlaw needs settings these commands lack). */
    static final List<String> NAMES = List.of("tanh", "relu", "softplus", "linear");

    @Option(names = "--nonlinearity", required = true, paramLabel = "F", description = "tanh, relu, softplus or linear")
    String name;

    @Option(names = "--gain", defaultValue = "1", paramLabel = "G",
            description = "gain of the linear nonlinearity (default ${DEFAULT-VALUE})")
    double gain;

    /** The nonlinearity the options name; a name not in {@link #NAMES} is a {@link UserError}. */
    Nonlinearity parse() {
        if (!NAMES.contains(name)) {
            throw new UserError("unknown nonlinearity '" + name + "': use tanh, relu, softplus or linear");
        }
        return InputFiles.parse(() -> Nonlinearity.parse(name, gain, 1, 1));
    }

    /** What --gain does not apply to when the nonlinearity is not linear, for {@link OptionCheck}. */
    String gainDoesNotApply() {
        return "--nonlinearity " + name + ": it is the gain of the linear nonlinearity";
    }
}
