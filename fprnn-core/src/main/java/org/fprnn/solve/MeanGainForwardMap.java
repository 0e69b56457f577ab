package org.fprnn.solve;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.VectorMath;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Nonlinearity;
import org.fprnn.operator.RecurrentOperator;

/**
 * The forward fixed point r = f(r W^T + h) of rate and discrete dynamics (MATH section 1) in a form
 * preconditioned by the batch's mean gains (B x N, float). With gbar the mean gain per unit,
 * M = (I - diag(gbar) W)^{-1} and Q = W M ({@link MeanGainPreconditioner}), each sample takes the
 * step of the mean-gain linearization of its equation,
 * <pre>
 *   F = f(u + h) - r,   P = F Q^T,   r <- r + F + gbar * P,   u <- u + P,
 * </pre>
 * where u = r W^T is carried along: since M = I + diag(gbar) Q and W M = Q, the step of u is W times
 * the step of r, so one product (with Q) per iteration serves both, as one product with W serves the
 * plain map. The state is the pair [r | u], 2N wide, so Anderson's mixing (a linear combination of
 * states) keeps u = r W^T too. The step's matrix differs from the true Jacobian's inverse only by
 * what sets each sample's gains apart from the mean, so far fewer iterations reach a tolerance: on
 * P1's networks (N = 300, MNIST batches of 512, Anderson memory 5 on top, to 1e-6) a numpy model took
 * a median of 6 to 11 iterations against plain Anderson's 18 to 28.
 *
 * <p>The stopping test uses each sample's true residual max|f(u + h) - r| ({@link #residual}), not the
 * step. Rounding makes u drift from r W^T by about float's resolution of u per iteration (1e-7 to
 * 2e-6 in the model), so {@link EquilibriumSolver} ends every solve of this map with the plain map
 * from the state reached: its first product is the exact r W^T, and samples whose residual is then
 * above the tolerance iterate on (one or two iterations).
 *
 * <p>Rows are independent, each computed from its own data only, on row blocks; the product with Q
 * is the operator's. Nothing is allocated per iteration: the scratch comes from the workspace given.
 */
final class MeanGainForwardMap implements BatchMap {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;

    private final int n;
    private final Nonlinearity f;
    /** Q's operator: apply(F, P, 1, 0) is P = F Q^T. */
    private final RecurrentOperator q;
    private final float[] gbar;
    private FMatrix h;
    /** Per row: F = f(u + h) - r at the state of the last product, then P = F Q^T. */
    private FMatrix res;
    private FMatrix step;
    private double[] trueResidual;
    /** Per row: the residual at the first state this map was applied to (rest), or 0 before that. */
    private double[] startResidual;
    private FMatrix state;
    private final ResidualPass residualPass = new ResidualPass();
    private MeanGainForwardMap view;

    /**
     * @param f the network's nonlinearity
     * @param q Q as an operator ({@link MeanGainPreconditioner#operator()}), N x N
     * @param gbar the mean gains Q was formed with (N, float)
     * @param h the drive (B x N, float)
     */
    MeanGainForwardMap(Nonlinearity f, RecurrentOperator q, float[] gbar, FMatrix h, Workspace ws) {
        this.n = h.cols;
        this.f = f;
        this.q = q;
        this.gbar = gbar;
        point(h, ws);
        Arrays.fill(startResidual, 0);
    }

    private MeanGainForwardMap(MeanGainForwardMap of) {
        this.n = of.n;
        this.f = of.f;
        this.q = of.q;
        this.gbar = of.gbar;
        this.h = of.h;
        this.startResidual = of.startResidual; // read by restrict only, before any product
    }

    private void point(FMatrix h, Workspace ws) {
        this.h = h;
        res = (FMatrix) ws.get("MeanGainForwardMap.res", h.rows, n, Precision.FLOAT);
        step = (FMatrix) ws.get("MeanGainForwardMap.step", h.rows, n, Precision.FLOAT);
        trueResidual = ws.doubles("MeanGainForwardMap.residual", h.rows);
        startResidual = ws.doubles("MeanGainForwardMap.start", h.rows);
    }

    @Override public int dim() { return 2 * n; }
    @Override public int samples() { return h.rows; }
    @Override public Precision precision() { return Precision.FLOAT; }

    /** The rates of the pair states [r | u] (B x 2N) into r (B x N). */
    static void rates(FMatrix pairs, FMatrix r) {
        int n = r.cols;
        for (int i = 0; i < r.rows; i++) {
            System.arraycopy(pairs.data, i * 2 * n, r.data, i * n, n);
        }
    }

    @Override
    public void apply(Matrix s, Matrix out) {
        applyProducts(s, out);
        finishRows(out, out, 0, s.rows);
    }

    /** F = f(u + h) - r and its max per row (on row blocks), then P = F Q^T; {@code out} is not used. */
    @Override
    public void applyProducts(Matrix s, Matrix out) {
        state = (FMatrix) s;
        RowParallel.forRows(s.rows, RowParallel.minRows(n), residualPass);
        q.apply(res, step, 1, 0);
    }

    @Override
    public void finishRows(Matrix out, int from, int to) {
        finishRows(out, out, from, to);
    }

    /** out = [r + (F + gbar * P) | u + P] on rows [from, to), from the state of the last product. */
    @Override
    public void finishRows(Matrix p, Matrix out, int from, int to) {
        float[] s = state.data;
        float[] o = ((FMatrix) out).data;
        float[] fd = res.data;
        float[] pd = step.data;
        int vl = FS.length();
        int vend = n - n % vl;
        for (int i = from; i < to; i++) {
            int r0 = i * 2 * n;
            int u0 = r0 + n;
            int f0 = i * n;
            for (int j = 0; j < vend; j += vl) {
                FloatVector pv = FloatVector.fromArray(FS, pd, f0 + j);
                FloatVector dr = FloatVector.fromArray(FS, gbar, j).fma(pv, FloatVector.fromArray(FS, fd, f0 + j));
                FloatVector.fromArray(FS, s, r0 + j).add(dr).intoArray(o, r0 + j);
                FloatVector.fromArray(FS, s, u0 + j).add(pv).intoArray(o, u0 + j);
            }
            for (int j = vend; j < n; j++) {
                float pv = pd[f0 + j];
                o[r0 + j] = s[r0 + j] + Math.fma(gbar[j], pv, fd[f0 + j]);
                o[u0 + j] = s[u0 + j] + pv;
            }
        }
    }

    /** The least-squares mixing weighs r's residuals only: u's follow from them (u = r W^T). */
    @Override
    public int gramColumns() {
        return n;
    }

    /**
     * Where the preconditioned iteration diverges (the mean gains at rest far from a sample's gains
     * at its fixed point, near a singularity of I - G W: on the gradient-trained P1 network of
     * results/solver-nets many samples' residuals grew without bound), a residual above this many
     * times the sample's first one is reported as infinite, which stops the sample at once; the
     * plain solve then starts it from rest.
     */
    static final double DIVERGED = 10;

    /**
     * Row i's true residual max|f(u + h) - r| at the state of the last product, or infinity once it
     * exceeds {@link #DIVERGED} times the row's first.
     */
    @Override
    public double residual(int row, double maxStep) {
        double r = trueResidual[row];
        if (startResidual[row] == 0) {
            startResidual[row] = r;
        }
        return r > DIVERGED * startResidual[row] ? Double.POSITIVE_INFINITY : r;
    }

    @Override
    public void jacobian(Matrix s, int row, DMatrix out) {
        throw new UnsupportedOperationException("the mean-gain forward map is for Anderson's solver, not Newton's");
    }

    @Override
    public BatchMap restrict(int[] rows, int count, Workspace ws) {
        if (view == null) {
            view = new MeanGainForwardMap(this);
        }
        FMatrix vh = (FMatrix) ws.get("MeanGainForwardMap.h", count, n, Precision.FLOAT);
        Ops.gatherRows(h, rows, count, vh);
        double[] start = startResidual;
        view.point(vh, ws);
        for (int i = 0; i < count; i++) {
            view.startResidual[i] = start[rows[i]];
        }
        return view;
    }

    /** A map sharing Q, the mean gains and the drive; its views have scratch of their own. */
    @Override
    public BatchMap concurrentCopy() {
        return q.concurrentProducts() ? new MeanGainForwardMap(this) : null;
    }

    /**
     * Rows of F = f(u + h) - r and their max |F|: f(u + h) as the nonlinearity's shifted form makes it
     * (tanh's kernel reads u in place; any other f gets a copy of u), then r subtracted.
     */
    private final class ResidualPass implements RowParallel.RowBlock {
        @Override
        public void rows(int part, int from, int to) {
            float[] s = state.data;
            float[] fd = res.data;
            if (f instanceof Nonlinearity.Tanh) { // straight from u, without the copy
                for (int i = from; i < to; i++) {
                    VectorMath.tanhShifted(s, i * 2 * n + n, h.data, i * n, fd, i * n, n);
                }
            } else {
                for (int i = from; i < to; i++) {
                    System.arraycopy(s, i * 2 * n + n, fd, i * n, n);
                }
                f.applyShifted(res, h, res, from, to);
            }
            int vl = FS.length();
            int vend = n - n % vl;
            for (int i = from; i < to; i++) {
                int r0 = i * 2 * n;
                int f0 = i * n;
                FloatVector mv = FloatVector.zero(FS);
                for (int j = 0; j < vend; j += vl) {
                    FloatVector v = FloatVector.fromArray(FS, fd, f0 + j).sub(FloatVector.fromArray(FS, s, r0 + j));
                    v.intoArray(fd, f0 + j);
                    mv = mv.max(v.abs());
                }
                float mx = mv.reduceLanes(VectorOperators.MAX);
                for (int j = vend; j < n; j++) {
                    float v = fd[f0 + j] - s[r0 + j];
                    fd[f0 + j] = v;
                    mx = Math.max(mx, Math.abs(v));
                }
                trueResidual[i] = mx;
            }
        }
    }
}
