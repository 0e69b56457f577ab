package org.fprnn.linalg;

import java.util.Arrays;
import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The one place for matrix decompositions, in double: LU with solves and inverses ({@link Lapack}:
 * LAPACK from OpenBLAS, else EJML), eigenvalues and singular values (EJML), and the small LU and
 * Cholesky factorizations and solves written out for the solvers' hot loops (Newton's per-sample
 * systems, Anderson's mixing coefficients), which allocate nothing. The one float solve, of a system
 * with many right-hand sides on the cores' vector units (the mean-gain matrix Q), is
 * {@link GaussJordan}.
 * Matrices are row-major {@link DMatrix}es; none is modified unless the method says so.
 */
public final class Decompositions {
    private Decompositions() {
    }

    /**
     * An LU factorization of a square matrix, for repeated solves with A or A^T.
     *
     * @throws SingularMatrixException if it is singular
     */
    public static Lapack.Lu lu(DMatrix a) {
        return Lapack.lu(a);
    }

    /**
     * Solves A x_i = b_i for every row b_i of {@code rows} (k x N), in place: the rows become the x_i.
     *
     * @throws IllegalStateException if A is singular
     */
    public static void solve(DMatrix a, DMatrix rows) {
        Lapack.lu(a).solveRows(rows);
    }

    /** Inverts a square matrix in place. @throws IllegalStateException if it is singular */
    public static void invert(DMatrix a) {
        Lapack.invert(a);
    }

    /**
     * The eigenvalues of a square matrix as rows (re, im) of an n x 2 array, in EJML's order.
     *
     * @throws IllegalStateException if the decomposition fails (non-finite entries)
     */
    public static double[][] eigenvalues(DMatrix m) {
        if (m.rows != m.cols) {
            throw new IllegalArgumentException("eigenvalues of a non-square matrix " + m.shape());
        }
        if (!m.allFinite()) {
            // EJML returned NaN eigenvalues here rather than failing, as this method promises it does.
            throw new IllegalStateException("eigen decomposition of a matrix with non-finite entries");
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m.rows, false);
        if (!eig.decompose(DMatrixRMaj.wrap(m.rows, m.cols, m.data.clone()))) {
            throw new IllegalStateException("eigen decomposition failed (non-finite weights?)");
        }
        double[][] out = new double[m.rows][2];
        for (int i = 0; i < m.rows; i++) {
            Complex_F64 c = eig.getEigenvalue(i);
            out[i][0] = c.real;
            out[i][1] = c.imaginary;
        }
        return out;
    }

    /**
     * The singular values of an m x n matrix, min(m, n) of them in decreasing order.
     *
     * @throws IllegalStateException if the decomposition fails (non-finite entries)
     */
    public static double[] singularValues(DMatrix m) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m.rows, m.cols, false, false, true);
        if (!svd.decompose(DMatrixRMaj.wrap(m.rows, m.cols, m.data.clone()))) {
            throw new IllegalStateException("singular value decomposition failed (non-finite entries?)");
        }
        double[] s = Arrays.copyOf(svd.getSingularValues(), Math.min(m.rows, m.cols));
        Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /**
     * LU with partial pivoting of the row-major n x n matrix a, in place (P A = L U, unit lower L);
     * piv[k] is the row swapped with row k at step k. Returns false on an exactly zero or non-finite
     * pivot. Allocates nothing (a kernel of the Newton solver's per-sample loop).
     */
    public static boolean luInPlace(double[] a, int n, int[] piv) {
        for (int k = 0; k < n; k++) {
            int p = k;
            double best = Math.abs(a[k * n + k]);
            for (int r = k + 1; r < n; r++) {
                double v = Math.abs(a[r * n + k]);
                if (v > best) {
                    best = v;
                    p = r;
                }
            }
            if (!(best > 0) || !Double.isFinite(best)) {
                return false;
            }
            piv[k] = p;
            if (p != k) {
                for (int c = 0; c < n; c++) {
                    double t = a[k * n + c];
                    a[k * n + c] = a[p * n + c];
                    a[p * n + c] = t;
                }
            }
            double inv = 1 / a[k * n + k];
            for (int r = k + 1; r < n; r++) {
                double f = a[r * n + k] * inv;
                a[r * n + k] = f;
                if (f != 0) {
                    for (int c = k + 1; c < n; c++) {
                        a[r * n + c] -= f * a[k * n + c];
                    }
                }
            }
        }
        return true;
    }

    /** Solves A x = b in place in b with the factors of {@link #luInPlace}. */
    public static void luSolve(double[] a, int n, int[] piv, double[] b) {
        for (int k = 0; k < n; k++) {
            int p = piv[k];
            if (p != k) {
                double t = b[k];
                b[k] = b[p];
                b[p] = t;
            }
        }
        for (int r = 1; r < n; r++) {
            double v = b[r];
            for (int c = 0; c < r; c++) {
                v -= a[r * n + c] * b[c];
            }
            b[r] = v;
        }
        for (int r = n - 1; r >= 0; r--) {
            double v = b[r];
            for (int c = r + 1; c < n; c++) {
                v -= a[r * n + c] * b[c];
            }
            b[r] = v / a[r * n + r];
        }
    }

    /**
     * Cholesky factorization scale A + ridge I = L L^T of a small symmetric n x n matrix A, with no
     * allocation (a kernel of the solvers' row loops). A is read at {@code a[aOff + r * lda + c]},
     * lower triangle only. L is written into {@code l} at {@code lOff} with row stride {@code ldl}: its
     * strict lower triangle, and on the diagonal the reciprocals 1 / L_rr (each a single division of
     * 1 by sqrt). {@code work[wOff .. wOff + n)} is scratch.
     *
     * @return false if the matrix is not numerically positive definite (a pivot is not > 0)
     */
    public static boolean cholesky(double[] a, int aOff, int lda, double scale, double ridge, double[] l, int lOff,
                                   int ldl, double[] work, int wOff, int n) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < r; c++) {
                double v = a[aOff + r * lda + c] * scale;
                for (int p = 0; p < c; p++) {
                    v -= l[lOff + r * ldl + p] * l[lOff + c * ldl + p];
                }
                l[lOff + r * ldl + c] = v * work[wOff + c];
            }
            double v = a[aOff + r * lda + r] * scale + ridge;
            for (int p = 0; p < r; p++) {
                v -= l[lOff + r * ldl + p] * l[lOff + r * ldl + p];
            }
            if (!(v > 0)) {
                return false;
            }
            work[wOff + r] = 1 / Math.sqrt(v);
            l[lOff + r * ldl + r] = work[wOff + r];
        }
        return true;
    }

    /**
     * Solves L L^T y = b in place ({@code x[xOff .. xOff + n)} holds b, then y), with L as
     * {@link #cholesky} left it: L z = b forward, then L^T y = z backward. Allocates nothing.
     */
    public static void choleskySolve(double[] l, int lOff, int ldl, double[] x, int xOff, int n) {
        for (int r = 0; r < n; r++) {
            double v = x[xOff + r];
            for (int p = 0; p < r; p++) {
                v -= l[lOff + r * ldl + p] * x[xOff + p];
            }
            x[xOff + r] = v * l[lOff + r * ldl + r];
        }
        for (int r = n - 1; r >= 0; r--) {
            double v = x[xOff + r];
            for (int p = r + 1; p < n; p++) {
                v -= l[lOff + p * ldl + r] * x[xOff + p];
            }
            x[xOff + r] = v * l[lOff + r * ldl + r];
        }
    }

    /** The ridge of {@link #affineMinimizer}, relative to the Gram matrix's largest diagonal entry. */
    static final double AFFINE_RIDGE = 1e-10;

    /**
     * Anderson's mixing coefficients of one sample (MATH section 6 fact 7): a = argmin a^T H a
     * subject to sum_j a_j = 1, that is a = y / sum(y) with (H / scale + ridge I) y = 1, H the
     * hist x hist Gram matrix of its residuals and scale its largest diagonal entry (Cholesky; H is
     * positive semi-definite and the ridge makes the system definite). H is read at
     * gram[g0 + j m + k] (j, k < hist); sys, from g0, is scratch for the factor; a goes to
     * coef[c0 .. c0 + hist). Allocates nothing.
     *
     * @return false if the residuals are zero or not finite, or the system is numerically not
     *     positive definite (the caller then takes a plain damped step)
     */
    public static boolean affineMinimizer(double[] gram, int g0, int m, int hist, double[] sys, double[] coef, int c0) {
        double scale = 0;
        for (int j = 0; j < hist; j++) {
            scale = Math.max(scale, gram[g0 + j * m + j]);
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            return false;
        }
        double inv = 1 / scale;
        // Cholesky H / scale + ridge I = L L^T in sys (row stride hist, from g0), then L L^T y = 1 in coef.
        if (!cholesky(gram, g0, m, inv, AFFINE_RIDGE, sys, g0, hist, coef, c0, hist)) {
            return false;
        }
        java.util.Arrays.fill(coef, c0, c0 + hist, 1.0);
        choleskySolve(sys, g0, hist, coef, c0, hist);
        double sum = 0;
        for (int j = 0; j < hist; j++) {
            sum += coef[c0 + j];
        }
        if (!(sum != 0) || !Double.isFinite(sum)) {
            return false;
        }
        double invSum = 1 / sum;
        for (int j = 0; j < hist; j++) {
            coef[c0 + j] *= invSum;
            if (!Double.isFinite(coef[c0 + j])) {
                return false;
            }
        }
        return true;
    }
}
