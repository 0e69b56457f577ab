package org.fprnn.solve;

import java.util.Arrays;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;

/**
 * Per-sample convergence bookkeeping shared by the solvers (MATH section 6 fact 7): a sample whose
 * residual meets the tolerance stops being updated; one whose residual is not finite stops and is
 * reported as not converged; the others run to the iteration limit and are reported with the
 * residual of the state actually returned.
 */
final class SampleTracker {
    private final double[] residual;
    private final boolean[] converged;
    private final boolean[] active;
    private final int[] iterations;
    private int remaining;

    SampleTracker(int samples) {
        residual = new double[samples];
        converged = new boolean[samples];
        active = new boolean[samples];
        iterations = new int[samples];
        Arrays.fill(active, true);
        remaining = samples;
    }

    boolean active(int i) {
        return active[i];
    }

    /** Samples still iterating. */
    int remaining() {
        return remaining;
    }

    /**
     * Records sample i's residual (already divided by its scale) at iteration k, before its update.
     *
     * @param stopAtTolerance false runs to the limit whatever the residual (Euler with tol = 0)
     * @return true if the sample stops here (converged, or not finite); false if it is to be updated,
     *     which counts as iteration k + 1
     */
    boolean stopIfDone(int i, double r, int k, double tol, boolean stopAtTolerance) {
        residual[i] = r;
        boolean done = (stopAtTolerance && r <= tol) || !Double.isFinite(r);
        if (done) {
            active[i] = false;
            converged[i] = r <= tol;
            iterations[i] = k;
            remaining--;
        } else {
            iterations[i] = k + 1;
        }
        return done;
    }

    /**
     * The result, with the residuals of the samples still iterating measured at the returned state
     * (one more map evaluation into {@code phi} when any is left).
     */
    SolveResult finish(BatchMap map, Matrix s, Matrix phi, double tol) {
        if (remaining > 0) {
            double[] raw = new double[s.rows];
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, raw);
            for (int i = 0; i < s.rows; i++) {
                if (active[i]) {
                    residual[i] = raw[i] / map.residualScale(i);
                    converged[i] = residual[i] <= tol;
                }
            }
        }
        int itMax = 0;
        for (int it : iterations) {
            itMax = Math.max(itMax, it);
        }
        return new SolveResult(s, residual, converged, iterations, itMax);
    }
}
