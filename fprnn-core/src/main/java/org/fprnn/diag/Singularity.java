package org.fprnn.diag;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;

/**
 * Distance to singularity, MATH sections 2 and 5: sigma_min(I - G_i W) per sample, where the map
 * W -> r* blows up. Exact SVD in double; meant for up to a few samples of an evaluation batch.
 */
public final class Singularity {
    private Singularity() {
    }

    /**
     * sigma_min(I - G_i W) for the first {@code maxSamples} rows of the gains g (B x N).
     */
    public static double[] distances(DMatrix w, Matrix g, int maxSamples) {
        int n = w.rows;
        int k = Math.min(maxSamples, g.rows);
        double[] out = new double[k];
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, n, false, false, true);
        DMatrixRMaj m = new DMatrixRMaj(n, n);
        for (int s = 0; s < k; s++) {
            for (int i = 0; i < n; i++) {
                double gi = g.get(s, i);
                for (int j = 0; j < n; j++) {
                    m.data[i * n + j] = (i == j ? 1.0 : 0.0) - gi * w.data[i * n + j];
                }
            }
            if (!svd.decompose(m)) {
                out[s] = Double.NaN;
                continue;
            }
            double min = Double.POSITIVE_INFINITY;
            for (double v : svd.getSingularValues()) {
                min = Math.min(min, v);
            }
            out[s] = min;
        }
        return out;
    }
}
