package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.VectorMath;
import org.fprnn.linalg.Workspace;
import org.fprnn.operator.RecurrentOperator;

/**
 * The adjoint equation of the gradient rule (MATH section 3.1), (I - W^T G) lambda = e, as the
 * fixed-point map Phi(lambda) = e + W^T G lambda; in rows, Phi(lambda) = e + (g * lambda) W.
 * Residuals are relative to max|e_i|, per sample.
 */
public final class AdjointMap implements BatchMap {
    private final RecurrentOperator op;
    /** The rows' data; a restricted view re-points them ({@link #restrict}). */
    private Matrix e;
    private Matrix g;
    /** Added to g * lambda before the product, or null (the preconditioned map's gbar * rho). */
    private Matrix shift;
    private Matrix tmp;
    private double[] scale;
    private final boolean sameGains;
    /** The map on some of the rows, made at the first {@link #restrict} and re-pointed by later ones. */
    private AdjointMap view;
    private DMatrix denseW;
    /** Row blocks of the elementwise parts, made once (a lambda per call would allocate). */
    private final RowParallel.RowBlock gainBlock = (part, from, to) -> gainRows(this.source, from, to);
    private final RowParallel.RowBlock finishBlock = (part, from, to) -> finishRows(this.target, from, to);
    private Matrix source;
    private Matrix target;

    /**
     * @param e B x N, dl/dr per sample
     * @param g B x N, gains per sample
     * @param tmp B x N scratch
     */
    public AdjointMap(RecurrentOperator op, Matrix e, Matrix g, Matrix tmp) {
        this(op, e, g, null, tmp);
    }

    /**
     * The map Phi(lambda) = e + (shift + g * lambda) W (rows). With shift = null it is the adjoint map
     * above; with Q for W, the gains' deviations from their batch mean for g and gbar * e for the shift
     * it is {@link MeanGainPreconditioner}'s form of the same equation, whose fixed point is the same
     * lambda. {@link #jacobian} and {@link #affine} describe the map as given (the shift is constant).
     *
     * @param shift B x N, or null for none
     */
    public AdjointMap(RecurrentOperator op, Matrix e, Matrix g, Matrix shift, Matrix tmp) {
        this.op = op;
        this.e = e;
        this.g = g;
        this.shift = shift;
        this.tmp = tmp;
        this.scale = new double[e.rows];
        Ops.rowMaxAbs(e, scale);
        for (int i = 0; i < scale.length; i++) {
            if (!(scale[i] > 0)) {
                scale[i] = 1.0;
            }
        }
        boolean same = true;
        for (int i = 1; i < g.rows && same; i++) {
            for (int j = 0; j < g.cols; j++) {
                if (g.get(i, j) != g.get(0, j)) {
                    same = false;
                    break;
                }
            }
        }
        this.sameGains = same;
    }

    /** A view of {@code of}'s equation (its operator shared); rows set by restrict. */
    private AdjointMap(AdjointMap of) {
        this.op = of.op;
        // Gains that agree on all rows agree on any of them (on a subset that happens to agree, the
        // map merely does not say so).
        this.sameGains = of.sameGains;
    }

    /**
     * The same equation on rows {@code rows[0..count)}: their right-hand sides, gains and residual
     * scales copied into {@code ws}.
     */
    @Override
    public BatchMap restrict(int[] rows, int count, Workspace ws) {
        if (view == null) {
            view = new AdjointMap(this);
        }
        int n = e.cols;
        view.e = ws.get("AdjointMap.e", count, n, e.precision());
        view.g = ws.get("AdjointMap.g", count, n, g.precision());
        view.tmp = ws.get("AdjointMap.tmp", count, n, tmp.precision());
        Ops.gatherRows(e, rows, count, view.e);
        Ops.gatherRows(g, rows, count, view.g);
        if (shift != null) {
            view.shift = ws.get("AdjointMap.shift", count, n, shift.precision());
            Ops.gatherRows(shift, rows, count, view.shift);
        } else {
            view.shift = null;
        }
        view.scale = ws.doubles("AdjointMap.scale", count);
        for (int i = 0; i < count; i++) {
            view.scale[i] = scale[rows[i]];
        }
        return view;
    }

    /**
     * For operators whose products may run on several threads at once
     * ({@link RecurrentOperator#concurrentProducts()}: dense weights; the other operators keep
     * scratch of their own): a view sharing the operator and the rows' data, with its own row blocks
     * and views.
     */
    @Override
    public BatchMap concurrentCopy() {
        if (!op.concurrentProducts()) {
            return null;
        }
        AdjointMap c = new AdjointMap(this);
        c.e = e;
        c.g = g;
        c.shift = shift;
        c.tmp = tmp;
        c.scale = scale;
        return c;
    }

    @Override public int dim() { return e.cols; }
    @Override public int samples() { return e.rows; }
    @Override public Precision precision() { return e.precision(); }

    @Override
    public void apply(Matrix lambda, Matrix out) {
        applyProducts(lambda, out);
        target = out;
        RowParallel.forRows(out.rows, RowParallel.minRows(out.cols), finishBlock);
        target = null;
    }

    /** out = (shift + g * lambda) W, the product's operand formed on row blocks over the cores. */
    @Override
    public void applyProducts(Matrix lambda, Matrix out) {
        source = lambda;
        RowParallel.forRows(lambda.rows, RowParallel.minRows(lambda.cols), gainBlock);
        source = null;
        op.applyTranspose(tmp, out, 1, 0);
    }

    /** out += e on rows [from, to). */
    @Override
    public void finishRows(Matrix out, int from, int to) {
        Ops.addRows(out, e, out, from, to);
    }

    /** tmp = shift + g * lambda on rows [from, to). */
    private void gainRows(Matrix lambda, int from, int to) {
        int o = from * lambda.cols;
        int len = (to - from) * lambda.cols;
        switch (tmp) {
            case FMatrix t -> {
                VectorMath.mul(((FMatrix) g).data, o, ((FMatrix) lambda).data, o, t.data, o, len);
                if (shift != null) {
                    VectorMath.axpy(1f, ((FMatrix) shift).data, o, t.data, o, len);
                }
            }
            case DMatrix t -> {
                VectorMath.mul(((DMatrix) g).data, o, ((DMatrix) lambda).data, o, t.data, o, len);
                if (shift != null) {
                    VectorMath.axpy(1.0, ((DMatrix) shift).data, o, t.data, o, len);
                }
            }
        }
    }

    @Override
    public double residualScale(int row) {
        return scale[row];
    }

    /** dPhi/dlambda = W^T G. */
    @Override
    public void jacobian(Matrix s, int row, DMatrix out) {
        int n = dim();
        if (denseW == null) {
            denseW = op.dense();
        }
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                out.data[j * n + k] = denseW.data[k * n + j] * g.get(row, k);
            }
        }
    }

    @Override
    public boolean affine() {
        // Affine in lambda always; the Jacobian is shared by all samples only when their gains agree.
        return sameGains;
    }
}
