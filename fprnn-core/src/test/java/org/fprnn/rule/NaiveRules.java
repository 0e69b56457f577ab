package org.fprnn.rule;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;

/**
 * The linearized rules as their formulas read literally (MATH sections 3.4 and 3.5), one sample at
 * a time: the O(B N^3) form that builds per-sample N x N matrices (as the published code does), and
 * the O(B N^2) per-sample matrix-vector form. For tests and as the benchmark baseline only.
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

    /**
     * D_W = mean_i a_i b_i^T with per-sample N x N matrices (O(B N^3)):
     * linearized: a_i = (I - W G_i) G_i e_i, b_i = T_i r_i, T_i = (I - G_i W)^T (I - G_i W);
     * linearized_alt: a_i = (I - W G_i) e_i, b_i = T_i r_i, T_i = (I - W G_i)^T (I - W G_i).
     *
     * @param w N x N; r, e, g B x N; out N x N
     */
    public void matrixForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, Matrix out) {
        int b = r.rows;
        out.fill(0);
        for (int s = 0; s < b; s++) {
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
            Ops.gemm(false, true, 1.0 / b, aCol, bCol, 1, out);
        }
    }

    /** The same direction per sample with matrix-vector products only (O(B N^2), no N x N per sample). */
    public void vectorForm(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt, Matrix out) {
        int b = r.rows;
        out.fill(0);
        for (int s = 0; s < b; s++) {
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
            Ops.gemm(false, true, 1.0 / b, aCol, bCol, 1, out);
        }
    }

    /**
     * The gradient rule as the published code computes it: per sample the dense system
     * (I - W^T G_i) lambda_i = e_i solved by LU in double (O(B N^3)), delta_i = G_i lambda_i,
     * D_W = mean_i delta_i r_i^T.
     */
    public void gradientMatrixForm(Matrix w, Matrix r, Matrix e, Matrix g, Matrix out) {
        int b = r.rows;
        org.fprnn.linalg.DMatrix m = new org.fprnn.linalg.DMatrix(n, n);
        org.fprnn.linalg.DMatrix rhs = new org.fprnn.linalg.DMatrix(1, n);
        out.fill(0);
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m.data[i * n + j] = (i == j ? 1 : 0) - w.get(j, i) * g.get(s, j);
                }
                rhs.data[i] = e.get(s, i);
            }
            org.fprnn.linalg.Lapack.lu(m).solveRows(rhs);
            for (int j = 0; j < n; j++) {
                aCol.set(j, 0, g.get(s, j) * rhs.data[j]);
                bCol.set(j, 0, r.get(s, j));
            }
            Ops.gemm(false, true, 1.0 / b, aCol, bCol, 1, out);
        }
    }
}
