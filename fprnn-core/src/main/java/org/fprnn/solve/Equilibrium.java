package org.fprnn.solve;

import org.fprnn.linalg.Matrix;

/**
 * A network's state on a batch as a solver returned it (MATH section 5, convergence).
 *
 * @param rates r, B x N
 * @param z total input W r + h at the returned rates, B x N (gains are f'(z) by default)
 * @param recurrentInput W r at the returned rates, B x N (rows r W^T): z before the drive is added
 * @param h input drive U x + b, B x N
 * @param state the solver's own state (r for rate and discrete dynamics, v for current), B x N:
 *     pass it back as a warm start
 * @param residual per sample max|r_i - f(W r_i + h_i)|
 * @param converged per sample: the solver met its tolerance
 * @param iterations per sample iterations used
 * @param iterationsMax the largest of them
 */
public record Equilibrium(Matrix rates, Matrix z, Matrix recurrentInput, Matrix h, Matrix state, double[] residual,
                          boolean[] converged, int[] iterations, int iterationsMax) {

    public int samples() {
        return rates.rows;
    }

    public int convergedCount() {
        return SolveResult.count(converged);
    }

    public double maxResidual() {
        return SolveResult.maxOrNaN(residual);
    }

    /** Median of the per-sample iteration counts. */
    public double medianIterations() {
        return median(iterations);
    }

    /** Median of iteration counts (the mean of the middle two for an even count; 0 for none). */
    public static double median(int[] counts) {
        int[] s = counts.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n == 0 ? 0 : (n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]));
    }

    /** A deep copy that outlives the solver's workspace. */
    public Equilibrium copy() {
        return new Equilibrium(rates.copy(), z.copy(), recurrentInput.copy(), h.copy(), state.copy(), residual.clone(),
                converged.clone(), iterations.clone(), iterationsMax);
    }
}
