package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.DynamicsStep;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.operator.RecurrentOperator;

/**
 * The forward fixed-point map of a network for a given input drive h (MATH section 1):
 * rate and discrete dynamics iterate on rates, Phi(r) = f(r W^T + h); current dynamics iterate on
 * currents, Phi(v) = f(v) W^T + h, with r = f(v). Both have the same fixed points (z* = v*). Phi itself
 * is {@link DynamicsStep}'s, which the simulator and the bptt unroll share.
 */
final class NetworkMap implements BatchMap {
    private final FixedPointNetwork net;
    private final RecurrentOperator op;
    private final Nonlinearity f;
    private final boolean current;
    private final DynamicsStep step;
    /** The drive and the scratch of the rows; a restricted view re-points them ({@link #restrict}). */
    private Matrix h;
    private Matrix tmp;
    private final double[] stepScale;
    private DMatrix denseW;
    /** One row of total input and of gains, for {@link #jacobian} (made with denseW). */
    private DMatrix zRow;
    private DMatrix gRow;
    /** The map on some of the rows, made at the first {@link #restrict} and re-pointed by later ones. */
    private NetworkMap view;
    /**
     * True until this map's first product when the solver starts from rest (r = 0): that product,
     * 0 W^T, is then 0 and is not made. Every solver evaluates the map first at its starting state.
     */
    private boolean atRest;

    NetworkMap(FixedPointNetwork net, Matrix h, Workspace ws) {
        this(net, h, ws, false);
    }

    /**
     * The map of {@code net} for the drive h; {@code fromRest}: the solver starts from r = 0, and this
     * map skips its first product: under rate and discrete dynamics 0 W^T is exactly +0 in every entry
     * (each OpenBLAS sum starts at +0 and adds terms +-0), so filling zeros gives the product's bits.
     * Under current dynamics the product is f(0) W^T, which need not be 0, and is made.
     */
    NetworkMap(FixedPointNetwork net, Matrix h, Workspace ws, boolean fromRest) {
        this.net = net;
        this.op = net.recurrent();
        this.f = net.nonlinearity();
        this.step = new DynamicsStep(net);
        this.current = step.onCurrents();
        this.h = h;
        this.tmp = ws.like("mapTmp", h);
        double[] tau = net.dynamics() == Dynamics.DISCRETE ? null : net.timeConstants();
        this.stepScale = tau == null ? null : DynamicsStep.stepSizes(1, tau, tau);
        this.atRest = fromRest && !current;
    }

    /** A view of {@code of}'s network (its operator, step and time constants shared); rows set by restrict. */
    private NetworkMap(NetworkMap of) {
        this(of, of.step);
    }

    /** As above with {@code step} as its Phi. */
    private NetworkMap(NetworkMap of, DynamicsStep step) {
        this.net = of.net;
        this.op = of.op;
        this.f = of.f;
        this.step = step;
        this.current = of.current;
        this.stepScale = of.stepScale;
    }

    /**
     * The same network with the drive rows {@code rows[0..count)} copied into {@code ws}. A view made
     * before this map's first product (a chunk of a solve from rest, {@link ChunkedSolver}) starts at
     * rest too; one made after it (a compaction) does not.
     */
    @Override
    public BatchMap restrict(int[] rows, int count, Workspace ws) {
        if (view == null) {
            view = new NetworkMap(this);
        }
        view.atRest = atRest;
        view.h = ws.get("NetworkMap.h", count, h.cols, h.precision());
        Ops.gatherRows(h, rows, count, view.h);
        view.tmp = ws.get("NetworkMap.tmp", count, h.cols, h.precision());
        return view;
    }

    /**
     * For operators whose products may run on several threads at once
     * ({@link RecurrentOperator#concurrentProducts()}: dense weights; the other operators keep
     * scratch of their own): a view sharing the operator, the drive and the nonlinearity, with its
     * own {@link DynamicsStep} (which is not thread-safe) and views.
     */
    @Override
    public BatchMap concurrentCopy() {
        if (!op.concurrentProducts()) {
            return null;
        }
        NetworkMap c = new NetworkMap(this, new DynamicsStep(net));
        c.h = h;
        c.tmp = tmp;
        c.atRest = atRest;
        return c;
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
        if (productAtRest(out)) {
            step.finish(h, out);
        } else {
            step.apply(s, h, tmp, out);
        }
    }

    /** Rate: out = s W^T; current: out = f(v) W^T (f on row blocks over the cores first). */
    @Override
    public void applyProducts(Matrix s, Matrix out) {
        if (!productAtRest(out)) {
            step.products(s, tmp, out);
        }
    }

    /** True for the first product of a solve from rest, out then filled with that product, 0. */
    private boolean productAtRest(Matrix out) {
        boolean rest = atRest;
        atRest = false;
        if (rest) {
            out.fill(0);
        }
        return rest;
    }

    /** Rate: out = f(out + h); current: out = out + h; on rows [from, to). */
    @Override
    public void finishRows(Matrix out, int from, int to) {
        step.finishRows(h, out, out, from, to);
    }

    /** Rate: out = f(p + h); current: out = p + h; on rows [from, to), in one pass (out may be p). */
    @Override
    public void finishRows(Matrix p, Matrix out, int from, int to) {
        step.finishRows(h, p, out, from, to);
    }

    /** The products are W r (rate) or W f(v) (current): the total input is they plus h. */
    @Override
    public boolean returnsProducts() {
        return true;
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
