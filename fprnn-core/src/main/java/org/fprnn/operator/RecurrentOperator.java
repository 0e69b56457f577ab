package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Params;

/**
 * A recurrent connectivity W_theta that is linear in the state (MATH section 4). The rules need only
 * the three operations below, so they work on every operator without special cases. States are rows
 * (B x N).
 */
public interface RecurrentOperator {

    /** Number of recurrent units N. */
    int units();

    /** out = alpha r W^T + beta out: row i becomes alpha W r_i plus beta times its old value. */
    void apply(Matrix r, Matrix out, double alpha, double beta);

    /** out = alpha a W + beta out: row i becomes alpha W^T a_i plus beta times its old value. */
    void applyTranspose(Matrix a, Matrix out, double alpha, double beta);

    /**
     * The projection of MATH section 4 item 3: adds {@code scale * sum_i d/dtheta [a_i^T W_theta b_i]}
     * to the directions in {@code into} for each of this operator's parameters (so scale = 1/B gives
     * the batch mean). With (a, b) = (delta, r) this is the Euclidean gradient in theta.
     *
     * @param a B x N
     * @param b B x N
     * @param accumulate add to what {@code into} holds (true) or overwrite it (false)
     */
    void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate);

    /** The names of the parameters this operator owns (e.g. "W"). */
    List<String> parameterNames();

    /** The effective N x N matrix W in double precision, for diagnostics and small-N solvers. */
    DMatrix dense();

    /**
     * A copy of this operator with its parameters in double precision, so that float networks can
     * solve the adjoint equation to tolerances float cannot reach.
     */
    RecurrentOperator toDouble();
}
