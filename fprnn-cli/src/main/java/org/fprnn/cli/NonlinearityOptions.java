package org.fprnn.cli;

import org.fprnn.model.Nonlinearity;
import picocli.CommandLine.Option;

/**
 * --nonlinearity and --gain, the option block fprnn rule and fprnn simulate share (a picocli mixin).
 * --nonlinearity is required by {@link #parse} rather than by picocli: fprnn simulate --config takes
 * the nonlinearity from the config instead.
 */
final class NonlinearityOptions {
    /** The nonlinearities of a network read from files: {@link Nonlinearity#BASIC} (powerlaw needs k and n). */
    @Option(names = "--nonlinearity", paramLabel = "F", completionCandidates = Nonlinearity.Basic.class,
            description = "${COMPLETION-CANDIDATES}")
    String name;

    @Option(names = "--gain", defaultValue = "1", paramLabel = "G",
            description = "gain of the linear nonlinearity (default ${DEFAULT-VALUE})")
    double gain;

    /**
     * The nonlinearity the options name; none, or a name not in {@link Nonlinearity#BASIC}, is a
     * {@link UserError}.
     */
    Nonlinearity parse() {
        if (name == null) {
            throw new UserError("--nonlinearity is required: give one of " + Nonlinearity.BASIC.orList());
        }
        if (!Nonlinearity.BASIC.contains(name)) {
            throw new UserError(Nonlinearity.BASIC.unknown("nonlinearity", name));
        }
        return InputFiles.parse(() -> Nonlinearity.parse(name, gain, 1, 1));
    }

    /** What --gain does not apply to when the nonlinearity is not linear, for {@link OptionCheck}. */
    String gainDoesNotApply() {
        return "--nonlinearity " + name + ": it is the gain of the linear nonlinearity";
    }
}
