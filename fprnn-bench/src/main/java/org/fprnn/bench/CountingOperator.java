package org.fprnn.bench;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Params;
import org.fprnn.operator.RecurrentOperator;

/**
 * A recurrent operator that counts the flops of its products with the state (2 B N^2 per apply or
 * applyTranspose on B rows) and otherwise does what the operator it wraps does.
 */
final class CountingOperator implements RecurrentOperator {
    private final RecurrentOperator inner;
    private long flops;

    CountingOperator(RecurrentOperator inner) {
        this.inner = inner;
    }

    long flops() {
        return flops;
    }

    void reset() {
        flops = 0;
    }

    @Override public int units() { return inner.units(); }

    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        flops += 2L * x.rows * inner.inputs() * inner.outputs();
        inner.apply(x, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        flops += 2L * a.rows * inner.inputs() * inner.outputs();
        inner.applyTranspose(a, out, alpha, beta);
    }

    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        inner.project(a, b, scale, into, accumulate);
    }

    @Override public List<String> parameterNames() { return inner.parameterNames(); }
    @Override public Params parameters() { return inner.parameters(); }
    @Override public DMatrix dense() { return inner.dense(); }
    @Override public RecurrentOperator toDouble() { return inner.toDouble(); }
    @Override public void constrain() { inner.constrain(); }
}
