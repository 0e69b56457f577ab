package org.fprnn.linalg;

import java.util.Objects;

/**
 * Argument checks shared by the {@link Blas} implementations. A native call with a bad stride or a
 * short array would read or write outside the array and crash the JVM, so every product is checked
 * in Java first; a failed check throws {@link IllegalArgumentException} naming the shapes.
 */
final class GemmArgs {
    private GemmArgs() {
    }

    /** What a product has to do once the arguments are checked. */
    enum Work { NOTHING, SCALE_C, PRODUCT }

    static Work check(boolean tA, boolean tB, int m, int n, int k, boolean alphaZero,
                      Object a, int aLen, int aOff, int lda,
                      Object b, int bLen, int bOff, int ldb,
                      Object c, int cLen, int cOff, int ldc) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative gemm size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return Work.NOTHING;
        }
        checkOperand("C", m, n, c, cLen, cOff, ldc, m, n, k, tA, tB);
        if (k == 0 || alphaZero) {
            return Work.SCALE_C;
        }
        checkOperand("A", tA ? k : m, tA ? m : k, a, aLen, aOff, lda, m, n, k, tA, tB);
        checkOperand("B", tB ? n : k, tB ? k : n, b, bLen, bOff, ldb, m, n, k, tA, tB);
        ProductTally.product(c instanceof double[], m, n, k);
        return Work.PRODUCT;
    }

    private static void checkOperand(String name, int rows, int cols, Object arr, int len, int off,
                                     int ld, int m, int n, int k, boolean tA, boolean tB) {
        long end = off + (long) (rows - 1) * ld + cols;
        if (off < 0 || ld < Math.max(1, cols) || end > len) {
            throw new IllegalArgumentException("gemm " + (tA ? "A^T" : "A") + " * " + (tB ? "B^T" : "B")
                    + " with m=" + m + " n=" + n + " k=" + k + ": " + name + " is stored as "
                    + rows + " x " + cols + " with offset " + off + " and row stride " + ld
                    + " (needs stride >= " + Math.max(1, cols) + " and " + end
                    + " elements) in an array of " + len + " elements");
        }
    }

    /** C = beta * C on the m x n block (beta == 0 writes zeros, also over NaN). */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0 ? 0f : beta * c[row + j];
            }
        }
    }

    static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0 ? 0.0 : beta * c[row + j];
            }
        }
    }

    /** Thread count asked for by the system property fprnn.threads or env FPRNN_THREADS, else 0. */
    static int requestedThreads() {
        String s = System.getProperty("fprnn.threads", System.getenv("FPRNN_THREADS"));
        if (s == null || s.isBlank()) {
            return 0;
        }
        try {
            int t = Integer.parseInt(s.trim());
            return Math.max(t, 0);
        } catch (NumberFormatException e) {
            java.util.logging.Logger.getLogger("org.fprnn.linalg").warning(
                    "fprnn: ignoring FPRNN_THREADS / fprnn.threads = '" + s + "' (not an integer)");
            return 0;
        }
    }
}
