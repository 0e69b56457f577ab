package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.config.Keys;
import org.fprnn.solve.SolverConfig;

/**
 * The [solver] table of a classification config: the forward solve of every training step, test
 * batch and evaluation.
 *
 * @param method a name of {@link org.fprnn.solve.Solvers#NAMES}: anderson (default), direct for linear networks only
 * @param alpha euler: alpha = dt/tau (default 0.1); picard: damping (default 1); an error with the
 *     other methods, as memory and beta are with methods other than anderson
 * @param maxIter iteration limit; for euler the number of steps (default 500 for euler, 200 otherwise)
 * @param tol stop when every sample's max|r - f(W r + h)| is at or below it (default 1e-6); for euler
 *     0 runs exactly max_iter steps
 * @param memory Anderson memory (default 5)
 * @param beta Anderson mixing (default 1)
 * @param warmStart in training, start each sample's forward solve (and the gradient rule's adjoint)
 *     from where its previous visit ended, instead of from rest (default false; needs tol > 0; test
 *     batches and evaluations always start from rest)
 * @param chunkRows anderson, euler and picard: solve the batch in chunks of about this many
 *     consecutive rows, each to the end on its own, on the threads at once (faster where the batch's
 *     working matrices overflow the caches; the last bits of the results depend on it, never on the
 *     thread count); absent or 0 chooses from the width, precision and batch size
 *     ({@link org.fprnn.solve.SolverConfig#AUTO_CHUNK}), the batch size or more solves the batch
 *     whole. Applies to the forward solves (training, test batches, evaluations); the gradient
 *     rule's adjoint solves always choose automatically. Kept absent (null) when not given, so that
 *     run identities made before the key existed do not change
 * @param preconditioner anderson only: none (absent: the default) or mean_gain, which preconditions
 *     the forward solves from rest of a float network with rate or discrete dynamics by the batch's
 *     mean gains at rest where that pays (at least one sample per unit, at most 1024 units): an
 *     LU factorization of an N x N matrix per solve buys far fewer iterations, to the same tolerance
 *     on the true residual ({@link org.fprnn.solve.SolverConfig#meanGain()}). Absent stays absent, as
 *     above
 */
public record ForwardSolverConfig(String method, Double alpha, Integer maxIter, Double tol, Integer memory,
                                  Double beta, Boolean warmStart, Integer chunkRows, String preconditioner) {
    /** solver.preconditioner's value that turns the mean-gain preconditioner on. */
    public static final String MEAN_GAIN = "mean_gain";
    /** The method when solver.method is absent. */
    public static final String DEFAULT_METHOD = "anderson";

    public ForwardSolverConfig {
        method = Keys.oneOf("solver.method", method, DEFAULT_METHOD, org.fprnn.solve.Solvers.NAMES);
        Double alphaGiven = alpha;
        Integer memoryGiven = memory;
        Double betaGiven = beta;
        alpha = Keys.inRange("solver.alpha", alpha, method.equals("euler") ? 0.1 : 1.0, 0, false, 1, true);
        maxIter = Keys.intAtLeast("solver.max_iter", maxIter, method.equals("euler") ? 500 : 200, 1);
        tol = Keys.number("solver.tol", tol, 1e-6, 0, true);
        memory = Keys.intAtLeast("solver.memory", memory, 5, 1);
        beta = Keys.inRange("solver.beta", beta, 1.0, 0, false, 1, true);
        // Keys the method does not read are errors, not ignored (and so never saved with a run).
        if (alphaGiven != null && !SolverConfig.usesAlpha(method)) {
            throw Keys.notApplicable("solver.alpha", alpha, "solver.method = \"" + method + "\"",
                    "it is euler's alpha = dt/tau and picard's damping");
        }
        if (memoryGiven != null && !SolverConfig.usesMixing(method)) {
            throw Keys.notApplicable("solver.memory", memory, "solver.method = \"" + method + "\"",
                    "it is Anderson's memory");
        }
        if (betaGiven != null && !SolverConfig.usesMixing(method)) {
            throw Keys.notApplicable("solver.beta", beta, "solver.method = \"" + method + "\"",
                    "it is Anderson's mixing");
        }
        if (chunkRows != null) {
            Keys.intAtLeast("solver.chunk_rows", chunkRows, 0, 0);
            if (!SolverConfig.usesChunks(method)) {
                throw Keys.notApplicable("solver.chunk_rows", chunkRows, "solver.method = \"" + method + "\"",
                        "only anderson, euler and picard solve the batch in chunks");
            }
        }
        if (preconditioner != null) {
            preconditioner = Keys.oneOf("solver.preconditioner", preconditioner, "none", List.of("none", MEAN_GAIN));
            if (preconditioner.equals(MEAN_GAIN) && !method.equals("anderson")) {
                throw Keys.notApplicable("solver.preconditioner", preconditioner, "solver.method = \"" + method + "\"",
                        "it preconditions Anderson's iterations");
            }
        }
        warmStart = warmStart != null && warmStart;
        if (warmStart && method.equals("direct")) {
            throw Keys.notApplicable("solver.warm_start", true, "solver.method = \"direct\"",
                    "it starts an iterative solve from a sample's last state, and the direct solve is exact from"
                            + " any start");
        }
        if (warmStart && tol == 0) {
            throw new IllegalArgumentException("solver.warm_start = true needs solver.tol > 0: with tol = 0 the solver"
                    + " runs exactly max_iter steps, whose end depends on where it starts, so warm starts would change"
                    + " the state it returns; give a tolerance, or leave warm_start out");
        }
    }

    public static ForwardSolverConfig defaults() {
        return new ForwardSolverConfig(null, null, null, null, null, null, null, null, null);
    }

    public SolverConfig toSolverConfig() {
        return new SolverConfig(method, tol, maxIter, alpha, memory, beta,
                chunkRows == null ? SolverConfig.AUTO_CHUNK : chunkRows, MEAN_GAIN.equals(preconditioner));
    }
}
