package org.fprnn.linalg;

import java.util.HashMap;
import java.util.Map;

/**
 * Named scratch matrices reused across calls: a matrix is allocated the first time a key is asked
 * for with a given shape and precision, and handed back unchanged (contents undefined) afterwards.
 * Solvers and rules keep one each, so their loops allocate nothing once the batch shape is fixed.
 */
public final class Workspace {
    private final Map<String, Matrix> slots = new HashMap<>();

    public Matrix get(String key, int rows, int cols, Precision p) {
        Matrix m = slots.get(key);
        if (m == null || m.rows != rows || m.cols != cols || m.precision() != p) {
            m = p.zeros(rows, cols);
            slots.put(key, m);
        }
        return m;
    }

    /** Same as {@link #get} but shaped like {@code like}. */
    public Matrix like(String key, Matrix like) {
        return get(key, like.rows, like.cols, like.precision());
    }

    private final Map<String, double[]> vectors = new HashMap<>();
    private final Map<String, int[]> indices = new HashMap<>();

    /** A reusable double array of the given length (contents undefined). */
    public double[] doubles(String key, int length) {
        double[] v = vectors.get(key);
        if (v == null || v.length != length) {
            v = new double[length];
            vectors.put(key, v);
        }
        return v;
    }

    /** A reusable int array of the given length (contents undefined). */
    public int[] ints(String key, int length) {
        int[] v = indices.get(key);
        if (v == null || v.length != length) {
            v = new int[length];
            indices.put(key, v);
        }
        return v;
    }
}
