package org.fprnn.linalg;

/** Floating-point precision of a network and its workspaces. */
public enum Precision {
    FLOAT, DOUBLE;

    /** Parses "float"/"float32"/"double"/"float64" (case-insensitive). */
    public static Precision parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "float", "float32", "f32", "single" -> FLOAT;
            case "double", "float64", "f64" -> DOUBLE;
            default -> throw new IllegalArgumentException(
                    "unknown precision '" + s + "': use float or double");
        };
    }

    /** Bytes per value: 4 for float, 8 for double. */
    public int bytes() {
        return this == FLOAT ? Float.BYTES : Double.BYTES;
    }

    /** Machine epsilon, the gap between 1 and the next number: about 1.2e-7 for float, 2.2e-16 for double. */
    public double epsilon() {
        return this == FLOAT ? Math.ulp(1.0f) : Math.ulp(1.0);
    }

    /** A new zero matrix of this precision. */
    public Matrix zeros(int rows, int cols) {
        return this == FLOAT ? new FMatrix(rows, cols) : new DMatrix(rows, cols);
    }
}
