package org.fprnn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * The one policy for options that the other settings make meaningless (--gain with tanh, --dt with
 * anderson, --records with --input): giving one is an error (exit 2) that names the option and what
 * it does not apply to, never silently ignored, so that a command line, and a config saved from it,
 * says only what was used. Whether an option was given is read from the parse result, so options
 * with default values are checked too. Every command checks its options through this class.
 *
 * <p>One exception, {@link #ignoredIf}: the options of {@code fprnn rule} that ARCHITECTURE.md's
 * cross-check contract lists for every call (--gain, --dt, --lr) are accepted where they do not
 * apply, with a warning on stderr, so that an outside harness that passes them to every rule keeps
 * working. {@code rule} saves no config, so nothing unused is recorded either way.
 */
public final class OptionCheck {
    private final ParseResult parsed;
    private final java.io.PrintWriter err;

    private OptionCheck(ParseResult parsed, java.io.PrintWriter err) {
        this.parsed = parsed;
        this.err = err;
    }

    /** The check for the command that spec describes, after parsing. */
    public static OptionCheck of(CommandSpec spec) {
        return new OptionCheck(spec.commandLine().getParseResult(), spec.commandLine().getErr());
    }

    /** True if the user gave the option (by any of its names). */
    public boolean given(String option) {
        return parsed != null && parsed.hasMatchedOption(option);
    }

    /**
     * Refuses option if it was given and does not apply.
     *
     * @param applies whether the other settings use the option
     * @param option the option's name, e.g. "--gain"
     * @param notApplicableTo what it does not apply to and what it is for, completing "--gain does
     *     not apply to ...", e.g. "--nonlinearity tanh: it is the gain of the linear nonlinearity"
     */
    public OptionCheck onlyIf(boolean applies, String option, String notApplicableTo) {
        if (!applies && given(option)) {
            throw new UserError(option + " does not apply to " + notApplicableTo + "; drop it");
        }
        return this;
    }

    /**
     * Warns on stderr, and goes on, if option was given and does not apply (see the class comment
     * for the only options this is for).
     */
    public OptionCheck ignoredIf(boolean applies, String option, String notApplicableTo) {
        if (!applies && given(option)) {
            err.println("fprnn: warning: " + option + " does not apply to " + notApplicableTo + "; ignored");
            err.flush();
        }
        return this;
    }
}
