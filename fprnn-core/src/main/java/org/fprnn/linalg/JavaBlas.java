package org.fprnn.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pure-Java matrix product on the Vector API: op(B) is packed into panels of NR columns, op(A) into
 * tiles of MR rows per block of KC inner indices, and an MR x NR register-blocked kernel accumulates
 * with fused multiply-adds.
 *
 * <p>Every element of C is the sum over p = 0, 1, ..., k-1 (in that order, one fma per term) of
 * op(A)[i][p] * op(B)[p][j], then C = alpha * sum + beta * C (beta = 0 ignores C, also NaN in it).
 * That order depends on neither the blocking nor the row split, so the bits are the same for every
 * thread count, interpreted or compiled. Large products split their rows over {@link #threads()}
 * tasks on the common fork-join pool.
 */
public final class JavaBlas implements Blas {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final int FV = FS.length();
    private static final int DV = DS.length();
    /** Rows per register tile. */
    private static final int MR = 4;
    /** Columns per register tile: two vectors. */
    private static final int FNR = 2 * FV;
    private static final int DNR = 2 * DV;
    /** Inner-index block (packed A tile and B panel slice stay in L1/L2). */
    private static final int KC = 256;
    /** Rows per block of packed A. */
    private static final int MC = 64;
    /** Products with fewer multiply-adds than this run on the calling thread only. */
    private static final long PARALLEL_MIN_WORK = 1L << 21;

    private volatile int threads;

    /** Thread count from FPRNN_THREADS / fprnn.threads, else the number of processors. */
    public JavaBlas() {
        int t = GemmArgs.requestedThreads();
        this.threads = t > 0 ? t : Runtime.getRuntime().availableProcessors();
    }

    public JavaBlas(int threads) {
        setThreads(threads);
    }

    /** Sets the number of row blocks a large product is split into (n >= 1); does not change results. */
    public void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        this.threads = n;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        int t = threads;
        return "Java Vector API (" + FS.vectorBitSize() + "-bit, " + t + (t == 1 ? " thread)" : " threads)");
    }

    @Override
    public String toString() {
        return name();
    }

    // ------------------------------------------------------------------ scratch

    /** Per-thread growable buffers; taken out of the ThreadLocal while in use, so nesting is safe. */
    private static final class Scratch {
        float[] f1 = new float[0];
        float[] f2 = new float[0];
        double[] d1 = new double[0];
        double[] d2 = new double[0];

        float[] f1(int n) {
            if (f1.length < n) {
                f1 = new float[n];
            }
            return f1;
        }

        float[] f2(int n) {
            if (f2.length < n) {
                f2 = new float[n];
            }
            return f2;
        }

        double[] d1(int n) {
            if (d1.length < n) {
                d1 = new double[n];
            }
            return d1;
        }

        double[] d2(int n) {
            if (d2.length < n) {
                d2 = new double[n];
            }
            return d2;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>();
    private static final ThreadLocal<Scratch> PANEL = new ThreadLocal<>();

    private static Scratch take(ThreadLocal<Scratch> tl) {
        Scratch s = tl.get();
        if (s == null) {
            return new Scratch();
        }
        tl.set(null);
        return s;
    }

    private static void give(ThreadLocal<Scratch> tl, Scratch s) {
        tl.set(s);
    }

    /** Runs body(0..parts-1) with part 0 on this thread and the others on the common pool. */
    private static void runParts(int parts, java.util.function.IntConsumer body) {
        if (parts == 1) {
            body.accept(0);
            return;
        }
        List<ForkJoinTask<?>> tasks = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int part = p;
            tasks.add(ForkJoinTask.adapt(() -> body.accept(part)).fork());
        }
        body.accept(0);
        for (ForkJoinTask<?> t : tasks) {
            t.join();
        }
    }

    private int parts(int m, int n, int k) {
        int t = threads;
        if (t <= 1 || (long) m * n * k < PARALLEL_MIN_WORK) {
            return 1;
        }
        return Math.max(1, Math.min(t, m / MR));
    }

    // ------------------------------------------------------------------ float

    @Override
    public void sgemm(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff,
                      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> {
                int panels = (n + FNR - 1) / FNR;
                Scratch ps = take(PANEL);
                try {
                    float[] bp = ps.f1(panels * k * FNR);
                    packB(tB, n, k, b, bOff, ldb, bp, panels);
                    int parts = parts(m, n, k);
                    if (parts == 1) {
                        // No lambda on the common path: a capturing lambda is an allocation per product
                        // whenever escape analysis gives up on it.
                        rowsF(tA, 0, m, n, k, alpha, a, aOff, lda, bp, panels, beta, c, cOff, ldc);
                        return;
                    }
                    int rowsPer = ((m + parts - 1) / parts + MR - 1) / MR * MR;
                    runParts(parts, part -> {
                        int i0 = part * rowsPer;
                        int i1 = Math.min(m, i0 + rowsPer);
                        if (i0 < i1) {
                            rowsF(tA, i0, i1, n, k, alpha, a, aOff, lda, bp, panels, beta, c, cOff, ldc);
                        }
                    });
                } finally {
                    give(PANEL, ps);
                }
            }
        }
    }

    private static void packB(boolean tB, int n, int k, float[] b, int bOff, int ldb, float[] bp, int panels) {
        for (int jp = 0; jp < panels; jp++) {
            int j0 = jp * FNR;
            int w = Math.min(FNR, n - j0);
            int base = jp * k * FNR;
            if (!tB) {
                for (int p = 0; p < k; p++) {
                    int dst = base + p * FNR;
                    System.arraycopy(b, bOff + p * ldb + j0, bp, dst, w);
                    for (int jj = w; jj < FNR; jj++) {
                        bp[dst + jj] = 0f;
                    }
                }
            } else {
                for (int jj = 0; jj < FNR; jj++) {
                    if (jj < w) {
                        int src = bOff + (j0 + jj) * ldb;
                        for (int p = 0; p < k; p++) {
                            bp[base + p * FNR + jj] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < k; p++) {
                            bp[base + p * FNR + jj] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Rows i0..i1 of C, block by block; w holds the running sums of one row block. */
    private static void rowsF(boolean tA, int i0, int i1, int n, int k, float alpha, float[] a, int aOff,
                              int lda, float[] bp, int panels, float beta, float[] c, int cOff, int ldc) {
        int nPad = panels * FNR;
        Scratch s = take(SCRATCH);
        try {
            float[] ap = s.f1(MC * KC);
            float[] w = s.f2(MC * nPad);
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                int tiles = (mc + MR - 1) / MR;
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    packA(tA, ic, mc, tiles, pc, kc, a, aOff, lda, ap);
                    for (int jp = 0; jp < panels; jp++) {
                        int bBase = (jp * k + pc) * FNR;
                        for (int t = 0; t < tiles; t++) {
                            kernelF(ap, t * kc * MR, bp, bBase, kc, w, t * MR * nPad + jp * FNR, nPad, pc == 0);
                        }
                    }
                }
                finishF(mc, n, alpha, w, nPad, beta, c, cOff + ic * ldc, ldc);
            }
        } finally {
            give(SCRATCH, s);
        }
    }

    private static void packA(boolean tA, int ic, int mc, int tiles, int pc, int kc, float[] a, int aOff,
                              int lda, float[] ap) {
        for (int t = 0; t < tiles; t++) {
            int base = t * kc * MR;
            for (int r = 0; r < MR; r++) {
                int i = t * MR + r;
                if (i < mc) {
                    int row = ic + i;
                    if (!tA) {
                        int src = aOff + row * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = a[src + p];
                        }
                    } else {
                        int src = aOff + pc * lda + row;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = a[src + p * lda];
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    private static void kernelF(float[] ap, int aIdx, float[] bp, int bIdx, int kc, float[] w, int wIdx,
                                int ldw, boolean first) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (first) {
            c00 = FloatVector.zero(FS);
            c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
        } else {
            c00 = FloatVector.fromArray(FS, w, wIdx);
            c01 = FloatVector.fromArray(FS, w, wIdx + FV);
            c10 = FloatVector.fromArray(FS, w, wIdx + ldw);
            c11 = FloatVector.fromArray(FS, w, wIdx + ldw + FV);
            c20 = FloatVector.fromArray(FS, w, wIdx + 2 * ldw);
            c21 = FloatVector.fromArray(FS, w, wIdx + 2 * ldw + FV);
            c30 = FloatVector.fromArray(FS, w, wIdx + 3 * ldw);
            c31 = FloatVector.fromArray(FS, w, wIdx + 3 * ldw + FV);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bIdx + p * FNR;
            FloatVector b0 = FloatVector.fromArray(FS, bp, bi);
            FloatVector b1 = FloatVector.fromArray(FS, bp, bi + FV);
            int ai = aIdx + p * MR;
            FloatVector a0 = FloatVector.broadcast(FS, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(FS, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(FS, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(FS, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(w, wIdx);
        c01.intoArray(w, wIdx + FV);
        c10.intoArray(w, wIdx + ldw);
        c11.intoArray(w, wIdx + ldw + FV);
        c20.intoArray(w, wIdx + 2 * ldw);
        c21.intoArray(w, wIdx + 2 * ldw + FV);
        c30.intoArray(w, wIdx + 3 * ldw);
        c31.intoArray(w, wIdx + 3 * ldw + FV);
    }

    /** C = alpha * w + beta * C on mc rows (beta == 0: C = alpha * w). */
    private static void finishF(int mc, int n, float alpha, float[] w, int ldw, float beta, float[] c, int cOff,
                                int ldc) {
        int nv = n - n % FV;
        FloatVector va = FloatVector.broadcast(FS, alpha);
        for (int i = 0; i < mc; i++) {
            int wr = i * ldw;
            int cr = cOff + i * ldc;
            int j = 0;
            if (beta == 0) {
                for (; j < nv; j += FV) {
                    FloatVector.fromArray(FS, w, wr + j).mul(va).intoArray(c, cr + j);
                }
                for (; j < n; j++) {
                    c[cr + j] = w[wr + j] * alpha;
                }
            } else {
                FloatVector vb = FloatVector.broadcast(FS, beta);
                for (; j < nv; j += FV) {
                    FloatVector cv = FloatVector.fromArray(FS, c, cr + j).mul(vb);
                    FloatVector.fromArray(FS, w, wr + j).fma(va, cv).intoArray(c, cr + j);
                }
                for (; j < n; j++) {
                    c[cr + j] = Math.fma(w[wr + j], alpha, c[cr + j] * beta);
                }
            }
        }
    }

    // ------------------------------------------------------------------ double

    @Override
    public void dgemm(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int aOff,
                      int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> {
                int panels = (n + DNR - 1) / DNR;
                Scratch ps = take(PANEL);
                try {
                    double[] bp = ps.d1(panels * k * DNR);
                    packB(tB, n, k, b, bOff, ldb, bp, panels);
                    int parts = parts(m, n, k);
                    if (parts == 1) {
                        // No lambda on the common path: a capturing lambda is an allocation per product
                        // whenever escape analysis gives up on it.
                        rowsD(tA, 0, m, n, k, alpha, a, aOff, lda, bp, panels, beta, c, cOff, ldc);
                        return;
                    }
                    int rowsPer = ((m + parts - 1) / parts + MR - 1) / MR * MR;
                    runParts(parts, part -> {
                        int i0 = part * rowsPer;
                        int i1 = Math.min(m, i0 + rowsPer);
                        if (i0 < i1) {
                            rowsD(tA, i0, i1, n, k, alpha, a, aOff, lda, bp, panels, beta, c, cOff, ldc);
                        }
                    });
                } finally {
                    give(PANEL, ps);
                }
            }
        }
    }

    private static void packB(boolean tB, int n, int k, double[] b, int bOff, int ldb, double[] bp, int panels) {
        for (int jp = 0; jp < panels; jp++) {
            int j0 = jp * DNR;
            int w = Math.min(DNR, n - j0);
            int base = jp * k * DNR;
            if (!tB) {
                for (int p = 0; p < k; p++) {
                    int dst = base + p * DNR;
                    System.arraycopy(b, bOff + p * ldb + j0, bp, dst, w);
                    for (int jj = w; jj < DNR; jj++) {
                        bp[dst + jj] = 0.0;
                    }
                }
            } else {
                for (int jj = 0; jj < DNR; jj++) {
                    if (jj < w) {
                        int src = bOff + (j0 + jj) * ldb;
                        for (int p = 0; p < k; p++) {
                            bp[base + p * DNR + jj] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < k; p++) {
                            bp[base + p * DNR + jj] = 0.0;
                        }
                    }
                }
            }
        }
    }

    private static void rowsD(boolean tA, int i0, int i1, int n, int k, double alpha, double[] a, int aOff,
                              int lda, double[] bp, int panels, double beta, double[] c, int cOff, int ldc) {
        int nPad = panels * DNR;
        Scratch s = take(SCRATCH);
        try {
            double[] ap = s.d1(MC * KC);
            double[] w = s.d2(MC * nPad);
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                int tiles = (mc + MR - 1) / MR;
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    packA(tA, ic, mc, tiles, pc, kc, a, aOff, lda, ap);
                    for (int jp = 0; jp < panels; jp++) {
                        int bBase = (jp * k + pc) * DNR;
                        for (int t = 0; t < tiles; t++) {
                            kernelD(ap, t * kc * MR, bp, bBase, kc, w, t * MR * nPad + jp * DNR, nPad, pc == 0);
                        }
                    }
                }
                finishD(mc, n, alpha, w, nPad, beta, c, cOff + ic * ldc, ldc);
            }
        } finally {
            give(SCRATCH, s);
        }
    }

    private static void packA(boolean tA, int ic, int mc, int tiles, int pc, int kc, double[] a, int aOff,
                              int lda, double[] ap) {
        for (int t = 0; t < tiles; t++) {
            int base = t * kc * MR;
            for (int r = 0; r < MR; r++) {
                int i = t * MR + r;
                if (i < mc) {
                    int row = ic + i;
                    if (!tA) {
                        int src = aOff + row * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = a[src + p];
                        }
                    } else {
                        int src = aOff + pc * lda + row;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = a[src + p * lda];
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = 0.0;
                    }
                }
            }
        }
    }

    private static void kernelD(double[] ap, int aIdx, double[] bp, int bIdx, int kc, double[] w, int wIdx,
                                int ldw, boolean first) {
        DoubleVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (first) {
            c00 = DoubleVector.zero(DS);
            c01 = c00; c10 = c00; c11 = c00; c20 = c00; c21 = c00; c30 = c00; c31 = c00;
        } else {
            c00 = DoubleVector.fromArray(DS, w, wIdx);
            c01 = DoubleVector.fromArray(DS, w, wIdx + DV);
            c10 = DoubleVector.fromArray(DS, w, wIdx + ldw);
            c11 = DoubleVector.fromArray(DS, w, wIdx + ldw + DV);
            c20 = DoubleVector.fromArray(DS, w, wIdx + 2 * ldw);
            c21 = DoubleVector.fromArray(DS, w, wIdx + 2 * ldw + DV);
            c30 = DoubleVector.fromArray(DS, w, wIdx + 3 * ldw);
            c31 = DoubleVector.fromArray(DS, w, wIdx + 3 * ldw + DV);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bIdx + p * DNR;
            DoubleVector b0 = DoubleVector.fromArray(DS, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(DS, bp, bi + DV);
            int ai = aIdx + p * MR;
            DoubleVector a0 = DoubleVector.broadcast(DS, ap[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(DS, ap[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(DS, ap[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(DS, ap[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(w, wIdx);
        c01.intoArray(w, wIdx + DV);
        c10.intoArray(w, wIdx + ldw);
        c11.intoArray(w, wIdx + ldw + DV);
        c20.intoArray(w, wIdx + 2 * ldw);
        c21.intoArray(w, wIdx + 2 * ldw + DV);
        c30.intoArray(w, wIdx + 3 * ldw);
        c31.intoArray(w, wIdx + 3 * ldw + DV);
    }

    private static void finishD(int mc, int n, double alpha, double[] w, int ldw, double beta, double[] c,
                                int cOff, int ldc) {
        int nv = n - n % DV;
        DoubleVector va = DoubleVector.broadcast(DS, alpha);
        for (int i = 0; i < mc; i++) {
            int wr = i * ldw;
            int cr = cOff + i * ldc;
            int j = 0;
            if (beta == 0) {
                for (; j < nv; j += DV) {
                    DoubleVector.fromArray(DS, w, wr + j).mul(va).intoArray(c, cr + j);
                }
                for (; j < n; j++) {
                    c[cr + j] = w[wr + j] * alpha;
                }
            } else {
                DoubleVector vb = DoubleVector.broadcast(DS, beta);
                for (; j < nv; j += DV) {
                    DoubleVector cv = DoubleVector.fromArray(DS, c, cr + j).mul(vb);
                    DoubleVector.fromArray(DS, w, wr + j).fma(va, cv).intoArray(c, cr + j);
                }
                for (; j < n; j++) {
                    c[cr + j] = Math.fma(w[wr + j], alpha, c[cr + j] * beta);
                }
            }
        }
    }
}
