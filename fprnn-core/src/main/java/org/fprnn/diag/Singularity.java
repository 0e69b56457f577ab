package org.fprnn.diag;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;
import org.fprnn.linalg.Matrix;

/**
 * Distance to singularity, MATH sections 2 and 5: sigma_min(I - G_i W) per sample, where the map
 * W -> r* blows up. Exact SVD in double up to {@link #EXACT_MAX_UNITS} units; above, an iterative
 * estimate (inverse iteration on M^T M with one LU of M). Meant for up to a few samples of an
 * evaluation batch.
 */
public final class Singularity {
    private Singularity() {
    }

    /**
     * sigma_min(I - G_i W) for the first {@code maxSamples} rows of the gains g (B x N).
     */
    public static double[] distances(DMatrix w, Matrix g, int maxSamples) {
        return w.rows <= EXACT_MAX_UNITS ? exact(w, g, maxSamples) : estimate(w, g, maxSamples, 50, 1e-6);
    }

    /** Largest N for which {@link #distances} uses the exact SVD. */
    public static final int EXACT_MAX_UNITS = 600;

    /** sigma_min(I - G_i W) by a full SVD, per sample. */
    public static double[] exact(DMatrix w, Matrix g, int maxSamples) {
        int n = w.rows;
        int k = Math.min(maxSamples, g.rows);
        double[] out = new double[k];
        DMatrix m = new DMatrix(n, n);
        for (int s = 0; s < k; s++) {
            for (int i = 0; i < n; i++) {
                double gi = g.get(s, i);
                for (int j = 0; j < n; j++) {
                    m.data[i * n + j] = (i == j ? 1.0 : 0.0) - gi * w.data[i * n + j];
                }
            }
            try {
                double[] sv = Decompositions.singularValues(m);
                out[s] = sv[sv.length - 1];
            } catch (IllegalStateException failed) {
                out[s] = Double.NaN;
            }
        }
        return out;
    }

    /**
     * sigma_min(I - G_i W) estimated by inverse iteration: with M = I - G_i W factored once,
     * v <- (M^T M)^{-1} v converges to the smallest right singular vector and ||M v|| / ||v|| to
     * sigma_min (from above), within {@code relTol} or {@code maxIter} iterations.
     */
    public static double[] estimate(DMatrix w, Matrix g, int maxSamples, int maxIter, double relTol) {
        int n = w.rows;
        int k = Math.min(maxSamples, g.rows);
        double[] out = new double[k];
        java.util.Random rng = new java.util.Random(12345);
        DMatrix m = new DMatrix(n, n);
        DMatrix v = new DMatrix(1, n);
        for (int s = 0; s < k; s++) {
            for (int i = 0; i < n; i++) {
                double gi = g.get(s, i);
                for (int j = 0; j < n; j++) {
                    m.data[i * n + j] = (i == j ? 1.0 : 0.0) - gi * w.data[i * n + j];
                }
            }
            org.fprnn.linalg.Lapack.Lu lu;
            try {
                lu = Decompositions.lu(m);
            } catch (IllegalStateException singular) {
                out[s] = 0;
                continue;
            }
            for (int i = 0; i < n; i++) {
                v.data[i] = rng.nextGaussian();
            }
            double sigma = Double.POSITIVE_INFINITY;
            for (int it = 0; it < maxIter; it++) {
                normalize(v.data);
                lu.solveRowsTransposed(v);   // M^{-T} v
                lu.solveRows(v);             // M^{-1} M^{-T} v = (M^T M)^{-1} v
                normalize(v.data);
                double next = norm(times(m, v.data));
                boolean done = Math.abs(sigma - next) <= relTol * next;
                sigma = next;
                if (done) {
                    break;
                }
            }
            out[s] = sigma;
        }
        return out;
    }

    private static double[] times(DMatrix m, double[] v) {
        int n = m.rows;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int j = 0; j < n; j++) {
                acc += m.data[i * n + j] * v[j];
            }
            out[i] = acc;
        }
        return out;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static void normalize(double[] v) {
        double nv = norm(v);
        for (int i = 0; i < v.length; i++) {
            v[i] /= nv;
        }
    }
}
