package org.fprnn.linalg;

import java.util.logging.Logger;

/** Chooses the process-wide {@link Blas} once: native OpenBLAS if it loads, else pure Java. */
final class BlasHolder {
    static final Blas INSTANCE = choose();

    private BlasHolder() {
    }

    private static Blas choose() {
        Logger log = Logger.getLogger("org.fprnn.linalg");
        if (!"java".equalsIgnoreCase(System.getProperty("fprnn.blas", System.getenv("FPRNN_BLAS")))) {
            try {
                Blas nat = NativeBlas.load();
                log.fine(() -> "fprnn: matrix products use " + nat.name());
                return nat;
            } catch (Throwable t) {
                log.warning("fprnn: native OpenBLAS not available (" + t.getMessage()
                        + "); using the pure-Java matrix product, which is slower."
                        + " Install Debian's libopenblas0-pthread (./setup.sh does).");
            }
        }
        return new JavaBlas();
    }
}
