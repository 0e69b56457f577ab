package org.fprnn.bench;

import org.fprnn.linalg.NativeBlas;

/**
 * The benchmarks' calls on OpenBLAS's own threads (one unsplit call, the yardstick for fprnn's split
 * products). After such a call OpenBLAS's idle threads spin for a while (OPENBLAS_THREAD_TIMEOUT), so
 * a body that makes them is marked {@link Timer#afterTheRest}: {@link Timer#interleaved} times it
 * after the other work of each round and then waits for those threads to stop.
 */
final class OwnThreads {
    /** {@link Timer#trace} entry: one call on OpenBLAS's own threads. */
    static final String CALL = "call on OpenBLAS's own threads";
    /** Said in the sections that use such calls as a yardstick. */
    static final String TIMED_LAST = "The calls on OpenBLAS's own threads come last in each round, and the "
            + "round then waits until the process is idle, because OpenBLAS's idle threads keep spinning for a "
            + "while after such a call (OPENBLAS_THREAD_TIMEOUT) and would take a core from whatever is timed next "
            + "on a machine with few cores; so they are timed in the same stretch of time as the rest of their "
            + "round.";

    private OwnThreads() {
    }

    /** {@link NativeBlas#sgemmOwnThreads}, noted in {@link Timer#trace}. */
    static void sgemm(NativeBlas nb, int threads, boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a,
                      int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        Timer.note(CALL);
        nb.sgemmOwnThreads(threads, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
