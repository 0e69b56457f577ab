package org.fprnn.linalg;

/** Placeholder until the FFM binding lands. */
final class NativeBlas {
    static Blas load() {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
