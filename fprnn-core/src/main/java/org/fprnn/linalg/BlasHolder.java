package org.fprnn.linalg;

import java.util.logging.Logger;

/** Chooses the process-wide {@link Blas} once: native OpenBLAS if it loads, else pure Java. */
final class BlasHolder {
    static final Blas INSTANCE = choose();

    private BlasHolder() {
    }

    private static Blas choose() {
        if (NativeLibrary.wanted()) {
            try {
                Blas nat = NativeBlas.load();
                Logger.getLogger("org.fprnn.linalg").fine(() -> "fprnn: matrix products use " + nat.name());
                return nat;
            } catch (UnsatisfiedLinkError e) {
                // NativeLibrary has said why, in one line
            }
        }
        return new JavaBlas();
    }
}
