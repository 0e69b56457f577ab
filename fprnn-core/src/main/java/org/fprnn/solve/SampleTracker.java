package org.fprnn.solve;

import java.util.Arrays;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;

/**
 * Per-sample convergence bookkeeping shared by the solvers (MATH section 6 fact 7): a sample whose
 * residual meets the tolerance stops being updated; one whose residual is not finite stops and is
 * reported as not converged; one that makes no progress for {@link SolverConfig#STALL_ITERATIONS}
 * iterations (its best residual not below (1 - {@link SolverConfig#STALL_DECREASE}) times the best
 * at the start of that window) stops too, not converged; the others run to the iteration limit. Every
 * sample is reported with the residual of the state actually returned. Nothing here allocates after
 * construction.
 */
final class SampleTracker {
    private final double[] residual;
    private final boolean[] converged;
    private final boolean[] active;
    private final int[] iterations;
    /** Per sample: the best residual at the start of the current progress window, and that iteration. */
    private final double[] anchor;
    private final int[] anchorAt;
    private int remaining;

    SampleTracker(int samples) {
        residual = new double[samples];
        converged = new boolean[samples];
        active = new boolean[samples];
        iterations = new int[samples];
        anchor = new double[samples];
        anchorAt = new int[samples];
        Arrays.fill(anchor, Double.POSITIVE_INFINITY);
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
     * @param stopAtTolerance false runs to the limit whatever the residual (Euler with tol = 0), and
     *     then no stagnation stop either
     * @return true if the sample stops here (converged, not finite, or stalled); false if it is to be
     *     updated, which counts as iteration k + 1
     */
    boolean stopIfDone(int i, double r, int k, double tol, boolean stopAtTolerance) {
        residual[i] = r;
        boolean done = (stopAtTolerance && (r <= tol || stalled(i, r, k))) || !Double.isFinite(r);
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

    /** Progress bookkeeping of {@link SolverConfig#STALL_ITERATIONS}; true if sample i has stalled at k. */
    private boolean stalled(int i, double r, int k) {
        if (r < anchor[i] * (1 - SolverConfig.STALL_DECREASE)) {
            anchor[i] = r;
            anchorAt[i] = k;
            return false;
        }
        return k - anchorAt[i] >= SolverConfig.STALL_ITERATIONS;
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
