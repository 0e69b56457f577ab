package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Workspace;

/**
 * A batched map s -> Phi(s) whose fixed points s = Phi(s) a {@link Solver} seeks; rows are samples
 * and every row is independent of the others. The forward problem of each dynamics and the adjoint
 * equation of the gradient rule are both such maps, so one set of solvers serves both.
 */
public interface BatchMap {

    /** State dimension (columns). */
    int dim();

    /** Number of samples (rows). */
    int samples();

    Precision precision();

    /** out = Phi(s), all rows. */
    void apply(Matrix s, Matrix out);

    /**
     * The batch-wide part of Phi(s) (its matrix products) into out; {@link #finishRows} then completes
     * out = Phi(s) row by row. Solvers call these two instead of {@link #apply} to fuse Phi's
     * elementwise tail with their own per-row work in one pass. The default does all of Phi here.
     */
    default void applyProducts(Matrix s, Matrix out) {
        apply(s, out);
    }

    /**
     * Completes out = Phi(s) on rows [from, to) after {@link #applyProducts}. A row is finished from
     * that row's data only, so disjoint row ranges may be finished at the same time, on any threads.
     */
    default void finishRows(Matrix out, int from, int to) {
    }

    /**
     * True if a solver is to return, per sample, {@link #applyProducts}'s output at the state it
     * returns ({@link SolveResult#products()}): the network's map, whose products W r are the
     * recurrent input that the equilibrium would otherwise make with one more product.
     */
    default boolean returnsProducts() {
        return false;
    }

    /**
     * {@link #finishRows(Matrix, int, int)} from the products p ({@link #applyProducts}'s output):
     * out = Phi(s) on rows [from, to); out may be p, else p is left as it is. Same bits as finishing
     * p in place. The default copies the rows when out is not p, then finishes them in place.
     */
    default void finishRows(Matrix p, Matrix out, int from, int to) {
        if (p != out) {
            for (int i = from; i < to; i++) {
                out.copyRow(p, i, i);
            }
        }
        finishRows(out, from, to);
    }

    /**
     * Divisor of row i's residual max|s_i - Phi(s_i)|: 1 for an absolute tolerance, or a norm of the
     * right-hand side for a relative one.
     */
    default double residualScale(int row) {
        return 1.0;
    }

    /**
     * The leading columns of a state whose residuals Anderson's least-squares mixing weighs
     * ({@link AndersonSolver}); the mixing itself covers every column. All of them by default; a map
     * whose later columns follow from the earlier ones ({@link MeanGainForwardMap}'s u = r W^T) weighs
     * the earlier ones only.
     */
    default int gramColumns() {
        return dim();
    }

    /**
     * Row i's residual for the stopping test, given {@code maxStep} = max|Phi(s_i) - s_i| at the state
     * the map was last applied to: {@code maxStep / residualScale(row)}. A map whose fixed-point
     * equation is not Phi(s) = s itself (a preconditioned form, {@link MeanGainForwardMap}) measures
     * the residual of the equation it solves instead.
     */
    default double residual(int row, double maxStep) {
        return maxStep / residualScale(row);
    }

    /**
     * The Jacobian dPhi/ds at row {@code row} of {@code s}, as a dense N x N matrix with
     * out[j][k] = dPhi_j / ds_k. Only Newton-type solvers call it (small and medium N).
     */
    void jacobian(Matrix s, int row, DMatrix out);

    /**
     * Per-column multipliers of the Euler step (per-unit time constants, MATH section 1: unit j
     * steps by alpha * stepScale[j] = dt / tau_j), or null for one step for all units. Only the
     * euler solver reads it; the fixed points do not depend on it.
     */
    default double[] stepScale() {
        return null;
    }

    /**
     * This map on some of its samples: sample i of the returned map (i < count) is sample
     * {@code rows[i]} of this one (distinct rows). Solvers restrict the map they were given to the
     * samples still iterating once enough have stopped ({@link SampleTracker#worthCompacting()}), so
     * that stopped samples no longer pay their share of the matrix products.
     *
     * <p>The returned map shares this map's operator and copies the per-row data it reads (drive,
     * right-hand side, gains, residual scales) into matrices taken from {@code ws} under keys of its
     * own, so that restricting again to as many rows with the same workspace makes no new matrices.
     * It is valid until the next call of restrict on this map, which may return the same object
     * re-pointed to the new rows. Its rows are computed from their own data only, as this map's are;
     * their values are this map's up to the last bits of the matrix product, whose rounding of a row
     * depends on how many rows the product has and where the row lies among them (OpenBLAS's edge
     * kernels).
     *
     * @param rows the samples of this map to keep, in the order of the returned map's rows (only the
     *     first {@code count} entries are read)
     */
    BatchMap restrict(int[] rows, int count, Workspace ws);

    /**
     * This map for use on another thread, or null (the default) if the map cannot be used on two
     * threads at once. Only {@link #restrict} is to be called on the copy: its views are its own, and
     * they, this map's views and other copies' views may be applied at the same time on different
     * threads, each product then made on its own thread alone. Used by {@link ChunkedSolver}, which
     * solves chunks of a batch on several threads.
     */
    default BatchMap concurrentCopy() {
        return null;
    }

    /** True if the Jacobian is the same for every state and sample (an affine map). */
    default boolean affine() {
        return false;
    }
}
