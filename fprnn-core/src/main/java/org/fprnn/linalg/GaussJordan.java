package org.fprnn.linalg;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Solves M X = R in float for many right-hand sides at once (the columns of R, n x m) by
 * Gauss-Jordan elimination on the rows of [M | R] with partial pivoting, {@link #BLOCK} pivot
 * columns at a time, so that nearly all of its n^2 (n/2 + m) multiply-adds are one rank-16 update
 * per block of every row but the block's pivot rows, on row blocks over the cores.
 *
 * <p>For each block of pivot columns: the pivots are chosen on a copy of the block's columns (the
 * panel: an LU with partial pivoting of the rows not yet pivot rows, which also gives the pivot
 * block B = L U), B^{-1} is formed (BLOCK x BLOCK), and every other row subtracts its entries in the
 * block's columns times B^{-1} times the pivot rows, which makes those entries 0. The pivot rows
 * themselves stay B times what Gauss-Jordan would make of them ([I | ..] in the block's columns); a
 * later block updates them like any other row, which keeps that relation, so at the end each
 * block's rows of X are its B^{-1} times its pivot rows' last columns.
 *
 * <p>Rows never move: the pivot order is kept in a list, so each core keeps updating the rows it
 * updated before, in its own cache, and the serial part of a block (the panel's LU and B^{-1}) stays
 * short enough that the other cores wait for it spinning, not parked; each row writes its own
 * entries of the next block's panel when its update is done.
 *
 * <p>It serves the mean-gain preconditioner ({@code MeanGainPreconditioner}), which needs
 * Q = (I - W diag(gbar))^{-1} W for N up to 1024 once per solve or rule call. At N = 300 on this
 * project's 2-core AVX-512 machine (scratch programs, medians of interleaved calls), OpenBLAS's sgetrf
 * on one thread and its sgetrs with 300 right-hand sides on both cores took about 1.1 and 1.7 ms; this
 * solve 1.1 to 1.6 ms with one thread or two. It gains little from the second core: each core must
 * fetch the block's pivot rows that the other core updated last.
 *
 * <p>Every row's arithmetic depends only on its own entries, the pivot rows and the pivots, never on
 * the rows beside it, so the bits do not depend on the thread count or on the vector width; the
 * pivots are chosen on one thread. Gauss-Jordan's error grows with M's condition number a little
 * faster than that of LU with back substitution: for preconditioners and well-conditioned systems.
 * One instance keeps its buffers between calls (not thread-safe); nothing is allocated once they
 * have the size.
 */
public final class GaussJordan {
    /** Pivot columns per block: the rank of each update. */
    static final int BLOCK = 16;

    /** The machine's vectors, at most {@link #BLOCK} lanes: the widths are multiples of BLOCK. */
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.length() <= BLOCK
            ? FloatVector.SPECIES_PREFERRED : FloatVector.SPECIES_512;

    /**
     * Floats left unused at the end of each part's scratch array, so that two parts never write the
     * same cache line (the arrays of a part and the next lie side by side in the heap).
     */
    private static final int PAD = 16;

    /**
     * [M | R], each part's width rounded up to a multiple of {@link #BLOCK} (the pad columns are 0 and
     * never read back), so that every row's updated columns start and end on whole vectors.
     */
    private float[] t = new float[0];
    /**
     * The block's columns of the rows not yet pivot rows, column by column: entry (c, s) at
     * c * candidates + s for the s-th such row, {@code candidates[s]}.
     */
    private float[] panel = new float[0];
    /**
     * The rows not yet pivot rows (in T), in row order; during a block's LU its pivots are moved to
     * the front.
     */
    private int[] candidates = new int[0];
    /** Each row's place in {@link #candidates}, or -1 once it is a pivot row. */
    private int[] slotOf = new int[0];
    /** The pivot rows in pivot order: pivot k (column k of M) is row pivots[k] of T. */
    private int[] pivots = new int[0];
    /** The rows that are not the block's pivot rows, in row order: the update's rows. */
    private int[] others = new int[0];
    /** Each block's B^{-1} = (L U)^{-1}, BLOCK x BLOCK, row-major. */
    private float[] inverses = new float[0];
    private final Fill fill = new Fill();
    private final Update update = new Update();
    private final Finish finish = new Finish();

    /**
     * Overwrites {@code r} (n x m) with M^{-1} R; {@code m} (n x n) is not changed.
     *
     * @throws IllegalStateException if a pivot is zero or not finite: M is singular, or too close to
     *     it for float, or holds a non-finite value ({@code r} is then left as it was)
     */
    public void solve(FMatrix m, FMatrix r) {
        int n = m.rows;
        if (m.cols != n || r.rows != n) {
            throw new IllegalArgumentException("right-hand sides " + r.shape() + " for a " + m.shape() + " system");
        }
        int np = roundUp(n);
        int w = np + roundUp(r.cols);
        if (t.length < n * w) {
            t = new float[n * w];
        }
        if (candidates.length < n) {
            panel = new float[n * BLOCK];
            candidates = new int[n];
            slotOf = new int[n];
            pivots = new int[n];
            others = new int[n];
            inverses = new float[np * BLOCK];
        }
        fill.set(m, r, w, np);
        RowParallel.forRows((n + 3) / 4, fill);
        for (int k0 = 0; k0 < n; k0 += BLOCK) {
            int kb = Math.min(BLOCK, n - k0);
            int rows = n - k0;
            choosePivots(n, k0, kb);
            invertPivotBlock(rows, kb, k0 * BLOCK);
            int count = retirePivots(n, k0, kb);
            update.set(n, w, k0, kb, count);
            RowParallel.forRows((count + 3) / 4, update);
        }
        finish.set(r, n, w, np);
        RowParallel.forRows(np / BLOCK, finish);
    }

    /**
     * The block's pivots (the first kb candidates after its LU) leave the candidates, which go back
     * to row order, so that each core writes a range of the next panel of its own rather than cache
     * lines shared with another core; the rows other than the block's pivots are listed in
     * {@link #others}, in row order, and counted.
     */
    private int retirePivots(int n, int k0, int kb) {
        for (int j = 0; j < kb; j++) {
            pivots[k0 + j] = candidates[j];
            slotOf[candidates[j]] = -2;
        }
        int count = 0;
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (slotOf[i] != -2) {
                others[count++] = i;
            }
            if (slotOf[i] >= 0) {
                candidates[left] = i;
                slotOf[i] = left++;
            } else {
                slotOf[i] = -1;
            }
        }
        return count;
    }

    private static int roundUp(int cols) {
        return (cols + BLOCK - 1) / BLOCK * BLOCK;
    }

    /**
     * Row {@code row}'s entries in columns [k0, k0 + kb) into its place in the panel of {@code rows}
     * candidates, if it is one.
     */
    private void copyPanel(int w, int k0, int kb, int rows, int row) {
        int s = slotOf[row];
        if (s < 0) {
            return;
        }
        int o = row * w + k0;
        for (int c = 0; c < kb; c++) {
            panel[c * rows + s] = t[o + c];
        }
    }

    /**
     * Partial pivoting on the panel (the n - k0 candidates' entries in columns [k0, k0 + kb)): its
     * LU, the candidates (and their panel rows) reordered as the pivots are chosen, so that the first
     * kb hold the pivot block's unit-lower L and upper U.
     */
    private void choosePivots(int n, int k0, int kb) {
        int rows = n - k0;
        for (int j = 0; j < kb; j++) {
            int col = j * rows;
            float best = maxAbs(panel, col + j, col + rows);
            if (!(best > 0) || best == Float.POSITIVE_INFINITY) {
                throw new IllegalStateException("matrix is singular, or too close to it for float (pivot "
                        + (k0 + j + 1) + " of " + n + " is " + best + ")");
            }
            int p = firstAbsEqual(panel, col + j, col + rows, best) - col;
            if (p != j) {
                for (int c = 0; c < kb; c++) {
                    float x = panel[c * rows + j];
                    panel[c * rows + j] = panel[c * rows + p];
                    panel[c * rows + p] = x;
                }
                int x = candidates[j];
                candidates[j] = candidates[p];
                candidates[p] = x;
            }
            divide(panel, col + j + 1, col + rows, panel[col + j]);
            for (int c = j + 1; c < kb; c++) {
                eliminate(panel, col - c * rows, c * rows + j + 1, c * rows + rows, -panel[c * rows + j]);
            }
        }
    }

    /** The largest |x[i]| for i in [from, to) (NaN if one is NaN). */
    private static float maxAbs(float[] x, int from, int to) {
        int i = from;
        FloatVector mv = FloatVector.zero(FS);
        for (; i + FS.length() <= to; i += FS.length()) {
            mv = mv.max(FloatVector.fromArray(FS, x, i).abs());
        }
        float m = mv.reduceLanes(VectorOperators.MAX);
        for (; i < to; i++) {
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    /** The first i in [from, to) with |x[i]| == v, or -1. */
    private static int firstAbsEqual(float[] x, int from, int to, float v) {
        int i = from;
        for (; i + FS.length() <= to; i += FS.length()) {
            int lane = FloatVector.fromArray(FS, x, i).abs().compare(VectorOperators.EQ, v).firstTrue();
            if (lane < FS.length()) {
                return i + lane;
            }
        }
        for (; i < to; i++) {
            if (Math.abs(x[i]) == v) {
                return i;
            }
        }
        return -1;
    }

    /** x[i] /= d for i in [from, to). */
    private static void divide(float[] x, int from, int to, float d) {
        int i = from;
        FloatVector dv = FloatVector.broadcast(FS, d);
        for (; i + FS.length() <= to; i += FS.length()) {
            FloatVector.fromArray(FS, x, i).div(dv).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] /= d;
        }
    }

    /** x[i] = fma(a, x[i + shift], x[i]) for i in [from, to). */
    private static void eliminate(float[] x, int shift, int from, int to, float a) {
        int i = from;
        FloatVector av = FloatVector.broadcast(FS, a);
        for (; i + FS.length() <= to; i += FS.length()) {
            FloatVector.fromArray(FS, x, i + shift).fma(av, FloatVector.fromArray(FS, x, i)).intoArray(x, i);
        }
        for (; i < to; i++) {
            x[i] = Math.fma(a, x[i + shift], x[i]);
        }
    }

    /**
     * The pivot block's inverse (L U)^{-1}, kb x kb, into {@code inverses} from {@code base}, row-major
     * with rows of {@link #BLOCK} (zero outside kb x kb): L U X = I solved for all columns at once, row
     * by row (L's forward substitution, then U's back substitution). {@code rows}: the panel's
     * column length.
     */
    private void invertPivotBlock(int rows, int kb, int base) {
        float[] x = inverses;
        Arrays.fill(x, base, base + BLOCK * BLOCK, 0f);
        for (int i = 0; i < kb; i++) {
            int xi = base + i * BLOCK;
            x[xi + i] = 1f;
            for (int s = 0; s < i; s++) {
                rowFma(x, -panel[s * rows + i], base + s * BLOCK, xi);
            }
        }
        for (int i = kb - 1; i >= 0; i--) {
            int xi = base + i * BLOCK;
            for (int s = i + 1; s < kb; s++) {
                rowFma(x, -panel[s * rows + i], base + s * BLOCK, xi);
            }
            FloatVector d = FloatVector.broadcast(FS, panel[i * rows + i]);
            for (int v = 0; v < BLOCK; v += FS.length()) {
                FloatVector.fromArray(FS, x, xi + v).div(d).intoArray(x, xi + v);
            }
        }
    }

    /** x[to + v] = fma(a, x[from + v], x[to + v]) over a row of {@link #BLOCK}. */
    private static void rowFma(float[] x, float a, int from, int to) {
        FloatVector av = FloatVector.broadcast(FS, a);
        for (int v = 0; v < BLOCK; v += FS.length()) {
            FloatVector.fromArray(FS, x, from + v).fma(av, FloatVector.fromArray(FS, x, to + v)).intoArray(x, to + v);
        }
    }

    /**
     * Rows of [M | R] into T and the first block's panel, in groups of four rows on row blocks, so
     * that each core's rows start out in its own cache, as the updates will split them.
     */
    private final class Fill implements RowParallel.RowBlock {
        private FMatrix m;
        private FMatrix r;
        private int w;
        private int np;

        void set(FMatrix m, FMatrix r, int w, int np) {
            this.m = m;
            this.r = r;
            this.w = w;
            this.np = np;
        }

        @Override
        public void rows(int part, int first, int last) {
            int n = m.rows;
            int cols = r.cols;
            for (int i = 4 * first; i < Math.min(4 * last, n); i++) {
                int o = i * w;
                System.arraycopy(m.data, i * n, t, o, n);
                Arrays.fill(t, o + n, o + np, 0f);
                System.arraycopy(r.data, i * cols, t, o + np, cols);
                Arrays.fill(t, o + np + cols, o + w, 0f);
                candidates[i] = i;
                slotOf[i] = i;
                copyPanel(w, 0, Math.min(BLOCK, n), n, i);
            }
        }
    }

    /**
     * Every row but the block's pivot rows ({@link #others}), from the next block's first column on:
     * minus its entries in the block's columns times B^{-1} times the pivot rows, each pivot row
     * taken in order (one fused multiply-add each). Four rows at a time, two vectors of columns at a
     * time; the rows and the vector left over take the same steps in the same order. A row still a
     * candidate then writes its entries of the next block's panel.
     */
    private final class Update implements RowParallel.RowBlock {
        private int n;
        private int count;
        private int w;
        private int k0;
        private int kb;
        private int from;
        /** Each part's multipliers, four rows of {@link #BLOCK} (then a pad: see {@link #PAD}). */
        private float[][] multipliers = new float[0][];
        /** Where the block's pivot rows start in T, in pivot order. */
        private final int[] pivotOffsets = new int[BLOCK];

        void set(int n, int w, int k0, int kb, int count) {
            this.n = n;
            this.count = count;
            this.w = w;
            this.k0 = k0;
            this.kb = kb;
            this.from = roundUp(k0 + kb);
            for (int j = 0; j < kb; j++) {
                pivotOffsets[j] = pivots[k0 + j] * w;
            }
            if (multipliers.length < RowParallel.threads()) {
                multipliers = new float[RowParallel.threads()][4 * BLOCK + PAD];
            }
        }

        /** Groups [first, last) of four of the rows (the last group may be short). */
        @Override
        public void rows(int part, int first, int last) {
            float[] mul = multipliers[part];
            int vl = FS.length();
            int base = k0 * BLOCK;
            int i = 4 * first;
            int end = Math.min(4 * last, count);
            for (; i + 4 <= end; i += 4) {
                int o0 = others[i] * w;
                int o1 = others[i + 1] * w;
                int o2 = others[i + 2] * w;
                int o3 = others[i + 3] * w;
                negatedTimesInverse(t, o0 + k0, kb, inverses, base, mul, 0);
                negatedTimesInverse(t, o1 + k0, kb, inverses, base, mul, BLOCK);
                negatedTimesInverse(t, o2 + k0, kb, inverses, base, mul, 2 * BLOCK);
                negatedTimesInverse(t, o3 + k0, kb, inverses, base, mul, 3 * BLOCK);
                int c = from;
                for (; c + 2 * vl <= w; c += 2 * vl) {
                    tile(t, o0 + c, o1 + c, o2 + c, o3 + c, pivotOffsets, c, kb, mul);
                }
                for (; c < w; c += vl) {
                    narrowTile(t, o0 + c, o1 + c, o2 + c, o3 + c, pivotOffsets, c, kb, mul);
                }
                for (int q = i; q < i + 4; q++) {
                    nextPanel(others[q]);
                }
            }
            for (; i < end; i++) {
                int o0 = others[i] * w;
                negatedTimesInverse(t, o0 + k0, kb, inverses, base, mul, 0);
                for (int c = from; c < w; c += vl) {
                    rowTile(t, o0 + c, pivotOffsets, c, kb, mul);
                }
                nextPanel(others[i]);
            }
        }

        /** A candidate's entries of the next block's panel, now final. */
        private void nextPanel(int row) {
            int next = k0 + kb;
            if (next < n) {
                copyPanel(w, next, Math.min(BLOCK, n - next), n - next, row);
            }
        }
    }

    /**
     * mul[mo ..] = -(x[xo .. xo + kb) times the kb x kb inverse at inv[base ..]), rows of
     * {@link #BLOCK}: a row's multipliers of the pivot rows as they stand.
     */
    private static void negatedTimesInverse(float[] x, int xo, int kb, float[] inv, int base, float[] mul, int mo) {
        for (int v = 0; v < BLOCK; v += FS.length()) {
            FloatVector acc = FloatVector.zero(FS);
            for (int q = 0; q < kb; q++) {
                acc = FloatVector.fromArray(FS, inv, base + q * BLOCK + v).fma(FloatVector.broadcast(FS, -x[xo + q]), acc);
            }
            acc.intoArray(mul, mo + v);
        }
    }

    /**
     * X from the last state of [M | R]: each block's pivot rows hold B times their rows of [I | X], so
     * X's rows are the block's B^{-1} times the pivot rows' last columns. A block of X's rows at a time,
     * straight into R.
     */
    private final class Finish implements RowParallel.RowBlock {
        private FMatrix r;
        private int n;
        private int w;
        private int np;
        private float[][] rows = new float[0][];

        void set(FMatrix r, int n, int w, int np) {
            this.r = r;
            this.n = n;
            this.w = w;
            this.np = np;
            if (rows.length < RowParallel.threads() || rows[0].length < w - np + PAD) {
                rows = new float[RowParallel.threads()][w - np + PAD];
            }
        }

        @Override
        public void rows(int part, int first, int last) {
            float[] out = rows[part];
            int vl = FS.length();
            int m = r.cols;
            for (int b = first; b < last; b++) {
                int k0 = b * BLOCK;
                int kb = Math.min(BLOCK, n - k0);
                int base = k0 * BLOCK;
                for (int j = 0; j < kb; j++) {
                    for (int c = np; c < w; c += vl) {
                        FloatVector acc = FloatVector.zero(FS);
                        for (int q = 0; q < kb; q++) {
                            acc = FloatVector.fromArray(FS, t, pivots[k0 + q] * w + c)
                                    .fma(FloatVector.broadcast(FS, inverses[base + j * BLOCK + q]), acc);
                        }
                        acc.intoArray(out, c - np);
                    }
                    System.arraycopy(out, 0, r.data, (k0 + j) * m, m);
                }
            }
        }
    }

    /**
     * Four rows (from o0 .. o3) by two vectors of columns from c: each minus its kb multipliers
     * (negated, in {@code mul}, a row of {@link #BLOCK} each) times the pivot rows (starting at
     * {@code pivot[s]}). A method of its own, small enough for the JIT to keep the accumulators in
     * registers (C1 could not compile it inside the column loop, and the method then never reached
     * C2).
     */
    private static void tile(float[] t, int o0, int o1, int o2, int o3, int[] pivot, int c, int kb, float[] mul) {
        int vl = FS.length();
        FloatVector a0 = FloatVector.fromArray(FS, t, o0);
        FloatVector a1 = FloatVector.fromArray(FS, t, o0 + vl);
        FloatVector b0 = FloatVector.fromArray(FS, t, o1);
        FloatVector b1 = FloatVector.fromArray(FS, t, o1 + vl);
        FloatVector c0 = FloatVector.fromArray(FS, t, o2);
        FloatVector c1 = FloatVector.fromArray(FS, t, o2 + vl);
        FloatVector d0 = FloatVector.fromArray(FS, t, o3);
        FloatVector d1 = FloatVector.fromArray(FS, t, o3 + vl);
        for (int s = 0; s < kb; s++) {
            int ps = pivot[s] + c;
            FloatVector u0 = FloatVector.fromArray(FS, t, ps);
            FloatVector u1 = FloatVector.fromArray(FS, t, ps + vl);
            FloatVector m = FloatVector.broadcast(FS, mul[s]);
            a0 = u0.fma(m, a0);
            a1 = u1.fma(m, a1);
            m = FloatVector.broadcast(FS, mul[BLOCK + s]);
            b0 = u0.fma(m, b0);
            b1 = u1.fma(m, b1);
            m = FloatVector.broadcast(FS, mul[2 * BLOCK + s]);
            c0 = u0.fma(m, c0);
            c1 = u1.fma(m, c1);
            m = FloatVector.broadcast(FS, mul[3 * BLOCK + s]);
            d0 = u0.fma(m, d0);
            d1 = u1.fma(m, d1);
        }
        a0.intoArray(t, o0);
        a1.intoArray(t, o0 + vl);
        b0.intoArray(t, o1);
        b1.intoArray(t, o1 + vl);
        c0.intoArray(t, o2);
        c1.intoArray(t, o2 + vl);
        d0.intoArray(t, o3);
        d1.intoArray(t, o3 + vl);
    }

    /** {@link #tile} on one vector of columns. */
    private static void narrowTile(float[] t, int o0, int o1, int o2, int o3, int[] pivot, int c, int kb,
                                   float[] mul) {
        FloatVector a0 = FloatVector.fromArray(FS, t, o0);
        FloatVector b0 = FloatVector.fromArray(FS, t, o1);
        FloatVector c0 = FloatVector.fromArray(FS, t, o2);
        FloatVector d0 = FloatVector.fromArray(FS, t, o3);
        for (int s = 0; s < kb; s++) {
            FloatVector u0 = FloatVector.fromArray(FS, t, pivot[s] + c);
            a0 = u0.fma(FloatVector.broadcast(FS, mul[s]), a0);
            b0 = u0.fma(FloatVector.broadcast(FS, mul[BLOCK + s]), b0);
            c0 = u0.fma(FloatVector.broadcast(FS, mul[2 * BLOCK + s]), c0);
            d0 = u0.fma(FloatVector.broadcast(FS, mul[3 * BLOCK + s]), d0);
        }
        a0.intoArray(t, o0);
        b0.intoArray(t, o1);
        c0.intoArray(t, o2);
        d0.intoArray(t, o3);
    }

    /** {@link #tile} on one row and one vector of columns. */
    private static void rowTile(float[] t, int o0, int[] pivot, int c, int kb, float[] mul) {
        FloatVector a0 = FloatVector.fromArray(FS, t, o0);
        for (int s = 0; s < kb; s++) {
            a0 = FloatVector.fromArray(FS, t, pivot[s] + c).fma(FloatVector.broadcast(FS, mul[s]), a0);
        }
        a0.intoArray(t, o0);
    }
}
