package org.fprnn.rule;

import org.fprnn.linalg.Matrix;

/**
 * Where the gradient rule's adjoint solve (MATH section 3.1) starts, per sample, and what it keeps
 * for the next visit of the same samples: warm starts across epochs in training. Without one the
 * adjoint starts from lambda = e. The solve still runs until every sample meets the adjoint
 * tolerance, so a warm start changes the iterations, not the solution beyond that tolerance.
 */
public interface AdjointStart {

    /**
     * Overwrites the rows of {@code lambda} (B x N, holding the cold start lambda = e on entry) whose
     * sample has a remembered solution; the other rows keep the cold start. For a float network the
     * rows are rounded to float ({@link org.fprnn.solve.RefinedAdjoint} starts with a float solve):
     * keep them in float.
     */
    void load(Matrix lambda);

    /** Remembers the rows of the solution {@code lambda} (B x N) whose solve converged. */
    void store(Matrix lambda, boolean[] converged);
}
