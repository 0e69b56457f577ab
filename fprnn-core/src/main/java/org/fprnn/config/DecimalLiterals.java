package org.fprnn.config;

import java.math.BigDecimal;

/**
 * Decimal numbers as written by a user (a config value, a command-line option) that a double cannot
 * hold: one that is not 0 but would be read as 0 (1e-400), or one that would be read as infinity
 * (1e400). Both are refused rather than silently given a value the user did not write.
 */
public final class DecimalLiterals {
    private DecimalLiterals() {
    }

    /**
     * Why a double cannot hold the number written, or null if it can (to the nearest double, as
     * every decimal is read).
     */
    public static String whyNotHeld(BigDecimal written) {
        double read = written.doubleValue();
        if (Double.isInfinite(read)) {
            return "it is too large for a number (the largest is about 1.8e308) and would be read as infinity;"
                    + " give a finite value";
        }
        if (read == 0 && written.signum() != 0) {
            return "it is not 0 but too small for a number (the smallest above 0 is about 4.9e-324) and would be"
                    + " read as 0; write 0 if zero is meant, or a larger value";
        }
        return null;
    }

    /**
     * The same check on a number's text, when it is a plain decimal (digits, a point, an exponent, and
     * the f or d suffix Java's parser accepts); other text (Infinity, NaN, hexadecimal) is left to the
     * caller's own checks.
     */
    public static String whyNotHeld(String written) {
        String t = written.strip();
        if (!t.isEmpty() && "fFdD".indexOf(t.charAt(t.length() - 1)) >= 0) {
            t = t.substring(0, t.length() - 1);
        }
        BigDecimal d;
        try {
            d = new BigDecimal(t);
        } catch (NumberFormatException e) {
            return null;
        }
        return whyNotHeld(d);
    }
}
