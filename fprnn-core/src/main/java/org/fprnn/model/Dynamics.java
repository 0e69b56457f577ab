package org.fprnn.model;

/**
 * The three dynamics of MATH section 1. They share their fixed points (z* = v*); only the solver
 * path and stability differ.
 */
public enum Dynamics {
    /** tau dr/dt = -r + f(W r + h): the paper's model. */
    RATE,
    /** tau dv/dt = -v + W f(v) + h, r = f(v). */
    CURRENT,
    /** r_{t+1} = f(W r_t + h). */
    DISCRETE;

    /** Every dynamics' name, as {@link #label()} spells it. */
    public static final class Known extends org.fprnn.NameList {
        public Known() {
            super("rate", "current", "discrete");
        }
    }

    /** The names of {@link Known}. */
    public static final org.fprnn.NameList NAMES = new Known();

    public static Dynamics parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "rate" -> RATE;
            case "current" -> CURRENT;
            case "discrete" -> DISCRETE;
            default -> throw new IllegalArgumentException(NAMES.unknown("dynamics", s));
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
