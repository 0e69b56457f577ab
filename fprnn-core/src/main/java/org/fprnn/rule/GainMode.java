package org.fprnn.rule;

/**
 * Where the gains G = diag(f'(z)) come from (MATH section 1). At an exact fixed point of tanh units
 * both agree; at a state that has not converged they differ.
 */
public enum GainMode {
    /** f'(W r + h) at the returned state: the library default. */
    DERIVATIVE,
    /** 1 - r^2 from the returned rates, as the published code does (tanh only; protocol P1). */
    FROM_RATES;

    public static GainMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "derivative", "f_prime", "fprime" -> DERIVATIVE;
            case "from_rates", "rates", "one_minus_r2" -> FROM_RATES;
            default -> throw new IllegalArgumentException("unknown gain mode '" + s
                    + "': use derivative or from_rates");
        };
    }
}
