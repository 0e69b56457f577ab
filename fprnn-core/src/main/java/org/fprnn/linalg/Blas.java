package org.fprnn.linalg;

/**
 * General matrix product on row-major arrays, C = alpha * op(A) op(B) + beta * C, with op(X) = X or
 * X^T. Implementations: {@link NativeBlas} (OpenBLAS through the FFM API, zero-copy on heap arrays)
 * and {@link JavaBlas} (pure Java, Vector API). {@link #get()} picks native when it loads.
 *
 * <p>Shapes: op(A) is m x k, op(B) is k x n, C is m x n; lda, ldb, ldc are row strides.
 */
public interface Blas {

    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
               float beta, float[] c, int cOff, int ldc);

    void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
               double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
               double beta, double[] c, int cOff, int ldc);

    /** Human-readable name, e.g. "OpenBLAS 0.3.21 (native, 2 threads)" or "Java Vector API". */
    String name();

    /** Number of threads this implementation uses for one product. */
    int threads();

    /**
     * A message if fprnn.blas / FPRNN_BLAS names no choice (native, bundled, system, java), else
     * null; the command line refuses such a value before any work instead of falling back.
     */
    static String settingProblem() {
        return NativeLibrary.settingProblem();
    }

    /** The process-wide implementation: native OpenBLAS when it loads, else the Java fallback. */
    static Blas get() {
        return BlasHolder.INSTANCE;
    }

    /**
     * Makes every product of the process-wide implementation made on the calling thread one unsplit
     * single-threaded call (true), or split into its fixed blocks over {@link RowParallel}'s threads
     * (false, the default), and returns the previous setting. For work that already runs on a thread
     * of its own beside other such work ({@code ChunkedSolver}'s chunks): there the blocks of a
     * product run one after the other anyway, and each extra call repacks the other operand (W, for
     * the solvers' products). A native product's bits depend on its split, so a caller must choose
     * the setting the same way for every thread count. The Java fallback's bits do not depend on its
     * split, and it ignores the setting.
     */
    static boolean oneCallProducts(boolean on) {
        return get() instanceof NativeBlas ? NativeBlas.oneCallProducts(on) : false;
    }

    /**
     * Sets the thread count of the process-wide implementation: OpenBLAS's own threads (process-wide;
     * OpenBLAS results are reproducible for a fixed count), or the number of row blocks the Java
     * product splits into (which does not change its results). At start-up the count comes from env
     * FPRNN_THREADS or system property fprnn.threads when set. The same count splits the elementwise
     * row work ({@link RowParallel}).
     *
     * @param n threads, at least 1 (one per Spark task, say)
     */
    static void setThreads(int n) {
        switch (get()) {
            case NativeBlas nb -> nb.setThreads(n);
            case JavaBlas jb -> jb.setThreads(n);
            default -> throw new IllegalStateException("unknown Blas " + get().name());
        }
        RowParallel.setThreads(n);
    }
}
