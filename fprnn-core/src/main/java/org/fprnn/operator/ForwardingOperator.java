package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * A recurrent operator that hands every call to an inner one: the base of instruments that wrap an
 * operator (the benchmarks' and tests' product counters), which override only what they observe.
 * Its parameters are the inner operator's, so a network built with the wrapper trains the same
 * weights.
 */
public abstract class ForwardingOperator implements RecurrentOperator {
    protected final RecurrentOperator inner;

    protected ForwardingOperator(RecurrentOperator inner) {
        this.inner = inner;
    }

    @Override public int units() { return inner.units(); }
    @Override public int inputs() { return inner.inputs(); }
    @Override public int outputs() { return inner.outputs(); }
    @Override public UnitRange inputUnits() { return inner.inputUnits(); }
    @Override public UnitRange outputUnits() { return inner.outputUnits(); }

    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        inner.apply(x, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        inner.applyTranspose(a, out, alpha, beta);
    }

    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        inner.project(a, b, scale, into, accumulate);
    }

    @Override public void beginFixedWeights() { inner.beginFixedWeights(); }
    @Override public void endFixedWeights() { inner.endFixedWeights(); }
    @Override public List<String> parameterNames() { return inner.parameterNames(); }
    @Override public Params parameters() { return inner.parameters(); }
    @Override public DMatrix dense() { return inner.dense(); }
    @Override public RecurrentOperator toDouble() { return inner.toDouble(); }
    @Override public void constrain() { inner.constrain(); }
}
