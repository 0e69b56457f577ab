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
     * Refuses a number outside [lo, hi] ([lo, hi) if hiOpen), in one line that names the option, the
     * value, the range and why: "--noise 1e+300 is out of range [0, 1e+06]: WHY". For values that would
     * give no meaningful result; the range is then part of the option's documented meaning.
     */
    public static void requireRange(String option, double value, double lo, double hi, boolean hiOpen, String why) {
        if (!(value >= lo && (hiOpen ? value < hi : value <= hi))) {
            throw new UserError(option + " " + number(value) + " is out of range [" + number(lo) + ", " + number(hi)
                    + (hiOpen ? ")" : "]") + ": " + why);
        }
    }

    /** A number as a person writes it: 2147483647, 0.05, 2.22e-16, 1e+300 (whole numbers whole, others to three digits). */
    static String number(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e15) {
            return Long.toString((long) x);
        }
        if (!Double.isFinite(x) || x != 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e7)) {
            return String.format(java.util.Locale.ROOT, "%.2e", x).replaceAll("\\.?0+e", "e");
        }
        return new java.math.BigDecimal(x).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
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
