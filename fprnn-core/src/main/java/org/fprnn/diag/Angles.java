package org.fprnn.diag;

import org.fprnn.linalg.Params;

/** Angle between a rule's direction and the gradient (MATH section 5), over all shared parameters. */
public final class Angles {
    private Angles() {
    }

    /**
     * The angle in degrees between two directions, over the parameters both contain: 0 means the same
     * direction, above 90 means the rule points uphill. NaN if either is zero or not finite.
     */
    public static double degrees(Params direction, Params gradient) {
        double dot = direction.dot(gradient);
        double n1 = Math.sqrt(direction.dot(direction));
        double n2 = Math.sqrt(gradient.dot(gradient));
        if (!(n1 > 0) || !(n2 > 0) || !Double.isFinite(dot)) {
            return Double.NaN;
        }
        double c = Math.max(-1, Math.min(1, dot / (n1 * n2)));
        return Math.toDegrees(Math.acos(c));
    }

    /** Angle restricted to one parameter, e.g. "W". */
    public static double degrees(Params direction, Params gradient, String name) {
        return degrees(new Params().put(name, direction.get(name)), new Params().put(name, gradient.get(name)));
    }

    /** Angle restricted to the named parameters (each must be in both). */
    public static double degrees(Params direction, Params gradient, java.util.Collection<String> names) {
        Params a = new Params();
        Params b = new Params();
        for (String n : names) {
            a.put(n, direction.get(n));
            b.put(n, gradient.get(n));
        }
        return degrees(a, b);
    }
}
