package org.fprnn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.rule.AdjointStart;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;

/**
 * Warm starts across epochs (solver.warm_start, off by default): for every training sample, the
 * state its forward solve reached at its last visit, and for a rule with an adjoint solve (the
 * gradient rule) the adjoint's solution, N floats each, indexed by the sample's row in the training
 * set and allocated once per run (60,000 x 300 floats, 72 MB, per cache for MNIST at N = 300). A
 * sample's first visit starts cold (the state at rest, lambda = e); later visits start where the
 * last one ended. The solvers still iterate until each sample meets its tolerance, so the fixed
 * point (and the adjoint) found is the same to that tolerance; what changes is the number of
 * iterations, since the weights move little between two visits of a sample.
 *
 * <p>Only converged rows are kept (a row that did not converge is forgotten, so its next visit starts
 * cold again). Rows never kept hold NaN. The caches are part of a run's state: a checkpoint carries
 * them ({@link #tensors()}, {@link #restore}) so that a resumed run starts every solve exactly where
 * an uninterrupted one would.
 */
public final class WarmStartCache {
    /** Checkpoint tensor of the forward states. */
    public static final String FORWARD = "warm_start.forward";
    /** Checkpoint tensor of the adjoint solutions. */
    public static final String ADJOINT = "warm_start.adjoint";

    private final FMatrix forward;
    private final FMatrix adjoint;

    /**
     * @param samples training samples
     * @param units state dimension N
     * @param withAdjoint also keep the adjoint's solutions
     */
    public WarmStartCache(int samples, int units, boolean withAdjoint) {
        forward = empty(samples, units);
        adjoint = withAdjoint ? empty(samples, units) : null;
    }

    private static FMatrix empty(int samples, int units) {
        FMatrix m = new FMatrix(samples, units);
        m.fill(Float.NaN);
        return m;
    }

    public int samples() {
        return forward.rows;
    }

    public int units() {
        return forward.cols;
    }

    public boolean hasAdjoint() {
        return adjoint != null;
    }

    /**
     * The start of a batch's forward solve: row i of {@code start} (B x N) becomes the state training
     * row {@code rows[i]} reached at its last visit, or 0 (rest) at its first.
     *
     * @return how many rows start warm
     */
    public int loadForward(int[] rows, Matrix start) {
        return load(forward, rows, start, true);
    }

    /**
     * The forward solve of a batch of training rows {@code rows}: from their kept states (rest for a
     * first visit), keeping the converged results for the next visit.
     *
     * @param start B x N scratch for the starting state, in the network's precision
     */
    public Equilibrium solve(EquilibriumSolver solver, FixedPointNetwork net, Matrix x, int[] rows, Matrix start) {
        loadForward(rows, start);
        Equilibrium eq = solver.solve(net, x, start);
        storeForward(rows, eq.state(), eq.converged());
        return eq;
    }

    /** Keeps the converged rows of a batch's forward state (B x N, the solver's own state). */
    public void storeForward(int[] rows, Matrix state, boolean[] converged) {
        store(forward, rows, state, converged);
    }

    /** The adjoint start of a batch of these training rows, or null if this cache keeps no adjoint. */
    public AdjointStart adjointStart(int[] rows) {
        if (adjoint == null) {
            return null;
        }
        return new AdjointStart() {
            @Override
            public void load(Matrix lambda) {
                WarmStartCache.load(adjoint, rows, lambda, false);
            }

            @Override
            public void store(Matrix lambda, boolean[] converged) {
                WarmStartCache.store(adjoint, rows, lambda, converged);
            }
        };
    }

    /** Copies the kept rows into {@code out}; the others are zeroed ({@code zeroMissing}) or left. */
    private static int load(FMatrix cache, int[] rows, Matrix out, boolean zeroMissing) {
        check(cache, rows, out);
        int n = cache.cols;
        int warm = 0;
        for (int i = 0; i < rows.length; i++) {
            if (kept(cache, rows[i])) {
                out.copyRow(cache, rows[i], i);
                warm++;
            } else if (zeroMissing) {
                for (int j = 0; j < n; j++) {
                    out.set(i, j, 0);
                }
            }
        }
        return warm;
    }

    private static void store(FMatrix cache, int[] rows, Matrix state, boolean[] converged) {
        check(cache, rows, state);
        for (int i = 0; i < rows.length; i++) {
            if (converged[i]) {
                cache.copyRow(state, i, rows[i]);
            } else {
                cache.data[rows[i] * cache.cols] = Float.NaN;
            }
        }
    }

    /** True if training row {@code row} has a kept state (a converged state is finite). */
    private static boolean kept(FMatrix cache, int row) {
        return !Float.isNaN(cache.data[row * cache.cols]);
    }

    private static void check(FMatrix cache, int[] rows, Matrix batch) {
        if (batch.rows != rows.length || batch.cols != cache.cols) {
            throw new IllegalArgumentException("a batch of shape " + batch.shape() + " for " + rows.length
                    + " training rows of a warm-start cache of " + cache.cols + " units");
        }
    }

    /** The caches by checkpoint name (the matrices themselves, not copies). */
    public Map<String, Matrix> tensors() {
        Map<String, Matrix> m = new LinkedHashMap<>();
        m.put(FORWARD, forward);
        if (adjoint != null) {
            m.put(ADJOINT, adjoint);
        }
        return m;
    }

    /**
     * Replaces a cache by a saved one (from a checkpoint).
     *
     * @throws IllegalArgumentException if the name is not one of {@link #tensors()} or the shape differs
     */
    public void restore(String name, Matrix saved) {
        FMatrix target = switch (name) {
            case FORWARD -> forward;
            case ADJOINT -> adjoint;
            default -> null;
        };
        if (target == null) {
            throw new IllegalArgumentException("this warm-start cache keeps no " + name);
        }
        if (!saved.sameShape(target)) {
            throw new IllegalArgumentException(name + " of shape " + saved.shape() + " for a warm-start cache of "
                    + target.shape() + " (training samples x units)");
        }
        target.copyFrom(saved);
    }
}
