package org.fprnn.diag;

import org.ejml.data.Complex_F64;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.fprnn.linalg.DMatrix;

/** Spectra of MATH section 5: eigenvalues of W and of G W with G the mean gain. */
public final class Spectra {
    private Spectra() {
    }

    /** Eigenvalues of a square matrix, as rows (re, im) of an n x 2 array. */
    public static double[][] eigenvalues(DMatrix m) {
        if (m.rows != m.cols) {
            throw new IllegalArgumentException("eigenvalues of a non-square matrix " + m.shape());
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

    /** Largest modulus of the eigenvalues. */
    public static double spectralRadius(DMatrix m) {
        double r = 0;
        for (double[] e : eigenvalues(m)) {
            r = Math.max(r, Math.hypot(e[0], e[1]));
        }
        return r;
    }

    /** Largest real part of the eigenvalues. */
    public static double maxRealPart(DMatrix m) {
        double r = Double.NEGATIVE_INFINITY;
        for (double[] e : eigenvalues(m)) {
            r = Math.max(r, e[0]);
        }
        return r;
    }
}
