package org.fprnn.data;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.fprnn.linalg.DMatrix;
import org.fprnn.model.Batch;

/**
 * The linear teacher task of protocol P2: m samples X = xScale randn(m, N), a teacher
 * W_hat = teacherScale randn(N, N) / sqrt(N), and targets r_hat_i = (I - W_hat)^{-1} x_i + noise randn(N).
 */
public record LinearTeacher(DMatrix x, DMatrix targets, DMatrix teacher) {

    public static LinearTeacher generate(int n, int m, double xScale, double teacherScale, double noise, long seed) {
        Random rng = new Random(seed);
        DMatrix x = new DMatrix(m, n);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = xScale * rng.nextGaussian();
        }
        DMatrix wHat = new DMatrix(n, n);
        for (int i = 0; i < wHat.data.length; i++) {
            wHat.data[i] = teacherScale * rng.nextGaussian() / Math.sqrt(n);
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a.set(i, j, (i == j ? 1 : 0) - wHat.data[i * n + j]);
            }
        }
        // Rows: r_hat^T = x^T (I - W_hat)^{-T}, i.e. solve (I - W_hat) R^T = X^T.
        DMatrixRMaj xt = new DMatrixRMaj(n, m);
        CommonOps_DDRM.transpose(DMatrixRMaj.wrap(m, n, x.data), xt);
        DMatrixRMaj rt = new DMatrixRMaj(n, m);
        if (!CommonOps_DDRM.solve(a, xt, rt)) {
            throw new IllegalStateException("teacher I - W_hat is singular; use another seed");
        }
        DMatrix t = new DMatrix(m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t.data[i * n + j] = rt.get(j, i) + noise * rng.nextGaussian();
            }
        }
        return new LinearTeacher(x, t, wHat);
    }

    public Batch batch() {
        return Batch.regression(x, targets);
    }
}
