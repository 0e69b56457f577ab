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

    /** A new zero matrix of this precision. */
    public Matrix zeros(int rows, int cols) {
        return this == FLOAT ? new FMatrix(rows, cols) : new DMatrix(rows, cols);
    }
}
