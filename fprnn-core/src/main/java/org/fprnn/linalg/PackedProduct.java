package org.fprnn.linalg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products out = alpha r M + beta out with one float M (k x n) used for many of them, as in a
 * solver's iterations (MATH section 3.1's W r, rows are samples: r is B x k, out B x n, and M = W^T,
 * {@link #packTransposed}; or the adjoint's (g * lambda) W, M = W, {@link #pack}): M is packed once
 * into column panels and every product runs on a Java Vector API kernel. OpenBLAS packs W anew in
 * every call, which costs little on a whole batch but much on the solvers' chunks of rows
 * (ChunkedSolver): on an AVX-512 Xeon (OpenBLAS 0.3.31,
 * Cooperlake kernel, one thread, a scratch program timing both interleaved), 64-row calls of 64 x 300
 * by 300 x 300 took 1.32 to 1.37 times as long per row as one 512-row call, while this kernel took
 * 0.99 to 1.02 times the 512-row call on chunks of 32, 64 and 128 rows. {@code fprnn bench threads}
 * times the steps with and without it.
 *
 * <p>Shapes and layout: panel p holds columns [32 p, 32 p + 32) of M (zero past n), k rows of 32
 * floats each, so a panel is read in order; a last panel of at most 16 columns is 16 wide (N = 300:
 * nine panels of 32 and one of 16 make 304 columns of work, not 320). The kernel makes 12 or 8 rows
 * by 32 columns of out at a time (two 512-bit vectors per row; one vector in a 16-wide panel) in 24
 * or 16 of the 32 vector registers, each entry the sum over j = 0 .. k-1 of
 * r[i][j] M[j][c] accumulated in that order by fused multiply-adds from zero. An entry's bits thus
 * depend on its row of r and on M only: not on the number of rows, their split over threads or the
 * entry's place, so the results do not depend on the thread count or on chunking.
 *
 * <p>Only where the Vector API has 512-bit float vectors ({@link #supported()}): with 16 vector
 * registers (AVX2) an 8 x 32 tile does not fit them. Nothing is allocated per product after a
 * thread's first (its job object and scratch tile).
 */
public final class PackedProduct {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int V = FS.length();
    /** Columns of out per tile: two vectors. */
    static final int NR = 2 * V;
    /** Rows of out per tile. */
    static final int MR = 8;
    /** Fewest leftover rows (below a tile's 8) run as a padded tile rather than one by one. */
    private static final int PADDED_ROWS = 4;
    /** Fewest rows per block of a product split over the threads. */
    private static final int MIN_BLOCK_ROWS = 32;

    private static volatile boolean enabled = true;

    private final int n;
    private final int k;
    private final float[] panels;
    /** One job object per calling thread (chunks of a solve call products concurrently). */
    private final ThreadLocal<Job> jobs = ThreadLocal.withInitial(Job::new);
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /**
     * Room for an M of k x n, that is W^T for a W of n x k (n, k >= 1).
     *
     * @throws UnsupportedOperationException if {@link #supported()} is false
     */
    public PackedProduct(int n, int k) {
        if (!supported()) {
            throw new UnsupportedOperationException("packed products need 512-bit float vectors; this JVM has "
                    + FS.vectorBitSize() + "-bit ones");
        }
        if (n < 1 || k < 1) {
            throw new IllegalArgumentException("W must have at least one row and column, got " + n + " x " + k);
        }
        this.n = n;
        this.k = k;
        this.panels = new float[Math.multiplyExact(Math.multiplyExact(panels(n), k), NR)];
    }

    /**
     * True if this JVM's Vector API has 512-bit float vectors (AVX-512), the kernel's register tile,
     * and {@link #setEnabled} has not turned packed products off.
     */
    public static boolean supported() {
        return enabled && FS.vectorBitSize() >= 512;
    }

    /**
     * Turns packed products on or off for products prepared after the call (benchmarks time both
     * ways in one process); returns the previous setting.
     */
    public static boolean setEnabled(boolean on) {
        boolean before = enabled;
        enabled = on;
        return before;
    }

    /**
     * What serves the forward solves' products with a float W here, for results folders, --version
     * and benchmark pages: "packed for a float W of up to 2 MB (Java Vector API, 512-bit)" or "BLAS".
     */
    public static String solverProducts() {
        return supported() ? "packed for a float W of up to 2 MB (Java Vector API, " + FS.vectorBitSize() + "-bit)"
                : "BLAS";
    }

    /** True if this holds room for W^T of a float w, that is for {@link #packTransposed}(w). */
    public boolean fitsTransposed(Matrix w) {
        return w.rows == n && w.cols == k && w.precision() == Precision.FLOAT;
    }

    private static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    /** Columns of panel p: 32, or 16 for a last panel of at most 16 of M's columns. */
    private static int panelWidth(int n, int p) {
        int rest = n - p * NR;
        return rest < NR && rest <= V ? V : NR;
    }

    /** Packs M = w^T (w n x k, float): later products are r w^T, until the next pack. */
    public void packTransposed(Matrix w) {
        if (!fitsTransposed(w)) {
            throw new IllegalArgumentException("packed product for a float " + n + " x " + k + " W, got "
                    + w.precision() + " " + w.shape());
        }
        packing.source = ((FMatrix) w).data;
        try {
            RowParallel.forRows(panels(n), packing);
        } finally {
            packing.source = null;
        }
    }

    /**
     * Packs panels of W^T, on blocks of panels over the cores: copies only. At the start of every
     * solve, so on the calling thread alone it kept the other core waiting (about 0.4% of a JFR
     * profile's samples of the 2-thread P1-converged step).
     */
    private final class Transposing implements RowParallel.RowBlock {
        float[] source;

        @Override
        public void rows(int part, int from, int to) {
            float[] src = source;
            for (int p = from; p < to; p++) {
                int base = p * k * NR;
                int width = panelWidth(n, p);
                for (int c = 0; c < width; c++) {
                    int row = p * NR + c;
                    for (int j = 0; j < k; j++) {
                        panels[base + j * width + c] = row < n ? src[row * k + j] : 0f;
                    }
                }
            }
        }
    }

    private final Transposing packing = new Transposing();

    /** True if this holds room for a float m as M itself, that is for {@link #pack}(m). */
    public boolean fits(Matrix m) {
        return m.rows == k && m.cols == n && m.precision() == Precision.FLOAT;
    }

    /** Packs M = m (m k x n, float): later products are r m, until the next pack. */
    public void pack(Matrix m) {
        if (!fits(m)) {
            throw new IllegalArgumentException("packed product for a float " + k + " x " + n + " M, got "
                    + m.precision() + " " + m.shape());
        }
        float[] src = ((FMatrix) m).data;
        for (int p = 0; p < panels(n); p++) {
            int base = p * k * NR;
            int width = panelWidth(n, p);
            int cols = Math.min(width, n - p * NR);
            for (int j = 0; j < k; j++) {
                int to = base + j * width;
                System.arraycopy(src, j * n + p * NR, panels, to, cols);
                java.util.Arrays.fill(panels, to + cols, to + width, 0f);
            }
        }
    }

    /**
     * out = alpha r M + beta out (beta = 0: out is only written), M as last packed. r is B x k and
     * out B x n, both float. Rows are split over {@link RowParallel}'s threads when there are enough.
     */
    public void product(Matrix r, Matrix out, double alpha, double beta) {
        if (!(r instanceof FMatrix fr) || !(out instanceof FMatrix fo) || r.cols != k || out.cols != n
                || out.rows != r.rows || r == out) {
            throw new IllegalArgumentException("packed product r M with M " + k + " x " + n + ": r "
                    + r.precision() + " " + r.shape() + ", out " + out.precision() + " " + out.shape()
                    + (r == out ? " (the same matrix)" : ""));
        }
        int m = r.rows;
        if (m == 0) {
            return;
        }
        ProductTally.product(false, m, n, k);
        Job job = jobs.get();
        job.set(fr.data, fo.data, (float) alpha, (float) beta);
        try {
            int groups = (m + MR - 1) / MR;
            RowParallel.forRows(groups, MIN_BLOCK_ROWS / MR, job);
        } finally {
            job.clear();
        }
    }

    /** One product's operands, run on groups of MR rows. */
    private final class Job implements RowParallel.RowBlock {
        float[] r;
        float[] out;
        float alpha;
        float beta;
        /**
         * The last rows of a block that fill no tile, copied into a tile's rows (see {@link #rowsOf}).
         * Blocks are whole groups of MR rows except the one holding the last group, so only that block
         * uses it, even when the product's blocks run on several threads.
         */
        final float[] pad = new float[MR * k];

        void set(float[] r, float[] out, float alpha, float beta) {
            this.r = r;
            this.out = out;
            this.alpha = alpha;
            this.beta = beta;
        }

        void clear() {
            r = null;
            out = null;
        }

        @Override
        public void rows(int part, int fromGroup, int toGroup) {
            int rows = out.length / n;
            int lo = fromGroup * MR;
            int hi = Math.min(toGroup * MR, rows);
            rowsOf(r, out, lo, hi, alpha, beta, pad);
        }
    }

    /**
     * Rows [lo, hi) of out, panel by panel (a panel stays in L1 over the row tiles), in tiles of 12
     * rows and then of 8 (a whole number of tiles for every multiple of 8 rows: 32 = 12 + 12 + 8,
     * 64 = 4 x 12 + 2 x 8) where the product goes straight into out. A 12-row tile loads the panel's
     * two vectors once per 24 multiply-adds instead of 16: on an AVX-512 Xeon (one thread, N = 300,
     * thread CPU time, this product interleaved with the 8-row-only one in one process, 100 rounds),
     * products of 32 to 512 rows ran 1.02 to 1.11 times as fast in 12 of 13 runs, 0.98 in one. From 4
     * rows that
     * fill no tile of 8 on (compacted solves leave such counts: 36, 27, 20, ...), they are copied into
     * the first rows of {@code pad} and run as one tile, whose other rows are ignored; fewer run one by
     * one. A lone row's two accumulators wait on the FMA latency: about 2.5 times a tile row's time per
     * row (scratch timing, N = 300), so a tile is cheaper from 4 rows on. The sums and their order are
     * the same either way.
     */
    private void rowsOf(float[] r, float[] out, int lo, int hi, float alpha, float beta, float[] pad) {
        boolean plain = alpha == 1f && beta == 0f;
        int tiled = lo + (hi - lo) / MR * MR;
        int rest = hi - tiled;
        if (rest >= PADDED_ROWS) {
            System.arraycopy(r, tiled * k, pad, 0, rest * k);
        }
        float[] scratch = null;
        for (int p = 0; p < panels(n); p++) {
            int col = p * NR;
            int cols = Math.min(NR, n - col);
            int base = p * k * NR;
            boolean narrow = panelWidth(n, p) == V;
            int twelves = (tiled - lo) % 12 == 4 ? (tiled - lo - 16) / 12 : (tiled - lo) / 12;
            int from = lo;
            if (plain && cols == NR) {
                for (int t = 0; t < twelves; t++, from += 12) {
                    tile12(r, from * k, k, panels, base, out, from * n + col, n);
                }
            }
            for (int i = from; i < tiled; i += MR) {
                if (plain && cols == NR) {
                    tile(r, i * k, k, panels, base, out, i * n + col, n);
                } else {
                    scratch = scratch == null ? SCRATCH.get() : scratch;
                    if (narrow) {
                        narrowTile(r, i * k, k, panels, base, scratch);
                    } else {
                        tile(r, i * k, k, panels, base, scratch, 0, NR);
                    }
                    finish(scratch, MR, cols, out, i * n + col, alpha, beta);
                }
            }
            if (rest >= PADDED_ROWS) {
                scratch = scratch == null ? SCRATCH.get() : scratch;
                if (narrow) {
                    narrowTile(pad, 0, k, panels, base, scratch);
                } else {
                    tile(pad, 0, k, panels, base, scratch, 0, NR);
                }
                finish(scratch, rest, cols, out, tiled * n + col, alpha, beta);
            } else {
                for (int i = tiled; i < hi; i++) {
                    scratch = scratch == null ? SCRATCH.get() : scratch;
                    if (narrow) {
                        narrowRow(r, i * k, k, panels, base, scratch);
                    } else {
                        row(r, i * k, k, panels, base, scratch);
                    }
                    finish(scratch, 1, cols, out, i * n + col, alpha, beta);
                }
            }
        }
    }

    /** out rows [.. rows) at o, cols columns: alpha t + beta out (beta = 0: alpha t), t a tile of row stride NR. */
    private void finish(float[] t, int rows, int cols, float[] out, int o, float alpha, float beta) {
        for (int i = 0; i < rows; i++) {
            int to = o + i * n;
            int ti = i * NR;
            if (beta == 0f) {
                for (int c = 0; c < cols; c++) {
                    out[to + c] = alpha * t[ti + c];
                }
            } else {
                for (int c = 0; c < cols; c++) {
                    out[to + c] = alpha * t[ti + c] + beta * out[to + c];
                }
            }
        }
    }

    /**
     * The 8 x 32 tile: rows a0, a0 + k, .. of r (k entries each) by a panel from pBase, into c at co
     * with row stride ldc. A method of its own, small enough for C2 to keep the 16 accumulators in
     * registers (inside a larger method it boxed them: 70 times slower).
     */
    private static void tile(float[] r, int a0, int k, float[] p, int pBase, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(FS);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int j = 0; j < k; j++) {
            int po = pBase + j * NR;
            FloatVector b0 = FloatVector.fromArray(FS, p, po);
            FloatVector b1 = FloatVector.fromArray(FS, p, po + V);
            int ao = a0 + j;
            FloatVector a = FloatVector.broadcast(FS, r[ao]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FS, r[ao + k]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FS, r[ao + 2 * k]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FS, r[ao + 3 * k]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FS, r[ao + 4 * k]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FS, r[ao + 5 * k]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FS, r[ao + 6 * k]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FS, r[ao + 7 * k]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + V);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + V);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + V);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + V);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + V);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + V);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + V);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + V);
    }

    /**
     * The 12 x 32 tile: {@link #tile} for 12 rows, its sums in the same order, in 24 accumulators
     * (with the panel's two vectors and a broadcast, 27 of the 32 vector registers).
     */
    private static void tile12(float[] r, int a0, int k, float[] p, int pBase, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(FS);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        FloatVector c80 = c00;
        FloatVector c81 = c00;
        FloatVector c90 = c00;
        FloatVector c91 = c00;
        FloatVector ca0 = c00;
        FloatVector ca1 = c00;
        FloatVector cb0 = c00;
        FloatVector cb1 = c00;
        for (int j = 0; j < k; j++) {
            int po = pBase + j * NR;
            FloatVector b0 = FloatVector.fromArray(FS, p, po);
            FloatVector b1 = FloatVector.fromArray(FS, p, po + V);
            int ao = a0 + j;
            FloatVector a = FloatVector.broadcast(FS, r[ao]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(FS, r[ao + k]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(FS, r[ao + 2 * k]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(FS, r[ao + 3 * k]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(FS, r[ao + 4 * k]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(FS, r[ao + 5 * k]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(FS, r[ao + 6 * k]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(FS, r[ao + 7 * k]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(FS, r[ao + 8 * k]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(FS, r[ao + 9 * k]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(FS, r[ao + 10 * k]);
            ca0 = a.fma(b0, ca0);
            ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(FS, r[ao + 11 * k]);
            cb0 = a.fma(b0, cb0);
            cb1 = a.fma(b1, cb1);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + V);
        c10.intoArray(c, co + ldc);
        c11.intoArray(c, co + ldc + V);
        c20.intoArray(c, co + 2 * ldc);
        c21.intoArray(c, co + 2 * ldc + V);
        c30.intoArray(c, co + 3 * ldc);
        c31.intoArray(c, co + 3 * ldc + V);
        c40.intoArray(c, co + 4 * ldc);
        c41.intoArray(c, co + 4 * ldc + V);
        c50.intoArray(c, co + 5 * ldc);
        c51.intoArray(c, co + 5 * ldc + V);
        c60.intoArray(c, co + 6 * ldc);
        c61.intoArray(c, co + 6 * ldc + V);
        c70.intoArray(c, co + 7 * ldc);
        c71.intoArray(c, co + 7 * ldc + V);
        c80.intoArray(c, co + 8 * ldc);
        c81.intoArray(c, co + 8 * ldc + V);
        c90.intoArray(c, co + 9 * ldc);
        c91.intoArray(c, co + 9 * ldc + V);
        ca0.intoArray(c, co + 10 * ldc);
        ca1.intoArray(c, co + 10 * ldc + V);
        cb0.intoArray(c, co + 11 * ldc);
        cb1.intoArray(c, co + 11 * ldc + V);
    }

    /**
     * The 8 x 16 tile of a 16-wide panel (row stride V), into t with row stride NR: the same sums, in
     * the same order, as {@link #tile}. Eight accumulators: as many as the two FMA units keep busy.
     */
    private static void narrowTile(float[] r, int a0, int k, float[] p, int pBase, float[] t) {
        FloatVector c0 = FloatVector.zero(FS);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int j = 0; j < k; j++) {
            FloatVector b = FloatVector.fromArray(FS, p, pBase + j * V);
            int ao = a0 + j;
            c0 = FloatVector.broadcast(FS, r[ao]).fma(b, c0);
            c1 = FloatVector.broadcast(FS, r[ao + k]).fma(b, c1);
            c2 = FloatVector.broadcast(FS, r[ao + 2 * k]).fma(b, c2);
            c3 = FloatVector.broadcast(FS, r[ao + 3 * k]).fma(b, c3);
            c4 = FloatVector.broadcast(FS, r[ao + 4 * k]).fma(b, c4);
            c5 = FloatVector.broadcast(FS, r[ao + 5 * k]).fma(b, c5);
            c6 = FloatVector.broadcast(FS, r[ao + 6 * k]).fma(b, c6);
            c7 = FloatVector.broadcast(FS, r[ao + 7 * k]).fma(b, c7);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, NR);
        c2.intoArray(t, 2 * NR);
        c3.intoArray(t, 3 * NR);
        c4.intoArray(t, 4 * NR);
        c5.intoArray(t, 5 * NR);
        c6.intoArray(t, 6 * NR);
        c7.intoArray(t, 7 * NR);
    }

    /** One row a0 of r by a 16-wide panel, into t[0 .. V): the sums of {@link #narrowTile}. */
    private static void narrowRow(float[] r, int a0, int k, float[] p, int pBase, float[] t) {
        FloatVector c = FloatVector.zero(FS);
        for (int j = 0; j < k; j++) {
            c = FloatVector.broadcast(FS, r[a0 + j]).fma(FloatVector.fromArray(FS, p, pBase + j * V), c);
        }
        c.intoArray(t, 0);
    }

    /** One row a0 of r by a panel, into t[0 .. NR): the same sums, in the same order, as {@link #tile}. */
    private static void row(float[] r, int a0, int k, float[] p, int pBase, float[] t) {
        FloatVector c0 = FloatVector.zero(FS);
        FloatVector c1 = c0;
        for (int j = 0; j < k; j++) {
            int po = pBase + j * NR;
            FloatVector a = FloatVector.broadcast(FS, r[a0 + j]);
            c0 = a.fma(FloatVector.fromArray(FS, p, po), c0);
            c1 = a.fma(FloatVector.fromArray(FS, p, po + V), c1);
        }
        c0.intoArray(t, 0);
        c1.intoArray(t, V);
    }
}
