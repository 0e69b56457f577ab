package org.fprnn.solve;

import java.util.Locale;

/**
 * Settings shared by the solvers. Which fields a solver reads:
 * <ul>
 *   <li>euler: {@code alpha} = dt/tau, {@code maxIter} = number of steps, {@code tol} stops early when
 *       a sample's residual is at or below it ({@code tol = 0} runs exactly {@code maxIter} steps);</li>
 *   <li>picard: damped iteration s += alpha (Phi(s) - s), {@code tol}, {@code maxIter};</li>
 *   <li>anderson: {@code memory} past iterates, mixing {@code beta}, {@code tol}, {@code maxIter};</li>
 *   <li>newton, broyden, direct: {@code tol}, {@code maxIter}.</li>
 * </ul>
 * Anderson, euler and picard also read {@code chunkRows}: the batch is solved in chunks of about that
 * many consecutive rows, each to the end on its own ({@link ChunkedSolver}); {@link #AUTO_CHUNK}
 * chooses the size from the width and precision, and {@link #WHOLE_BATCH} (any size at least the batch
 * size) solves the batch whole.
 * Anderson also reads {@code meanGain}: the forward solve of a float network with rate or discrete
 * dynamics is preconditioned by the batch's mean gains at rest ({@link EquilibriumSolver},
 * {@link MeanGainForwardMap}); off by default.
 * Every iterative solver with a tolerance above 0 stops a sample that makes no progress (see
 * {@link #STALL_ITERATIONS}) and reports it as not converged, so a tolerance below what the precision
 * can reach ends promptly. With tol = 0, euler and picard run exactly maxIter iterations (a fixed
 * number of steps, as P1's 500 Euler steps).
 */
public record SolverConfig(String method, double tol, int maxIter, double alpha, int memory, double beta,
                           int chunkRows, boolean meanGain) implements java.io.Serializable {

    /** {@code chunkRows}: the chunk size chosen from the width and precision ({@link ChunkedSolver#rows}). */
    public static final int AUTO_CHUNK = 0;

    /** {@code chunkRows}: no chunks, the whole batch at once (as any size at least the batch size). */
    public static final int WHOLE_BATCH = Integer.MAX_VALUE;

    /**
     * Stagnation: a sample whose best residual has not fallen below (1 - {@link #STALL_DECREASE})
     * times the best of {@value #STALL_ITERATIONS} iterations earlier stops there, not converged. Only
     * solves that stop at the tolerance are affected (not euler or picard with tol = 0), and none whose
     * iteration limit is at most {@value #STALL_ITERATIONS}. A solver converging at a rate q per
     * iteration stalls only if q^{@value #STALL_ITERATIONS} > 1 - {@link #STALL_DECREASE}, i.e. q above
     * about 1 - 1e-6, where reaching any tolerance would take millions of iterations anyway.
     */
    public static final int STALL_ITERATIONS = 1000;

    /** The relative decrease of the best residual that counts as progress (see {@link #STALL_ITERATIONS}). */
    public static final double STALL_DECREASE = 1e-3;

    /** True if the method reads {@code alpha} (euler's dt/tau, picard's damping). */
    public static boolean usesAlpha(String method) {
        return method.equals("euler") || method.equals("picard");
    }

    /** True if the method reads {@code memory} and {@code beta} (Anderson mixing). */
    public static boolean usesMixing(String method) {
        return method.equals("anderson");
    }

    public SolverConfig {
        method = method.toLowerCase(Locale.ROOT);
        if (!Solvers.NAMES.contains(method)) {
            throw new IllegalArgumentException(Solvers.NAMES.unknown("solver", method));
        }
        if (!(tol >= 0) || Double.isInfinite(tol)) {
            throw new IllegalArgumentException("solver tolerance must be a finite number >= 0, got " + tol);
        }
        if (maxIter <= 0) {
            throw new IllegalArgumentException("solver iteration limit must be >= 1, got " + maxIter);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha (dt/tau or damping) must be in (0, 1], got " + alpha);
        }
        if (memory < 1) {
            throw new IllegalArgumentException("Anderson memory must be >= 1, got " + memory);
        }
        if (!(beta > 0 && beta <= 1)) {
            throw new IllegalArgumentException("Anderson mixing beta must be in (0, 1], got " + beta);
        }
        if (chunkRows < 0) {
            throw new IllegalArgumentException("solver chunk rows must be >= 0 (0 for automatic), got " + chunkRows);
        }
        if (meanGain && !method.equals("anderson")) {
            throw new IllegalArgumentException("the mean-gain preconditioner of the forward solve works with the"
                    + " anderson solver, not " + method);
        }
    }

    /** The settings without the mean-gain preconditioner. */
    public SolverConfig(String method, double tol, int maxIter, double alpha, int memory, double beta,
                        int chunkRows) {
        this(method, tol, maxIter, alpha, memory, beta, chunkRows, false);
    }

    /** The settings with automatic chunks ({@link #AUTO_CHUNK}). */
    public SolverConfig(String method, double tol, int maxIter, double alpha, int memory, double beta) {
        this(method, tol, maxIter, alpha, memory, beta, AUTO_CHUNK);
    }

    /** True if the method reads {@code chunkRows} (solves the batch in chunks, {@link ChunkedSolver}). */
    public static boolean usesChunks(String method) {
        return method.equals("anderson") || method.equals("euler") || method.equals("picard");
    }

    public static SolverConfig euler(double alpha, int steps, double tol) {
        return new SolverConfig("euler", tol, steps, alpha, 5, 1.0);
    }

    public static SolverConfig picard(double damping, int maxIter, double tol) {
        return new SolverConfig("picard", tol, maxIter, damping, 5, 1.0);
    }

    public static SolverConfig anderson(int memory, double beta, int maxIter, double tol) {
        return new SolverConfig("anderson", tol, maxIter, 1.0, memory, beta);
    }

    public static SolverConfig newton(int maxIter, double tol) {
        return new SolverConfig("newton", tol, maxIter, 1.0, 5, 1.0);
    }

    public static SolverConfig of(String method, double tol, int maxIter) {
        return new SolverConfig(method, tol, maxIter, 1.0, 5, method.equalsIgnoreCase("anderson") ? 0.5 : 1.0);
    }

    public SolverConfig withTol(double t) {
        return new SolverConfig(method, t, maxIter, alpha, memory, beta, chunkRows, meanGain);
    }

    public SolverConfig withMaxIter(int k) {
        return new SolverConfig(method, tol, k, alpha, memory, beta, chunkRows, meanGain);
    }

    public SolverConfig withAlpha(double a) {
        return new SolverConfig(method, tol, maxIter, a, memory, beta, chunkRows, meanGain);
    }

    /** The same settings with Anderson's mixing (or the method's beta) set to b. */
    public SolverConfig withBeta(double b) {
        return new SolverConfig(method, tol, maxIter, alpha, memory, b, chunkRows, meanGain);
    }

    public SolverConfig withChunkRows(int rows) {
        return new SolverConfig(method, tol, maxIter, alpha, memory, beta, rows, meanGain);
    }

    /**
     * The same settings with the forward solve preconditioned by the batch's mean gains at rest (or
     * not): see {@link EquilibriumSolver}. Only for anderson.
     */
    public SolverConfig withMeanGain(boolean on) {
        return new SolverConfig(method, tol, maxIter, alpha, memory, beta, chunkRows, on);
    }
}
