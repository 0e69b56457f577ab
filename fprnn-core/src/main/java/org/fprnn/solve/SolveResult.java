package org.fprnn.solve;

import org.fprnn.linalg.Matrix;

/**
 * What every solver returns (torchdeq-style): the state, and per sample its residual
 * max|s_i - Phi(s_i)| / scale_i, whether it met the tolerance, and how many iterations it used.
 *
 * @param state B x N, the solver's state (owned by the solver's workspace until the next call
 *     unless the caller passed its own)
 * @param iterationsMax the largest per-sample iteration count
 */
public record SolveResult(Matrix state, double[] residual, boolean[] converged, int[] iterations,
                          int iterationsMax) {

    public int convergedCount() {
        int c = 0;
        for (boolean b : converged) {
            if (b) {
                c++;
            }
        }
        return c;
    }

    public double maxResidual() {
        double m = 0;
        for (double r : residual) {
            m = Double.isNaN(r) ? Double.NaN : Math.max(m, r);
            if (Double.isNaN(m)) {
                return m;
            }
        }
        return m;
    }

    public boolean allConverged() {
        return convergedCount() == converged.length;
    }
}
