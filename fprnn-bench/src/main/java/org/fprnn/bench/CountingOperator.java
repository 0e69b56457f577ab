package org.fprnn.bench;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.operator.RecurrentOperator;

/**
 * A recurrent operator that counts the flops of its products with the state (2 B N^2 per apply or
 * applyTranspose on B rows, or a given count per row) and otherwise does what the operator it wraps
 * does.
 */
final class CountingOperator implements RecurrentOperator {
    private final RecurrentOperator inner;
    private final long flopsPerRow;
    private long flops;

    CountingOperator(RecurrentOperator inner) {
        this(inner, 2L * inner.inputs() * inner.outputs());
    }

    /** Counting {@code flopsPerRow} per row of each product (a structured operator's true count). */
    CountingOperator(RecurrentOperator inner, long flopsPerRow) {
        this.inner = inner;
        this.flopsPerRow = flopsPerRow;
    }

    long flops() {
        return flops;
    }

    void reset() {
        flops = 0;
    }

    @Override public int units() { return inner.units(); }
    @Override public org.fprnn.operator.UnitRange inputUnits() { return inner.inputUnits(); }
    @Override public org.fprnn.operator.UnitRange outputUnits() { return inner.outputUnits(); }

    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        flops += x.rows * flopsPerRow;
        inner.apply(x, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        flops += a.rows * flopsPerRow;
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
