package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * The transpose M^T of an inner map M, owning M's parameters (MATH section 4): a feedback block of
 * a convolutional {@link BlockOperator} is the transposed convolution of a strided convolution
 * from the lower layer to the upper one, so that B_k maps C_{k+1} x H_{k+1} x W_{k+1} feature maps
 * back onto C_k x H_k x W_k with the same kernel layout as F_{k+1}.
 *
 * <p>apply is the inner map's applyTranspose, applyTranspose its apply, and the projection
 * d/dtheta [a_i^T M^T b_i] = d/dtheta [b_i^T M a_i] is the inner projection with a and b swapped.
 */
public final class TransposedMap implements LinearMap {
    private final LinearMap inner;

    public TransposedMap(LinearMap inner) {
        this.inner = inner;
    }

    /** A factory: the transpose of the map the inner factory makes (its parameters are registered as usual). */
    public static MapFactory<TransposedMap> of(MapFactory<? extends LinearMap> inner) {
        return (params, precision, rng) -> new TransposedMap(inner.create(params, precision, rng));
    }

    public LinearMap inner() {
        return inner;
    }

    @Override public int inputs() { return inner.outputs(); }

    @Override public int outputs() { return inner.inputs(); }

    /** out = alpha x M + beta out: x is B x inner.outputs, out B x inner.inputs. */
    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        inner.applyTranspose(x, out, alpha, beta);
    }

    /** out = alpha a M^T + beta out: a is B x inner.inputs, out B x inner.outputs. */
    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        inner.apply(a, out, alpha, beta);
    }

    /** scale * sum_i d/dtheta [a_i^T M^T b_i] = the inner projection of (b, a). */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        inner.project(b, a, scale, into, accumulate);
    }

    @Override public List<String> parameterNames() { return inner.parameterNames(); }

    @Override public Params parameters() { return inner.parameters(); }

    @Override public void constrain() { inner.constrain(); }

    @Override
    public DMatrix dense() {
        DMatrix m = inner.dense();
        DMatrix t = new DMatrix(m.cols, m.rows);
        for (int i = 0; i < m.rows; i++) {
            for (int j = 0; j < m.cols; j++) {
                t.data[j * m.rows + i] = m.data[i * m.cols + j];
            }
        }
        return t;
    }

    @Override
    public TransposedMap toDouble() {
        return new TransposedMap(inner.toDouble());
    }
}
