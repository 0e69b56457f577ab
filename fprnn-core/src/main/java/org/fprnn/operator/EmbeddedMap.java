package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Workspace;
import org.fprnn.linalg.Params;

/**
 * A map that acts through an inner map on a range of its argument's units and writes a range of its
 * result, zero elsewhere: M = [0 0 0; 0 M_inner 0; 0 0 0] with M_inner in rows
 * [outStart, outStart + inner.outputs) and columns [inStart, inStart + inner.inputs). It owns the
 * inner map's parameters. The default read-in of a layered network is a dense U embedded into the
 * first layer's rows, and its default read-out a dense R reading only the last layer's columns.
 */
public final class EmbeddedMap implements LinearMap {
    private final LinearMap inner;
    private final int inStart;
    private final int inputs;
    private final int outStart;
    private final int outputs;
    private final Workspace ws = new Workspace();

    public EmbeddedMap(LinearMap inner, int inStart, int inputs, int outStart, int outputs) {
        if (inStart < 0 || inStart + inner.inputs() > inputs || outStart < 0 || outStart + inner.outputs() > outputs) {
            throw new IllegalArgumentException("cannot embed a " + inner.outputs() + " x " + inner.inputs()
                    + " map at (" + outStart + ", " + inStart + ") of a " + outputs + " x " + inputs + " map");
        }
        this.inner = inner;
        this.inStart = inStart;
        this.inputs = inputs;
        this.outStart = outStart;
        this.outputs = outputs;
    }

    /** The inner map writing only result units [range.start, range.end) of a result of size outputs. */
    public static <T extends LinearMap> MapFactory<EmbeddedMap> intoOutputs(MapFactory<T> inner, UnitRange range,
                                                                             int outputs) {
        return (params, precision, rng) -> {
            T m = inner.create(params, precision, rng);
            if (m.outputs() != range.size()) {
                throw new IllegalArgumentException("map with " + m.outputs() + " outputs for units " + range);
            }
            return new EmbeddedMap(m, 0, m.inputs(), range.start(), outputs);
        };
    }

    /** The inner map reading only argument units [range.start, range.end) of an argument of size inputs. */
    public static <T extends LinearMap> MapFactory<EmbeddedMap> fromInputs(MapFactory<T> inner, UnitRange range,
                                                                            int inputs) {
        return (params, precision, rng) -> {
            T m = inner.create(params, precision, rng);
            if (m.inputs() != range.size()) {
                throw new IllegalArgumentException("map with " + m.inputs() + " inputs for units " + range);
            }
            return new EmbeddedMap(m, range.start(), inputs, 0, m.outputs());
        };
    }

    public LinearMap inner() { return inner; }
    public UnitRange inputRange() { return new UnitRange(inStart, inStart + inner.inputs()); }
    public UnitRange outputRange() { return new UnitRange(outStart, outStart + inner.outputs()); }

    @Override public int inputs() { return inputs; }
    @Override public int outputs() { return outputs; }

    /** Columns [start, start + count) of m, or m itself when that is all of it. */
    private Matrix gather(String key, Matrix m, int start, int count) {
        if (start == 0 && count == m.cols) {
            return m;
        }
        Matrix g = ws.get(key, m.rows, count, m.precision());
        Ops.copyColumns(m, start, g, 0, count);
        return g;
    }

    /** out = alpha [inner result placed at columns start..] + beta out. */
    private static void scatter(Matrix part, int start, Matrix out, double alpha, double beta) {
        int end = start + part.cols;
        if (beta == 0) {
            out.fill(0);
        } else {
            Ops.scaleColumnRange(out, 0, start, beta);
            Ops.scaleColumnRange(out, end, out.cols - end, beta);
        }
        Ops.combineColumns(alpha, part, 0, beta, out, start, part.cols);
    }

    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        Matrix xin = gather("x", x, inStart, inner.inputs());
        if (outStart == 0 && inner.outputs() == outputs) {
            inner.apply(xin, out, alpha, beta);
            return;
        }
        Matrix y = ws.get("y", x.rows, inner.outputs(), x.precision());
        inner.apply(xin, y, 1, 0);
        scatter(y, outStart, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Matrix ain = gather("a", a, outStart, inner.outputs());
        if (inStart == 0 && inner.inputs() == inputs) {
            inner.applyTranspose(ain, out, alpha, beta);
            return;
        }
        Matrix y = ws.get("t", a.rows, inner.inputs(), a.precision());
        inner.applyTranspose(ain, y, 1, 0);
        scatter(y, inStart, out, alpha, beta);
    }

    /** The inner map's projection of the matching column ranges of a and b. */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (!inner.anyIn(into)) {
            return;
        }
        inner.project(gather("a", a, outStart, inner.outputs()), gather("b", b, inStart, inner.inputs()),
                scale, into, accumulate);
    }

    @Override public List<String> parameterNames() { return inner.parameterNames(); }
    @Override public Params parameters() { return inner.parameters(); }
    @Override public void constrain() { inner.constrain(); }

    @Override
    public DMatrix dense() {
        DMatrix m = new DMatrix(outputs, inputs);
        DMatrix d = inner.dense();
        for (int i = 0; i < d.rows; i++) {
            System.arraycopy(d.data, i * d.cols, m.data, (outStart + i) * inputs + inStart, d.cols);
        }
        return m;
    }

    @Override
    public EmbeddedMap toDouble() {
        return new EmbeddedMap(inner.toDouble(), inStart, inputs, outStart, outputs);
    }
}
