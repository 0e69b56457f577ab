package org.fprnn.linalg;

/**
 * A factorization met an exactly zero pivot: the matrix is singular. Apart from the other failures
 * of a LAPACK call (a bad argument, a failed native call, an interrupt), so that a caller can treat
 * a singular system as a result (the Newton solver: that sample did not converge) and still let
 * those fail.
 */
public final class SingularMatrixException extends IllegalStateException {
    public SingularMatrixException(String message) {
        super(message);
    }
}
