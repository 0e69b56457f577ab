package org.fprnn.diag;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;

/** Spectra of MATH section 5: eigenvalues of W and of G W with G the mean gain. */
public final class Spectra {
    private Spectra() {
    }

    /** Eigenvalues of a square matrix, as rows (re, im) of an n x 2 array ({@link Decompositions#eigenvalues}). */
    public static double[][] eigenvalues(DMatrix m) {
        return Decompositions.eigenvalues(m);
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
