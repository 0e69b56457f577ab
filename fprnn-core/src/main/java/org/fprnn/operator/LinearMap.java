package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * A map M_theta from R^inputs to R^outputs that is linear in its argument and owns named trainable
 * parameters theta (MATH section 4): a block of a layered network (feedforward F_k, feedback B_k), a
 * read-in or a read-out. A {@link RecurrentOperator} is the square case. Arguments are row batches
 * (one sample per row), so in code M x_i is row i of x M^T.
 *
 * <p>Every map offers the three operations the rules need: {@link #apply}, {@link #applyTranspose}
 * and {@link #project}; and, for checks and small-N solvers, {@link #dense}. Maps may hold scratch
 * workspaces sized once per batch shape, so one map (and the network holding it) serves one thread
 * at a time.
 */
public interface LinearMap {

    /** Dimension of the argument. */
    int inputs();

    /** Dimension of the result. */
    int outputs();

    /**
     * out = alpha x M^T + beta out: row i becomes alpha M x_i plus beta times its old value
     * (beta = 0 overwrites, also over NaN).
     *
     * @param x B x inputs
     * @param out B x outputs
     */
    void apply(Matrix x, Matrix out, double alpha, double beta);

    /**
     * out = alpha a M + beta out: row i becomes alpha M^T a_i plus beta times its old value.
     *
     * @param a B x outputs
     * @param out B x inputs
     */
    void applyTranspose(Matrix a, Matrix out, double alpha, double beta);

    /**
     * The projection of MATH section 4 item 3: adds {@code scale * sum_i d/dtheta [a_i^T M_theta b_i]}
     * to the directions in {@code into} for each of this map's parameters that {@code into} holds
     * (parameters it does not hold are not trained and are skipped). With (a, b) = (delta, r) and
     * scale = 1/B this is the Euclidean gradient in theta of the mean loss.
     *
     * @param a B x outputs
     * @param b B x inputs
     * @param accumulate add to what {@code into} holds (true) or overwrite it (false)
     */
    void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate);

    /** The names of the parameters this map owns, in a fixed order. */
    List<String> parameterNames();

    /**
     * The parameters this map reads, by name: the live matrices (not copies), so that updating them
     * in place (an optimizer step) changes the map.
     */
    Params parameters();

    /** The effective outputs x inputs matrix M in double precision (a new matrix). */
    DMatrix dense();

    /** A copy of this map with its parameters (and any fixed data) in double precision. */
    LinearMap toDouble();

    /**
     * Enforces a constraint on the parameters after an optimizer step (a projection such as clamping
     * to Dale's signs); the default is no constraint. The rules never call it: they see the
     * parameters as they are.
     */
    default void constrain() {
    }

    /** True if {@code into} holds a direction for at least one of this map's parameters. */
    default boolean anyIn(Params into) {
        List<String> names = parameterNames();
        for (int i = 0; i < names.size(); i++) {
            if (into.has(names.get(i))) {
                return true;
            }
        }
        return false;
    }
}
