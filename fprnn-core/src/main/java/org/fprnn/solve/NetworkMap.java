package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.VectorMath;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.operator.RecurrentOperator;

/**
 * The forward fixed-point map of a network for a given input drive h (MATH section 1):
 * rate and discrete dynamics iterate on rates, Phi(r) = f(r W^T + h); current dynamics iterate on
 * currents, Phi(v) = f(v) W^T + h, with r = f(v). Both have the same fixed points (z* = v*).
 */
final class NetworkMap implements BatchMap {
    private final RecurrentOperator op;
    private final Nonlinearity f;
    private final boolean current;
    private final Matrix h;
    private final Matrix tmp;
    private final double[] stepScale;
    /** Row blocks of {@link #apply}'s elementwise parts, made once (a lambda per call would allocate). */
    private final RowParallel.RowBlock finishBlock = (part, from, to) -> finishRows(this.target, from, to);
    private final RowParallel.RowBlock rateBlock = (part, from, to) -> rates(from, to);
    private Matrix target;
    private Matrix source;
    private DMatrix denseW;
    /** One row of total input and of gains, for {@link #jacobian} (made with denseW). */
    private DMatrix zRow;
    private DMatrix gRow;

    NetworkMap(FixedPointNetwork net, Matrix h, Workspace ws) {
        this.op = net.recurrent();
        this.f = net.nonlinearity();
        this.current = net.dynamics() == Dynamics.CURRENT;
        this.h = h;
        this.tmp = ws.like("mapTmp", h);
        double[] tau = net.dynamics() == Dynamics.DISCRETE ? null : net.timeConstants();
        if (tau != null) {
            for (int j = 0; j < tau.length; j++) {
                tau[j] = 1 / tau[j];
            }
        }
        this.stepScale = tau;
    }

    /** 1 / (tau_j / tau) for rate and current dynamics with per-unit time constants, else null. */
    @Override
    public double[] stepScale() {
        return stepScale;
    }

    @Override public int dim() { return h.cols; }
    @Override public int samples() { return h.rows; }
    @Override public Precision precision() { return h.precision(); }

    @Override
    public void apply(Matrix s, Matrix out) {
        applyProducts(s, out);
        target = out;
        RowParallel.forRows(out.rows, RowParallel.minRows(out.cols), finishBlock);
        target = null;
    }

    /** Rate: out = s W^T; current: out = f(v) W^T (f on row blocks over the cores first). */
    @Override
    public void applyProducts(Matrix s, Matrix out) {
        if (current) {
            source = s;
            RowParallel.forRows(s.rows, RowParallel.minRows(s.cols), rateBlock);
            source = null;
            op.apply(tmp, out, 1, 0);
        } else {
            op.apply(s, out, 1, 0);
        }
    }

    /** tmp = f(source) on rows [from, to) (current dynamics: the rates of the state). */
    private void rates(int from, int to) {
        f.apply(source, tmp, from, to);
    }

    /** Rate: out = f(out + h); current: out = out + h; on rows [from, to). */
    @Override
    public void finishRows(Matrix out, int from, int to) {
        int o = from * out.cols;
        int len = (to - from) * out.cols;
        switch (out) {
            case FMatrix of -> VectorMath.axpy(1f, ((FMatrix) h).data, o, of.data, o, len);
            case DMatrix od -> VectorMath.axpy(1.0, ((DMatrix) h).data, o, od.data, o, len);
        }
        if (!current) {
            f.apply(out, out, from, to);
        }
    }

    /** Rate: dPhi/dr = G W with G = f'(W r + h); current: dPhi/dv = W G with G = f'(v). */
    @Override
    public void jacobian(Matrix s, int row, DMatrix out) {
        int n = dim();
        if (denseW == null) {
            denseW = op.dense();
            zRow = new DMatrix(1, n);
            gRow = new DMatrix(1, n);
        }
        DMatrix z = zRow;
        for (int j = 0; j < n; j++) {
            double v = current ? s.get(row, j) : h.get(row, j);
            if (!current) {
                for (int k = 0; k < n; k++) {
                    v += denseW.data[j * n + k] * s.get(row, k);
                }
            }
            z.data[j] = v;
        }
        DMatrix g = gRow;
        f.derivative(z, g);
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                out.data[j * n + k] = denseW.data[j * n + k] * (current ? g.data[k] : g.data[j]);
            }
        }
    }

    @Override
    public boolean affine() {
        return f.isLinear();
    }
}
