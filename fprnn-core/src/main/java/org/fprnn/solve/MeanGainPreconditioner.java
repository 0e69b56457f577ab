package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.GaussJordan;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.RecurrentOperator;

/**
 * The adjoint equation of the batch's mean gains as a preconditioner for the float solves of the
 * gradient rule's adjoint (MATH section 3.1), made once per rule call from the dense form of W (any
 * recurrent operator's). The same Q serves the forward solve, with the mean gains at rest
 * ({@link MeanGainForwardMap}, {@link SolverConfig#meanGain()}).
 *
 * <p>With gbar the gains' mean over the batch (per unit), D_i = G_i - diag(gbar) and
 * M = (I - W^T diag(gbar))^{-1}, sample i's equation (I - W^T G_i) d = rho is the same as
 * d = M rho + M W^T D_i d, and since M = I + M W^T diag(gbar), in rows:
 * <pre>
 *   d = rho + (gbar * rho + dev_i * d) Q,   Q = W (I - diag(gbar) W)^{-1} = (M W^T)^T,
 * </pre>
 * with dev_i = g_i - gbar. That is the adjoint map of {@link AdjointMap} with Q for W, the deviations
 * for the gains and gbar * rho as a shift of the gains' product: one product per iteration, as
 * before, and the same solution, but the iteration's matrix Q D_i holds only what sets sample i
 * apart from the batch (on P1's random network, N = 300, its spectral radius was about 0.09 against
 * 0.41 for W^T G_i in a numpy model). {@code fprnn bench adjoint} counts the float iterations with
 * and without it on the trained P1 networks. Q = (I - W diag(gbar))^{-1} W costs a solve with N
 * right-hand sides, in float, by blocked Gauss-Jordan elimination ({@link GaussJordan}: about 1.5 N^3
 * multiply-adds, mostly on the cores' vector units), so it pays where the batch is large against N
 * ({@link #pays}).
 *
 * <p>Q is formed in float. The refinement that uses it checks every round with
 * the residual of the true equation in double ({@link RefinedAdjoint}), so Q's rounding changes the
 * rounds' speed, never the answer. The bits do not depend on the thread count: the mean sums each
 * unit over the samples in order, Gauss-Jordan's rows are each computed from their own data and the
 * pivot rows, and the elementwise passes run on row blocks.
 */
public final class MeanGainPreconditioner {
    /** Largest N for which Q is formed (its solve grows as N^3). */
    public static final int MAX_UNITS = 1024;
    /** Q's entries beyond this (or not finite): the mean-gain matrix is too close to singular to help. */
    static final double MAX_ENTRY = 1e4;

    private final Workspace ws = new Workspace();
    private final Params qParams = new Params();
    private DenseOperator q;
    private double[] gbar;
    private float[] gbarF;
    private final Pass pass = new Pass();
    private final GaussJordan gaussJordan = new GaussJordan();
    private final SystemRows system = new SystemRows();

    /**
     * Fewest samples per unit for which Q is formed: on P1's networks (N = 300, MNIST training
     * batches, the untrained network and the trained linearized and gradient ones) the rule was 1.1 to
     * 1.45 times as fast with it at every batch from 40 to 512 samples (scratch program, interleaved
     * medians of 21); its set-up does not depend on the batch, so a batch far smaller than N would not
     * recover it.
     */
    static final int UNITS_PER_SAMPLE = 8;

    /**
     * True if forming Q is expected to pay for itself: at most {@link #MAX_UNITS} units and at least
     * one sample per {@link #UNITS_PER_SAMPLE} units.
     */
    public static boolean pays(int units, int samples) {
        return units <= MAX_UNITS && (long) samples * UNITS_PER_SAMPLE >= units;
    }

    /**
     * True if forming Q for the forward solve ({@link MeanGainForwardMap}) is expected to pay: at most
     * {@link #MAX_UNITS} units and at least one sample per unit. Each of its iterations costs more than
     * a plain one (Anderson on 2N columns), so it needs a larger batch than the adjoint's form. On P1's
     * untrained network (random inputs, to 1e-6, 2 threads, 2-core AVX-512 Xeon, interleaved scratch
     * runs, 16 plain iterations against 7) the plain solve's time over the preconditioned one's was
     * 0.5 to 0.6 at N = 300, B = 128; 1.0 to 1.2 at N = 300, B = 1024; 0.94 at N = 1000, B = 512,
     * 1.12 at B = 1024 and 1.2 at B = 2048. Trained networks, which take more plain iterations, gain
     * more (results/solver-nets' in {@code fprnn bench solver}).
     */
    public static boolean paysForward(int units, int samples) {
        return units <= MAX_UNITS && samples >= units;
    }

    /**
     * {@link #prepare(Matrix, FMatrix)} with W taken from the recurrent operator: a dense operator's
     * own matrix, any other's dense form (made anew, N x N).
     */
    public boolean prepare(RecurrentOperator op, FMatrix g) {
        Matrix w = op instanceof DenseOperator dense
                ? dense.parameters().get(dense.parameterNames().get(0)) : op.dense();
        return prepare(w, g);
    }

    /**
     * Forms Q for the dense recurrent matrix {@code w} (N x N, double or float) and the gains
     * {@code g} (B x N, float) of this call.
     *
     * @return false if the mean-gain matrix is singular or too close to it (Q is then not used)
     */
    public boolean prepare(Matrix w, FMatrix g) {
        int n = w.rows;
        if (w.cols != n || g.cols != n) {
            throw new IllegalArgumentException("preconditioner of W " + w.shape() + " for gains " + g.shape());
        }
        gbar = ws.doubles("gbar", n);
        gbarF = gbarF != null && gbarF.length == n ? gbarF : new float[n];
        columnMeans(g, gbar);
        for (int j = 0; j < n; j++) {
            gbarF[j] = (float) gbar[j];
        }
        // Q = W (I - diag(gbar) W)^{-1} = (I - W diag(gbar))^{-1} W: M X = W with M = I - W diag(gbar)
        FMatrix m = (FMatrix) ws.get("M", n, n, Precision.FLOAT);
        FMatrix qf = (FMatrix) ws.get("Q", n, n, Precision.FLOAT);
        system.set(w, m, qf);
        try {
            RowParallel.forRows(n, RowParallel.minRows(n), system);
        } finally {
            system.set(null, null, null); // W may be a dense copy made for this call: not kept alive
        }
        try {
            gaussJordan.solve(m, qf);
        } catch (IllegalStateException singular) {
            return false;
        }
        for (float v : qf.data) {
            if (!(Math.abs(v) <= MAX_ENTRY)) {
                return false;
            }
        }
        if (q == null || qParams.get("Q") != qf) {
            qParams.put("Q", qf);
            q = new DenseOperator(qParams, "Q");
        }
        return true;
    }

    /** The mean gains gbar of the last {@link #prepare}, per unit, in float (read-only). */
    public float[] meanGains() {
        return gbarF;
    }

    /** Q as an operator: its applyTranspose is the rows' product with Q, its apply the product with Q^T. */
    public DenseOperator operator() {
        return q;
    }

    /** dev = g - gbar, row by row (B x N, float). */
    public void deviations(FMatrix g, FMatrix dev) {
        pass.run(Pass.DEVIATIONS, g, dev);
    }

    /**
     * shift = gbar * rho (B x N, float): with it, the preconditioned map of the equation with
     * right-hand side rho is d -> rho + (shift + dev * d) Q, one product per call (an
     * {@link AdjointMap} with a shift). Rows of rho that are 0 give rows that are 0.
     */
    public void shift(FMatrix rho, FMatrix shift) {
        pass.run(Pass.SCALE, rho, shift);
    }

    /** Each unit's mean over the rows, summed in row order (the split over units does not matter). */
    private static void columnMeans(FMatrix g, double[] out) {
        int b = g.rows;
        int n = g.cols;
        float[] data = g.data;
        RowParallel.forRows(n, 16, (part, from, to) -> {
            java.util.Arrays.fill(out, from, to, 0.0);
            for (int i = 0; i < b; i++) {
                int o = i * n;
                for (int j = from; j < to; j++) {
                    out[j] += data[o + j];
                }
            }
            for (int j = from; j < to; j++) {
                out[j] /= b;
            }
        });
    }

    /** Rows of M = I - W diag(gbar) and of the right-hand sides W, in float, on row blocks. */
    private final class SystemRows implements RowParallel.RowBlock {
        private Matrix w;
        private FMatrix m;
        private FMatrix rhs;

        void set(Matrix w, FMatrix m, FMatrix rhs) {
            this.w = w;
            this.m = m;
            this.rhs = rhs;
        }

        @Override
        public void rows(int part, int from, int to) {
            int n = m.cols;
            double[] wd = w instanceof DMatrix d ? d.data : null;
            float[] wf = w instanceof FMatrix f ? f.data : null;
            for (int i = from; i < to; i++) {
                int o = i * n;
                for (int k = 0; k < n; k++) {
                    double wik = wd != null ? wd[o + k] : wf[o + k];
                    rhs.data[o + k] = (float) wik;
                    m.data[o + k] = (float) ((i == k ? 1.0 : 0.0) - wik * gbar[k]);
                }
            }
        }
    }

    /** The elementwise passes with gbar, on row blocks. */
    private final class Pass implements RowParallel.RowBlock {
        static final int DEVIATIONS = 0;
        static final int SCALE = 1;
        private int stage;
        private float[] in;
        private float[] out;
        private int n;

        void run(int stage, FMatrix in, FMatrix out) {
            if (!in.sameShape(out) || in.cols != gbarF.length) {
                throw new IllegalArgumentException("rows " + in.shape() + " and " + out.shape() + " for "
                        + gbarF.length + " units");
            }
            this.stage = stage;
            this.in = in.data;
            this.out = out.data;
            this.n = in.cols;
            try {
                RowParallel.forRows(in.rows, RowParallel.minRows(n), this);
            } finally {
                this.in = this.out = null;
            }
        }

        @Override
        public void rows(int part, int from, int to) {
            for (int i = from; i < to; i++) {
                int o = i * n;
                if (stage == DEVIATIONS) {
                    for (int j = 0; j < n; j++) {
                        out[o + j] = in[o + j] - gbarF[j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        out[o + j] = gbarF[j] * in[o + j];
                    }
                }
            }
        }
    }
}
