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
 */
public record SolverConfig(String method, double tol, int maxIter, double alpha, int memory, double beta)
        implements java.io.Serializable {

    public static final java.util.List<String> METHODS =
            java.util.List.of("euler", "picard", "anderson", "newton", "broyden", "direct");

    public SolverConfig {
        method = method.toLowerCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("unknown solver '" + method + "': use one of " + METHODS);
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
        return new SolverConfig(method, t, maxIter, alpha, memory, beta);
    }

    public SolverConfig withMaxIter(int k) {
        return new SolverConfig(method, tol, k, alpha, memory, beta);
    }

    public SolverConfig withAlpha(double a) {
        return new SolverConfig(method, tol, maxIter, a, memory, beta);
    }
}
