package org.fprnn.config;

import java.util.List;
import java.util.Locale;

/**
 * Checks for config values that name the key and what is allowed, so that every impossible value
 * is reported before any work ("solver.tol = -1.0: must be a finite number >= 0").
 */
public final class Keys {
    private Keys() {
    }

    public static IllegalArgumentException bad(String key, Object value, String allowed) {
        return new IllegalArgumentException(key + " = " + show(value) + " is not allowed: " + allowed);
    }

    /** A key given although the other settings do not use it: "KEY = V does not apply to WHAT: WHY; leave it out". */
    public static IllegalArgumentException notApplicable(String key, Object value, String what, String why) {
        return new IllegalArgumentException(key + " = " + show(value) + " does not apply to " + what + ": " + why
                + "; leave it out");
    }

    /**
     * A note on a key given although the other settings leave it without effect, for keys that are
     * accepted rather than refused: "KEY = V has no effect: WHY".
     */
    public static String noEffect(String key, Object value, String why) {
        return key + " = " + show(value) + " has no effect: " + why;
    }

    public static String show(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    public static int intAtLeast(String key, Integer v, int dflt, int min) {
        int x = v == null ? dflt : v;
        if (x < min) {
            throw bad(key, x, "it must be an integer >= " + min);
        }
        return x;
    }

    /** A finite number >= min (inclusive) or > min (exclusive). */
    public static double number(String key, Double v, double dflt, double min, boolean inclusive) {
        double x = v == null ? dflt : v;
        if (!Double.isFinite(x) || (inclusive ? x < min : x <= min)) {
            throw bad(key, x, "it must be a finite number " + (inclusive ? ">= " : "> ") + fmt(min));
        }
        return x;
    }

    public static double inRange(String key, Double v, double dflt, double lo, boolean loInclusive, double hi,
                          boolean hiInclusive) {
        double x = v == null ? dflt : v;
        boolean ok = Double.isFinite(x) && (loInclusive ? x >= lo : x > lo) && (hiInclusive ? x <= hi : x < hi);
        if (!ok) {
            throw bad(key, x, "it must be in " + (loInclusive ? "[" : "(") + fmt(lo) + ", " + fmt(hi)
                    + (hiInclusive ? "]" : ")"));
        }
        return x;
    }

    public static String oneOf(String key, String v, String dflt, List<String> allowed) {
        String x = v == null ? dflt : v.toLowerCase(Locale.ROOT);
        if (x == null) {
            throw new IllegalArgumentException(key + " is missing: give one of " + allowed);
        }
        if (!allowed.contains(x)) {
            throw bad(key, v, "use one of " + allowed);
        }
        return x;
    }

    public static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
