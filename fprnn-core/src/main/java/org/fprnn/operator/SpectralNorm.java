package org.fprnn.operator;

import java.util.SplittableRandom;
import org.fprnn.linalg.Matrix;

/**
 * The largest singular value ||M||_2 of a linear map, estimated by power iteration on M^T M from a
 * fixed start (MATH section 1: with gains |f'| <= 1, a recurrent block with ||W_k||_2 < 1 makes its
 * layer's fixed-point map a contraction). The start is drawn from a fixed seed, so the estimate
 * depends only on the map: the same bits on every call, thread count and resume. Power iteration
 * approaches ||M||_2 from below, so the estimate is a lower bound that tightens with the iterations.
 * Work: 2 {@code iterations} products with one row; no allocation after the first call.
 */
final class SpectralNorm {
    /** Seed of the fixed start vector. */
    private static final long START_SEED = 0x5eedL;

    private final LinearMap map;
    private final int iterations;
    private Matrix v;
    private Matrix w;
    private double[] start;

    /**
     * @param map the map M (any shape; for a recurrent block the square W_k)
     * @param iterations power iterations, at least 1
     */
    SpectralNorm(LinearMap map, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("power iterations must be at least 1, got " + iterations);
        }
        this.map = map;
        this.iterations = iterations;
    }

    /**
     * The estimate of ||M||_2: v_0 the fixed start, v_{t+1} = M^T M v_t / ||M^T M v_t||, and the
     * result ||M v_T|| with ||v_T|| = 1. Zero for a map that sends the start to zero.
     *
     * @param like a matrix of the map's precision (its parameters)
     */
    double estimate(Matrix like) {
        if (v == null || v.precision() != like.precision()) {
            v = like.like(1, map.inputs());
            w = like.like(1, map.outputs());
            start = new double[map.inputs()];
            SplittableRandom rng = new SplittableRandom(START_SEED);
            for (int i = 0; i < start.length; i++) {
                start[i] = rng.nextDouble() - 0.5;
            }
        }
        for (int i = 0; i < start.length; i++) {
            v.setFlat(i, start[i]);
        }
        if (normalize(v) == 0) {
            return 0;
        }
        for (int t = 0; t < iterations; t++) {
            map.apply(v, w, 1, 0);
            map.applyTranspose(w, v, 1, 0);
            if (normalize(v) == 0) {
                return 0;
            }
        }
        map.apply(v, w, 1, 0);
        return norm(w);
    }

    /** Scales the row to unit norm and returns its norm before (in double, in index order). */
    private static double normalize(Matrix m) {
        double n = norm(m);
        if (n > 0) {
            for (int i = 0; i < m.size(); i++) {
                m.setFlat(i, m.getFlat(i) / n);
            }
        }
        return n;
    }

    private static double norm(Matrix m) {
        double s = 0;
        for (int i = 0; i < m.size(); i++) {
            double x = m.getFlat(i);
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
