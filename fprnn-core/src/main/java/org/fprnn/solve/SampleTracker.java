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
 *
 * <p>Rows: a solver iterates on working rows, which start as the batch's rows (row i is sample i).
 * A solver that compacts ({@link #compact()}, once {@link #worthCompacting()}) then iterates on
 * fewer rows, packed in batch order into the first rows of smaller matrices: every sample still
 * active, plus as many stopped ones as it takes to fill the next size of a fixed ladder B, 3B/4,
 * 9B/16, ... (rounded down), so that a solver can keep one set of matrices per size and make none
 * after the first solves. The methods here take working rows and keep their records per sample
 * ({@link #sample(int)}).
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
    /** Working row to sample, and after {@link #compact()} new working row to the old one it came from. */
    private final int[] sample;
    private final int[] movedFrom;
    private int working;

    /**
     * The ratio of two sizes of the ladder of working rows: a compaction shrinks the products by a
     * quarter or more, and a batch compacts at most log(B) / log(4/3) times (each a copy of the
     * kept rows, far cheaper than one iteration's products).
     */
    static final double COMPACT_FRACTION = 0.75;

    /** The ladder size below {@code rows} working rows (0 below 2). */
    static int smallerSize(int rows) {
        return (int) (rows * COMPACT_FRACTION);
    }

    SampleTracker(int samples) {
        this(samples, new int[samples], new int[samples]);
    }

    /**
     * A tracker whose working-row bookkeeping lives in the caller's arrays (of length at least
     * {@code samples}, contents undefined), so that a solver that compacts reuses them from solve to
     * solve.
     */
    SampleTracker(int samples, int[] rowSamples, int[] rowsMovedFrom) {
        residual = new double[samples];
        converged = new boolean[samples];
        active = new boolean[samples];
        iterations = new int[samples];
        anchor = new double[samples];
        anchorAt = new int[samples];
        Arrays.fill(anchor, Double.POSITIVE_INFINITY);
        Arrays.fill(active, true);
        remaining = samples;
        sample = rowSamples;
        movedFrom = rowsMovedFrom;
        for (int i = 0; i < samples; i++) {
            sample[i] = i;
        }
        working = samples;
    }

    /** True if working row i's sample is still iterating. */
    boolean active(int i) {
        return active[sample[i]];
    }

    /** The number of working rows (the batch size until the first {@link #compact()}). */
    int workingRows() {
        return working;
    }

    /** The sample (batch row) of working row i. */
    int sample(int i) {
        return sample[i];
    }

    /** Working row to sample for every working row (only the first {@link #workingRows()} entries count). */
    int[] samples() {
        return sample;
    }

    /** True if some samples are still iterating and they fit into the next smaller ladder size. */
    boolean worthCompacting() {
        return remaining > 0 && remaining <= smallerSize(working);
    }

    /**
     * Shrinks the working rows to the smallest ladder size that holds every active sample: the
     * active rows and, to fill the size, the first stopped ones, in their order; new row i was old
     * row {@link #movedFrom(int) movedFrom(i)} (never below i). The caller moves its per-row data
     * accordingly, and must save the states of the stopped rows left out first; the stopped rows
     * kept stay stopped (their states must not change).
     *
     * @return the new number of working rows
     */
    int compact() {
        int size = working;
        while (smallerSize(size) >= remaining && smallerSize(size) > 0) {
            size = smallerSize(size);
        }
        int fill = size - remaining;
        int c = 0;
        for (int i = 0; i < working && c < size; i++) {
            boolean on = active[sample[i]];
            if (on || fill > 0) {
                fill -= on ? 0 : 1;
                movedFrom[c] = i;
                sample[c] = sample[i];
                c++;
            }
        }
        working = c;
        return c;
    }

    /**
     * Writes the states of the working rows whose samples have stopped (of all working rows if
     * {@code all}) from {@code cur}, the working rows' states, to their samples' rows of
     * {@code state}, the batch's (nothing if they are the same matrix).
     */
    void saveStates(Matrix cur, Matrix state, boolean all) {
        if (cur == state) {
            return;
        }
        for (int i = 0; i < working; i++) {
            if (all || !active[sample[i]]) {
                state.copyRow(cur, i, sample[i]);
            }
        }
    }

    /** Row i of {@code to} becomes row {@link #movedFrom(int) movedFrom(i)} of {@code from}, for the working rows. */
    void gather(Matrix from, Matrix to) {
        Ops.gatherRows(from, movedFrom, working, to);
    }

    /** The working rows' place on the ladder: 0 for the batch size B, 1 for the size below it, and so on. */
    int ladderStep() {
        int step = 0;
        for (int size = residual.length; size > working; size = smallerSize(size)) {
            step++;
        }
        return step;
    }

    /**
     * The old working row of each new working row at the last {@link #compact()} (only the first
     * {@link #workingRows()} entries count; do not change it).
     */
    int[] movedFromRows() {
        return movedFrom;
    }

    /** The old working row that new working row i came from at the last {@link #compact()}. */
    int movedFrom(int i) {
        return movedFrom[i];
    }

    /** Samples still iterating. */
    int remaining() {
        return remaining;
    }

    /**
     * Records the residual (already divided by its scale) at iteration k of working row {@code row}'s
     * sample, before its update.
     *
     * @param stopAtTolerance false runs to the limit whatever the residual (Euler with tol = 0), and
     *     then no stagnation stop either
     * @return true if the sample stops here (converged, not finite, or stalled); false if it is to be
     *     updated, which counts as iteration k + 1
     */
    boolean stopIfDone(int row, double r, int k, double tol, boolean stopAtTolerance) {
        int i = sample[row];
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

    /**
     * Stops working row {@code row}'s sample at iteration k as not converged, with the residual
     * {@link #stopIfDone} recorded for it at k (its state must not have changed since): for a sample
     * the solver cannot take a step on.
     */
    void stopNotConverged(int row, int k) {
        int i = sample[row];
        active[i] = false;
        converged[i] = false;
        iterations[i] = k;
        remaining--;
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
        return finish(map, s, phi, s, tol);
    }

    /**
     * {@link #finish(BatchMap, Matrix, Matrix, double)} after compaction: the residuals of the samples
     * still iterating are measured on the working rows, with {@code map} the map on them and
     * {@code s} their states (phi as large); the result holds {@code state}, the batch's states.
     */
    SolveResult finish(BatchMap map, Matrix s, Matrix phi, Matrix state, double tol) {
        if (remaining > 0) {
            double[] raw = new double[s.rows];
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, raw);
            for (int row = 0; row < working; row++) {
                int i = sample[row];
                if (active[i]) {
                    residual[i] = map.residual(row, raw[row]);
                    converged[i] = residual[i] <= tol;
                }
            }
        }
        int itMax = 0;
        for (int it : iterations) {
            itMax = Math.max(itMax, it);
        }
        return new SolveResult(state, residual, converged, iterations, itMax);
    }
}
