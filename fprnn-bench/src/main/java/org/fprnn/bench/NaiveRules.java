package org.fprnn.bench;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;

/**
 * The rules as their formulas read, one sample at a time: the baselines the batched rules (MATH
 * section 3.6) are measured against. Not for training.
 *
 * <ul>
 *   <li>{@link #matrixForm}: the linearized rules (MATH 3.4, 3.5) with per-sample N x N matrices,
 *       O(B N^3), as the published code computes them;</li>
 *   <li>{@link #vectorForm}: the same directions with per-sample matrix-vector products only,
 *       O(B N^2);</li>
 *   <li>{@link #gradientMatrixForm}: the gradient (MATH 3.1) with a dense per-sample LU solve of the
 *       adjoint, O(B N^3), as the published code inverts;</li>
 *   <li>{@link #bpttVectorForm}: bptt (MATH 3.2) unrolled and reversed per sample with
 *       matrix-vector products, O(B T N^2).</li>
 * </ul>
 *
 * Every method averages over the samples {@code from..to-1} only, so that a benchmark can time a
 * subset of a large batch and compare it with the batched rule on the same subset.
 */
public final class NaiveRules {
    private final int n;
    private final Matrix q;
    private final Matrix p;
    private final Matrix t;
    private final Matrix col;
    private final Matrix col2;
    private final Matrix aCol;
    private final Matrix bCol;
    private Matrix[] states = new Matrix[0];
    private Matrix[] inputs = new Matrix[0];

    /** Workspaces for N units in the precision of {@code like}. */
    public NaiveRules(int n, Matrix like) {
        this.n = n;
        this.q = like.like(n, n);
        this.p = like.like(n, n);
        this.t = like.like(n, n);
        this.col = like.like(n, 1);
        this.col2 = like.like(n, 1);
        this.aCol = like.like(n, 1);
        this.bCol = like.like(n, 1);
    }

    /** {@link #matrixForm(Matrix, Matrix, Matrix, Matrix, boolean, int, int, Matrix)} over all samples. */
    public void matrixForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, Matrix out) {
        matrixForm(w, r, e, g, alt, 0, r.rows, out);
    }

    /**
     * D_W = mean_i a_i b_i^T over samples from..to-1, with per-sample N x N matrices (O(N^3) each):
     * linearized: a_i = (I - W G_i) G_i e_i, b_i = T_i r_i, T_i = (I - G_i W)^T (I - G_i W);
     * linearized_alt: a_i = (I - W G_i) e_i, b_i = T_i r_i, T_i = (I - W G_i)^T (I - W G_i).
     *
     * @param w N x N; r, e, g B x N; out N x N
     */
    public void matrixForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, int from, int to, Matrix out) {
        double inv = 1.0 / checkRange(from, to, r.rows);
        out.fill(0);
        for (int s = from; s < to; s++) {
            // p = I - W G_s ; q = I - G_s W
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double wij = w.get(i, j);
                    p.set(i, j, (i == j ? 1 : 0) - wij * g.get(s, j));
                    q.set(i, j, (i == j ? 1 : 0) - g.get(s, i) * wij);
                }
            }
            Matrix m = alt ? p : q;
            Ops.gemm(true, false, 1, m, m, 0, t);          // T = M^T M, the N^3 product
            for (int j = 0; j < n; j++) {
                double ej = e.get(s, j);
                col.set(j, 0, alt ? ej : g.get(s, j) * ej);
                col2.set(j, 0, r.get(s, j));
            }
            Ops.gemm(false, false, 1, p, col, 0, aCol);     // a = P (G e) or P e
            Ops.gemm(false, false, 1, t, col2, 0, bCol);    // b = T r
            Ops.gemm(false, true, inv, aCol, bCol, 1, out);
        }
    }

    /** {@link #vectorForm(Matrix, Matrix, Matrix, Matrix, boolean, int, int, Matrix)} over all samples. */
    public void vectorForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, Matrix out) {
        vectorForm(w, r, e, g, alt, 0, r.rows, out);
    }

    /** The same direction per sample with matrix-vector products only (O(N^2) each, no N x N per sample). */
    public void vectorForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, int from, int to, Matrix out) {
        double inv = 1.0 / checkRange(from, to, r.rows);
        out.fill(0);
        for (int s = from; s < to; s++) {
            for (int j = 0; j < n; j++) {
                double ej = e.get(s, j);
                col.set(j, 0, alt ? ej : g.get(s, j) * ej);
            }
            // a = x - W (g * x) with x = G e (or e)
            for (int j = 0; j < n; j++) {
                col2.set(j, 0, g.get(s, j) * col.get(j, 0));
            }
            Ops.gemm(false, false, -1, w, col2, 0, aCol);
            Ops.axpy(1, col, aCol);
            // v = M r
            for (int j = 0; j < n; j++) {
                col.set(j, 0, alt ? g.get(s, j) * r.get(s, j) : r.get(s, j));
            }
            Ops.gemm(false, false, -1, w, col, 0, col2);    // -W x
            for (int j = 0; j < n; j++) {
                double v = alt ? r.get(s, j) + col2.get(j, 0) : r.get(s, j) + g.get(s, j) * col2.get(j, 0);
                col2.set(j, 0, v);                            // v = M r
            }
            // b = M^T v: linearized M = I - G W -> v - W^T (g v); alt M = I - W G -> v - g (W^T v)
            for (int j = 0; j < n; j++) {
                col.set(j, 0, alt ? col2.get(j, 0) : g.get(s, j) * col2.get(j, 0));
            }
            Ops.gemm(true, false, -1, w, col, 0, bCol);
            for (int j = 0; j < n; j++) {
                double v = alt ? col2.get(j, 0) + g.get(s, j) * bCol.get(j, 0) : col2.get(j, 0) + bCol.get(j, 0);
                bCol.set(j, 0, v);
            }
            Ops.gemm(false, true, inv, aCol, bCol, 1, out);
        }
    }

    /** {@link #gradientMatrixForm(Matrix, Matrix, Matrix, Matrix, int, int, Matrix)} over all samples. */
    public void gradientMatrixForm(Matrix w, Matrix r, Matrix e, Matrix g, Matrix out) {
        gradientMatrixForm(w, r, e, g, 0, r.rows, out);
    }

    /**
     * The gradient rule as the published code computes it: per sample the dense system
     * (I - W^T G_i) lambda_i = e_i solved by LU in double (O(N^3) each), delta_i = G_i lambda_i,
     * D_W = mean_i delta_i r_i^T over samples from..to-1.
     */
    public void gradientMatrixForm(Matrix w, Matrix r, Matrix e, Matrix g, int from, int to, Matrix out) {
        double inv = 1.0 / checkRange(from, to, r.rows);
        DMatrix m = new DMatrix(n, n);
        DMatrix rhs = new DMatrix(1, n);
        out.fill(0);
        for (int s = from; s < to; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m.data[i * n + j] = (i == j ? 1 : 0) - w.get(j, i) * g.get(s, j);
                }
                rhs.data[i] = e.get(s, i);
            }
            Decompositions.solve(m, rhs);
            for (int j = 0; j < n; j++) {
                aCol.set(j, 0, g.get(s, j) * rhs.data[j]);
                bCol.set(j, 0, r.get(s, j));
            }
            Ops.gemm(false, true, inv, aCol, bCol, 1, out);
        }
    }

    /**
     * bptt (MATH 3.2) one sample at a time, for a dense network with rate dynamics and one time
     * constant: from r_0 = 0, z_t = W r_t + h, r_{t+1} = (1 - alpha) r_t + alpha f(z_t) for
     * {@code steps} steps, the loss at r_T, then the reverse pass rbar_T = R^T eps,
     * dz_t = alpha rbar_{t+1} * f'(z_t), D_W += dz_t r_t^T, rbar_t = (1 - alpha) rbar_{t+1} + W^T dz_t.
     * Writes D_W = mean over samples from..to-1 into {@code out} (N x N).
     *
     * @param h the input drive U x + b, B x N (row i for sample i)
     * @return the mean loss at the unrolled final states of those samples
     */
    public double bpttVectorForm(FixedPointNetwork net, Batch batch, Matrix h, Loss loss, double alpha, int steps,
                                 int from, int to, Matrix out) {
        if (net.dynamics() != Dynamics.RATE || net.timeConstants() != null || !net.params().has("W")
                || !net.params().has("R")) {
            throw new IllegalArgumentException("the naive bptt is written for dense networks (W, R) with rate"
                    + " dynamics and one time constant");
        }
        double inv = 1.0 / checkRange(from, to, h.rows);
        Matrix w = net.params().get("W");
        Matrix rr = net.params().get("R");
        Nonlinearity f = net.nonlinearity();
        if (states.length != steps + 1) {
            states = new Matrix[steps + 1];
            inputs = new Matrix[steps];
            for (int k = 0; k <= steps; k++) {
                states[k] = col.like(n, 1);
                if (k < steps) {
                    inputs[k] = col.like(n, 1);
                }
            }
        }
        Matrix yhat = col.like(1, rr.rows);
        Matrix eps = yhat.zerosLike();
        double lossSum = 0;
        out.fill(0);
        for (int s = from; s < to; s++) {
            states[0].fill(0);
            for (int j = 0; j < n; j++) {
                col2.set(j, 0, h.get(s, j));                  // h_s as a column
            }
            for (int k = 0; k < steps; k++) {
                Matrix z = inputs[k];
                Ops.gemm(false, false, 1, w, states[k], 0, z);   // W r_k
                Ops.axpy(1, col2, z);                            // + h
                f.apply(z, col);
                Ops.lincomb(1 - alpha, states[k], alpha, col, states[k + 1]);
            }
            Ops.gemm(true, true, 1, states[steps], rr, 0, yhat);   // y = R r_T (+ c), as a row
            if (net.hasReadoutBias()) {
                Ops.addRowVector(yhat, net.params().get("c"));
            }
            lossSum += loss.evaluate(yhat, batch.slice(s, s + 1), eps, null);
            Ops.gemm(true, true, 1, rr, eps, 0, aCol);           // rbar_T = R^T eps
            for (int k = steps - 1; k >= 0; k--) {
                f.derivative(inputs[k], col);
                Ops.mul(aCol, col, bCol);
                Ops.scale(alpha, bCol);                          // dz = alpha rbar * f'(z_k)
                Ops.gemm(false, true, inv, bCol, states[k], 1, out);   // D_W += dz r_k^T / count
                Ops.gemm(true, false, 1, w, bCol, 1 - alpha, aCol);   // rbar = (1 - alpha) rbar + W^T dz
            }
        }
        return lossSum * inv;
    }

    private static int checkRange(int from, int to, int rows) {
        if (from < 0 || to > rows || from >= to) {
            throw new IllegalArgumentException("sample range " + from + ".." + to + " outside a batch of " + rows);
        }
        return to - from;
    }
}
