package org.fprnn.solve;

import org.fprnn.linalg.Matrix;

/**
 * Seeks s = Phi(s) for every row of a batch. Convergence is decided per sample: a sample whose
 * residual meets the tolerance stops being updated (MATH section 6 fact 7), and a sample that
 * misses it within the iteration limit is reported as not converged, never hidden. Anderson and
 * Broyden also leave stopped samples out of the map's products once enough have stopped
 * ({@link BatchMap#restrict}); Euler and Picard (which stop samples early only with tol > 0) and
 * Newton (which works sample by sample) do not.
 */
public interface Solver {

    /**
     * Iterates from {@code state} (B x N, updated in place and returned in the result).
     */
    SolveResult solve(BatchMap map, Matrix state);

    /** Registry name, e.g. "anderson". */
    String name();

    /** The settings this solver was made with. */
    SolverConfig config();
}
