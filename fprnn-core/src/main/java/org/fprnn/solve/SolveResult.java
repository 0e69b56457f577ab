package org.fprnn.solve;

import org.fprnn.linalg.Matrix;

/**
 * What every solver returns (torchdeq-style): the state, and per sample its residual
 * max|s_i - Phi(s_i)| / scale_i, whether it met the tolerance, and how many iterations it used.
 *
 * @param state B x N, the solver's state (owned by the solver's workspace until the next call
 *     unless the caller passed its own)
 * @param iterationsMax the largest per-sample iteration count
 * @param products B x N, for a map that {@link BatchMap#returnsProducts() returns products}: row i
 *     holds {@link BatchMap#applyProducts}'s output at sample i's returned state, as the solver made
 *     it when the sample stopped (owned like the state); null when the solver does not keep them or
 *     a sample ran to the iteration limit
 */
public record SolveResult(Matrix state, double[] residual, boolean[] converged, int[] iterations,
                          int iterationsMax, Matrix products) {

    /** A result without products. */
    public SolveResult(Matrix state, double[] residual, boolean[] converged, int[] iterations, int iterationsMax) {
        this(state, residual, converged, iterations, iterationsMax, null);
    }

    /** This result with {@code p} as its products. */
    public SolveResult withProducts(Matrix p) {
        return new SolveResult(state, residual, converged, iterations, iterationsMax, p);
    }

    /**
     * This result with {@code earlier[i]} iterations added to sample i's count (a solve that
     * continued an earlier one on the same samples); the arrays are copied, the state and products
     * shared.
     */
    public SolveResult withEarlierIterations(int[] earlier) {
        if (earlier.length != iterations.length) {
            throw new IllegalArgumentException(earlier.length + " earlier counts for " + iterations.length + " samples");
        }
        int[] sum = new int[iterations.length];
        int max = 0;
        for (int i = 0; i < sum.length; i++) {
            sum[i] = iterations[i] + earlier[i];
            max = Math.max(max, sum[i]);
        }
        return new SolveResult(state, residual, converged, sum, max, products);
    }

    public int convergedCount() {
        return count(converged);
    }

    public double maxResidual() {
        return maxOrNaN(residual);
    }

    /** Number of true flags. */
    static int count(boolean[] flags) {
        int c = 0;
        for (boolean b : flags) {
            if (b) {
                c++;
            }
        }
        return c;
    }

    /** Largest value, or NaN if any value is NaN. */
    static double maxOrNaN(double[] values) {
        double m = 0;
        for (double r : values) {
            if (Double.isNaN(r)) {
                return Double.NaN;
            }
            m = Math.max(m, r);
        }
        return m;
    }

    public boolean allConverged() {
        return convergedCount() == converged.length;
    }
}
