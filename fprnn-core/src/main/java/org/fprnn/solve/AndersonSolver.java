package org.fprnn.solve;

import java.util.ArrayList;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.AffineMinimizers;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowKernels;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;

/**
 * Anderson acceleration with per-sample mixing coefficients (MATH section 6 fact 7). Each sample
 * keeps, for its last m iterates X_j, the residuals F_j = Phi(X_j) - X_j and the damped steps
 * Y_j = X_j + beta F_j, and takes s <- sum_j a_j Y_j, with a = argmin ||sum_j a_j F_j|| subject to
 * sum_j a_j = 1 (solved per sample from an m x m Gram matrix kept up to date one row per iteration,
 * by a Cholesky factorization in double; a float network's Gram rows are dot products of its float
 * residuals summed in float lanes, the lanes added in double, {@link RowKernels}' dot); the sum is
 * formed as Y_k + sum_j a_j (Y_j - Y_k), whose rounding error scales with the differences of the
 * iterates). Mixing beta < 1 damps the step so
 * that maps whose plain iteration diverges (an eigenvalue of the Jacobian at -2, say) still converge
 * when the underlying dynamics are stable.
 *
 * <p>The per-sample work (residual, Gram row, mixing) runs on Vector API kernels
 * ({@link RowKernels}) whose results do not depend on the other samples, and nothing is allocated
 * per iteration.
 *
 * <p>Stopped samples leave the matrix products: once the samples still iterating fit into the next
 * size of the ladder B, 3B/4, 9B/16, ... ({@link SampleTracker#compact()}), they are packed, with
 * their histories, into matrices of that size and the map is restricted to them
 * ({@link BatchMap#restrict}). A batch whose median sample stops at 40 iterations and whose slowest
 * runs to 300 then pays for about the sum of its samples' iterations (within a factor 4/3) rather
 * than 300 times the batch. Each size has its own matrices, made at its first use: after the first
 * solves of a batch size, compactions allocate nothing.
 */
final class AndersonSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();
    private final String[] yKeys;
    private final String[] fKeys;
    private final Pass pass = new Pass();
    private final Gather gather;

    AndersonSolver(SolverConfig config) {
        this.config = config;
        int m = config.memory();
        gather = new Gather(m);
        yKeys = new String[m];
        fKeys = new String[m];
        for (int j = 0; j < m; j++) {
            yKeys[j] = "y" + j;
            fKeys[j] = "f" + j;
        }
    }

    /**
     * The working matrices of one compaction level: level 0 is the whole batch (the caller's state,
     * the rest in this solver's workspace), level j > 0 the rows kept by a compaction, in a
     * workspace of that level (which also holds the restricted map's rows). Level j has the j-th size
     * of the ladder below B ({@link SampleTracker#ladderStep()}), so for a given batch size its
     * matrices are made once and reused by every later solve. Each level keeps its row kernels.
     */
    private static final class Level {
        final Workspace ws;
        Rows rows;
        Matrix s;
        Matrix other;
        Matrix phi;
        /** The map's products ({@link BatchMap#applyProducts}): phi itself unless the map returns them. */
        Matrix prod;
        final Matrix[] ys;
        final Matrix[] fs;

        Level(Workspace ws, int m) {
            this.ws = ws;
            ys = new Matrix[m];
            fs = new Matrix[m];
        }
    }

    /** The compaction levels used so far, level 0 first. */
    private final ArrayList<Level> levels = new ArrayList<>();

    /**
     * Level {@code j}'s matrices for {@code count} rows (at level 0 the state is the caller's
     * {@code s0}) and their row kernels, made anew when one of the matrices, a shape or the thread
     * count changes; {@code keepProducts}: the products get a matrix of their own, Phi is finished
     * out of place.
     */
    private Level level(int j, Matrix s0, int count, int n, int m, double beta, boolean keepProducts) {
        while (levels.size() <= j) {
            levels.add(new Level(levels.isEmpty() ? ws : new Workspace(), m));
        }
        Level lv = levels.get(j);
        var p = s0.precision();
        lv.s = j == 0 ? s0 : lv.ws.get("s", count, n, p);
        lv.other = lv.ws.get("next", count, n, p);
        lv.phi = lv.ws.get("phi", count, n, p);
        lv.prod = keepProducts ? lv.ws.get("products", count, n, p) : lv.phi;
        for (int h = 0; h < m; h++) {
            lv.ys[h] = lv.ws.get(yKeys[h], count, n, p);
            lv.fs[h] = lv.ws.get(fKeys[h], count, n, p);
        }
        int parts = RowParallel.threads();
        if (lv.rows == null || !lv.rows.uses(lv.s, lv.other, lv.phi, lv.ys[0], parts)) {
            lv.rows = switch (lv.s) {
                case FMatrix sf -> new FloatRows(sf, (FMatrix) lv.other, (FMatrix) lv.phi, lv.ys, lv.fs, n, beta,
                        parts);
                case DMatrix sd -> new DoubleRows(sd, (DMatrix) lv.other, (DMatrix) lv.phi, lv.ys, lv.fs, beta,
                        parts);
            };
        }
        return lv;
    }

    /**
     * Iterates on the working rows only: once the samples still iterating fit into a smaller size
     * ({@link SampleTracker#worthCompacting()}), the stopped samples' states are written to their rows
     * of {@code s}, and the working rows kept (the active samples and a few stopped ones that fill the
     * size) are packed with their histories into the next level's matrices, with the map restricted
     * to them ({@link BatchMap#restrict}). Each
     * sample's iterates are its own as before, but their last bits may differ from an uncompacted
     * solve's: the matrix product rounds a row according to the number of rows and the row's place
     * among them (see {@link BatchMap#restrict}). Compaction depends on the samples' residuals only,
     * so the results are still the same for every thread count.
     *
     * <p>For a map that {@link BatchMap#returnsProducts() returns products}, each sample's row of
     * the products at the iteration it stops at (those of the state it keeps) is copied into the
     * result's products; a sample that runs to the limit leaves the result without them.
     */
    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        final int b = s.rows;
        final int n = s.cols;
        final int m = config.memory();
        final double beta = config.beta();
        final double tol = config.tol();
        final boolean keep = map.returnsProducts();
        Matrix products = keep ? ws.get("stopProducts", b, n, s.precision()) : null;
        Level lv = level(0, s, b, n, m, beta, keep);
        SampleTracker track = new SampleTracker(b, ws.ints("rowSamples", b), ws.ints("rowsMovedFrom", b));
        double[] gram = ws.doubles("gram", b * m * m);
        pass.begin(map, lv.rows, track, ws.doubles("raw", b), gram, ws.doubles("coef", b * m), ws.ints("mixes", b), m);
        double[] raw = pass.raw;
        int minRows = Math.max(1, RowParallel.minRows(n) / 4); // a row's work here is several passes
        BatchMap work = map;
        boolean swapped = false;
        for (int k = 0; k < config.maxIter() && track.remaining() > 0; k++) {
            int rows = track.workingRows();
            work.applyProducts(swapped ? lv.other : lv.s, lv.prod);
            pass.prod = lv.prod;
            pass.slot = k % m;
            pass.hist = Math.min(k + 1, m);
            RowParallel.forRows(rows, minRows, pass);
            for (int i = 0; i < rows; i++) {
                if (track.active(i) && track.stopIfDone(i, raw[i], k, tol, true)) {
                    lv.rows.keep(i * n, n); // a sample that stops keeps the state its residual was measured at
                    if (keep) {
                        products.copyRow(lv.prod, i, track.sample(i));
                    }
                }
            }
            lv.rows.swap();
            swapped = !swapped;
            if (track.worthCompacting() && k + 1 < config.maxIter()) {
                Level from = lv;
                Matrix cur = leave(from, swapped, s, track, false);
                int count = track.compact();
                lv = level(track.ladderStep(), s, count, n, m, beta, keep);
                // the states, also into the second buffer (the stopped samples kept to fill the size
                // are never updated, so both buffers must hold their states), and the histories
                gather.from[0] = cur;
                gather.to[0] = lv.s;
                gather.from[1] = cur;
                gather.to[1] = lv.other;
                for (int h = 0; h < m; h++) {
                    gather.from[2 + 2 * h] = from.ys[h];
                    gather.to[2 + 2 * h] = lv.ys[h];
                    gather.from[3 + 2 * h] = from.fs[h];
                    gather.to[3 + 2 * h] = lv.fs[h];
                }
                gather.run(track, 2 + 2 * m, n);
                for (int i = 0; i < count; i++) { // new row i <= old row movedFrom(i): the blocks move up
                    System.arraycopy(gram, track.movedFrom(i) * m * m, gram, i * m * m, m * m);
                }
                work = map.restrict(track.samples(), count, lv.ws);
                pass.map = work;
                pass.rows = lv.rows;
                swapped = false;
            }
        }
        Matrix cur = leave(lv, swapped, s, track, true);
        pass.end();
        boolean allStopped = track.remaining() == 0;
        SolveResult res = track.finish(work, cur, lv.phi, s, tol);
        return keep && allStopped ? res.withProducts(products) : res;
    }

    /**
     * A compaction's copies of the kept rows into the next level's matrices (each pair distinct
     * matrices), on row blocks over the cores: pure copies, so the bits do not depend on the split.
     */
    private static final class Gather implements RowParallel.RowBlock {
        final Matrix[] from;
        final Matrix[] to;
        private int pairs;
        private int[] movedFrom;

        Gather(int m) {
            from = new Matrix[2 + 2 * m];
            to = new Matrix[2 + 2 * m];
        }

        /** Row i of to[p] becomes row movedFrom(i) of from[p], for the working rows and p < pairs. */
        void run(SampleTracker track, int pairs, int n) {
            this.pairs = pairs;
            this.movedFrom = track.movedFromRows();
            RowParallel.forRows(track.workingRows(), Math.max(1, RowParallel.minRows(n) / pairs), this);
            java.util.Arrays.fill(from, null);
            java.util.Arrays.fill(to, null);
            movedFrom = null;
        }

        @Override
        public void rows(int part, int first, int end) {
            for (int p = 0; p < pairs; p++) {
                for (int i = first; i < end; i++) {
                    to[p].copyRow(from[p], movedFrom[i], i);
                }
            }
        }
    }

    /**
     * Leaves a level: its row kernels back in their unswapped order, and the states of its stopped
     * samples (of all its samples if {@code all}) written to their rows of the caller's {@code s}.
     *
     * @return the matrix holding the level's current states
     */
    private static Matrix leave(Level lv, boolean swapped, Matrix s, SampleTracker track, boolean all) {
        Matrix cur = swapped ? lv.other : lv.s;
        if (swapped) {
            lv.rows.swap();
        }
        track.saveStates(cur, s, all);
        return cur;
    }

    /**
     * One iteration's work on the rows of a block, each sample independent of the others: the rest of
     * Phi, the residual (divided by the sample's scale, into raw) and history entry, the Gram row,
     * the mixing coefficients and the mixed (or plain damped) next state.
     */
    private static final class Pass implements RowParallel.RowBlock {
        BatchMap map;
        Rows rows;
        /** This iteration's products: rows.phi() itself, or a matrix of their own that Phi is finished from. */
        Matrix prod;
        SampleTracker track;
        double[] raw;
        double[] gram;
        double[] coef;
        /** Per row: 1 if its mixing coefficients were solved, 0 for a plain damped step. */
        int[] mixes;
        int m;
        int slot;
        int hist;
        /** Per block: the coefficients' lane scratch, and the active rows of its chunk. */
        private AffineMinimizers[] minimizers = new AffineMinimizers[0];
        private int[][] active = new int[0][];

        void begin(BatchMap map, Rows rows, SampleTracker track, double[] raw, double[] gram, double[] coef,
                   int[] mixes, int m) {
            this.mixes = mixes;
            this.map = map;
            this.rows = rows;
            this.track = track;
            this.raw = raw;
            this.gram = gram;
            this.coef = coef;
            this.m = m;
            int parts = RowParallel.threads();
            int chunk = chunkRows(map.dim());
            if (minimizers.length < parts || minimizers[0].memory() != m || active[0].length < chunk) {
                minimizers = new AffineMinimizers[parts];
                active = new int[parts][chunk];
                for (int p = 0; p < parts; p++) {
                    minimizers[p] = new AffineMinimizers(m);
                }
            }
        }

        /** Rows per chunk: {@link RowChunks#rows}, rounded up to whole vectors of the coefficients' lanes. */
        private static int chunkRows(int n) {
            int lanes = AffineMinimizers.LANES;
            return (RowChunks.rows(n) + lanes - 1) / lanes * lanes;
        }

        void end() {
            map = null;
            track = null;
            prod = null;
        }

        /**
         * Per chunk of rows: Phi's rest, then each row's history entry and Gram row, then the rows'
         * small least-squares problems together, one sample per vector lane
         * ({@link AffineMinimizers}: each a chain of divisions and square roots that the lanes
         * share), then each row's mixing.
         */
        @Override
        public void rows(int part, int from, int to) {
            int n = map.dim();
            int chunk = chunkRows(n);
            int[] act = active[part];
            for (int c = from; c < to; c += chunk) {
                int end = Math.min(c + chunk, to);
                RowChunks.finish(map, prod, rows.phi(), track, c, end);
                int count = 0;
                for (int i = c; i < end; i++) {
                    if (track.active(i)) {
                        history(part, i, n);
                        act[count++] = i;
                    }
                }
                minimizers[part].solve(gram, hist, act, count, coef, mixes);
                for (int i = c; i < end; i++) {
                    if (track.active(i)) {
                        if (mixes[i] != 0) {
                            rows.mix(slot, coef, i * m, hist, i * n, n);
                        } else {
                            rows.step(slot, i * n, n); // a plain damped step, s + beta (Phi(s) - s)
                        }
                    }
                }
            }
        }

        /** A sample's history entry and the Gram row of its new residual, its row of Phi finished. */
        private void history(int part, int i, int n) {
            // the Gram row of the new residual against the history
            int g0 = i * m * m;
            raw[i] = map.residual(i, rows.residualGram(part, slot, hist, i * n, n, map.gramColumns(), gram,
                    g0 + slot * m));
            for (int j = 0; j < hist; j++) {
                gram[g0 + j * m + slot] = gram[g0 + slot * m + j];
            }
        }
    }

    /**
     * The per-sample row work of one iteration on the storage arrays of one precision (looked up
     * once, not per sample), reading the current state and writing the next into the other buffer.
     * The history keeps, per entry h, the residual F_h = Phi(X_h) - X_h and the damped step
     * Y_h = X_h + beta F_h, which is all the mixing needs (X_h itself is not kept). Methods taking a
     * part use that block's scratch.
     */
    private sealed interface Rows permits FloatRows, DoubleRows {
        /** True if these are the kernels on these matrices with scratch for this many blocks. */
        boolean uses(Matrix s, Matrix next, Matrix phi, Matrix y0, int parts);

        Matrix phi();

        /**
         * F_slot = phi - s and Y_slot = s + beta F_slot at row offset o, and the dot products of the
         * first {@code gramCols} entries of rows o of F_slot and F_j ({@link RowKernels}' dot) into
         * gram[g + j] for j < hist; returns max|F_slot| (NaN if any is NaN).
         */
        double residualGram(int part, int slot, int hist, int o, int n, int gramCols, double[] gram, int g);

        /**
         * next = sum_h a_h Y_h at row offset o, a_h = coef[c0 + h], formed as
         * Y_slot + sum_h a_h (Y_h - Y_slot) (accurate in float near convergence).
         */
        void mix(int slot, double[] coef, int c0, int hist, int o, int n);

        /** next = Y_slot at row offset o. */
        void step(int slot, int o, int n);

        /** next = current at row offset o. */
        void keep(int o, int n);

        /** The next state becomes the current one. */
        void swap();
    }

    private static final class FloatRows implements Rows {
        private float[] s;
        private float[] next;
        private final float[] phi;
        private final float[][] ys;
        private final float[][] fs;
        private final float beta;
        /** History entries whose Gram row {@link RowKernels#residualGram} makes in one pass. */
        private static final int FUSED_ROWS = 5;
        /** Per block: the lane scratch of the dot products. */
        private final double[][] lanes;
        /** Per block: the history rows other than the new one, their entries, and the dots of the pass. */
        private final float[][][] others;
        private final int[][] otherAt;
        private final double[][] dots;

        private final FMatrix sM;
        private final FMatrix nextM;
        private final FMatrix phiM;
        private final Matrix y0;

        FloatRows(FMatrix s, FMatrix next, FMatrix phi, Matrix[] ys, Matrix[] fs, int n, double beta, int parts) {
            this.sM = s;
            this.nextM = next;
            this.phiM = phi;
            this.y0 = ys[0];
            this.s = s.data;
            this.next = next.data;
            this.phi = phi.data;
            this.ys = new float[ys.length][];
            this.fs = new float[fs.length][];
            for (int j = 0; j < ys.length; j++) {
                this.ys[j] = ((FMatrix) ys[j]).data;
                this.fs[j] = ((FMatrix) fs[j]).data;
            }
            this.beta = (float) beta;
            this.lanes = new double[parts][];
            this.others = new float[parts][FUSED_ROWS - 1][];
            this.otherAt = new int[parts][FUSED_ROWS - 1];
            this.dots = new double[parts][FUSED_ROWS];
            for (int p = 0; p < parts; p++) {
                lanes[p] = RowKernels.laneScratch();
            }
        }

        @Override
        public boolean uses(Matrix s, Matrix next, Matrix phi, Matrix y0, int parts) {
            return s == sM && next == nextM && phi == phiM && y0 == this.y0 && parts <= lanes.length
                    && this.s == sM.data;
        }

        @Override
        public Matrix phi() {
            return phiM;
        }

        /**
         * One pass ({@link RowKernels#residualGram}) for the new residual and the Gram entries of the
         * first 4 other history rows (rows not in use point at phi, their dots ignored), then one dot
         * per further entry (memory above 5: the refined adjoint's 6). The bits are those of the
         * residual step followed by one dot per entry.
         */
        @Override
        public double residualGram(int part, int slot, int hist, int o, int n, int gramCols, double[] gram, int g) {
            if (gramCols < n) { // the rest of the row: its residual and step, no dot products
                double rest = RowKernels.residualStep(phi, s, fs[slot], ys[slot], beta, o + gramCols, n - gramCols);
                double lead = residualGram(part, slot, hist, o, gramCols, gramCols, gram, g);
                return Double.isNaN(rest) ? rest : Math.max(lead, rest);
            }
            float[][] r = others[part];
            int[] at = otherAt[part];
            int c = 0;
            int j = 0;
            for (; j < hist && c < FUSED_ROWS - 1; j++) {
                if (j != slot) {
                    r[c] = fs[j];
                    at[c++] = j;
                }
            }
            for (int k = c; k < FUSED_ROWS - 1; k++) {
                r[k] = phi;
            }
            double[] d = dots[part];
            double mx = RowKernels.residualGram(phi, s, fs[slot], ys[slot], beta, r[0], r[1], r[2], r[3], d, o, n,
                    lanes[part]);
            gram[g + slot] = d[0];
            for (int k = 0; k < c; k++) {
                gram[g + at[k]] = d[1 + k];
            }
            for (; j < hist; j++) {
                if (j != slot) {
                    gram[g + j] = RowKernels.dot(fs[slot], o, fs[j], o, n, lanes[part]);
                }
            }
            return mx;
        }

        @Override
        public void mix(int slot, double[] coef, int c0, int hist, int o, int n) {
            RowKernels.combine(next, ys, slot, coef, c0, hist, o, n);
        }

        @Override
        public void step(int slot, int o, int n) {
            System.arraycopy(ys[slot], o, next, o, n);
        }

        @Override
        public void keep(int o, int n) {
            System.arraycopy(s, o, next, o, n);
        }

        @Override
        public void swap() {
            float[] t = s;
            s = next;
            next = t;
        }
    }

    private static final class DoubleRows implements Rows {
        private double[] s;
        private double[] next;
        private final double[] phi;
        private final double[][] ys;
        private final double[][] fs;
        private final double beta;
        private final double[][] lanes;

        private final DMatrix sM;
        private final DMatrix nextM;
        private final DMatrix phiM;
        private final Matrix y0;

        DoubleRows(DMatrix s, DMatrix next, DMatrix phi, Matrix[] ys, Matrix[] fs, double beta, int parts) {
            this.sM = s;
            this.nextM = next;
            this.phiM = phi;
            this.y0 = ys[0];
            this.s = s.data;
            this.next = next.data;
            this.phi = phi.data;
            this.ys = new double[ys.length][];
            this.fs = new double[fs.length][];
            for (int j = 0; j < ys.length; j++) {
                this.ys[j] = ((DMatrix) ys[j]).data;
                this.fs[j] = ((DMatrix) fs[j]).data;
            }
            this.beta = beta;
            this.lanes = new double[parts][];
            for (int p = 0; p < parts; p++) {
                lanes[p] = RowKernels.laneScratch();
            }
        }

        @Override
        public boolean uses(Matrix s, Matrix next, Matrix phi, Matrix y0, int parts) {
            return s == sM && next == nextM && phi == phiM && y0 == this.y0 && parts <= lanes.length
                    && this.s == sM.data;
        }

        @Override
        public Matrix phi() {
            return phiM;
        }

        @Override
        public double residualGram(int part, int slot, int hist, int o, int n, int gramCols, double[] gram, int g) {
            double mx = RowKernels.residualStep(phi, s, fs[slot], ys[slot], beta, o, n);
            for (int j = 0; j < hist; j++) {
                gram[g + j] = RowKernels.dot(fs[slot], o, fs[j], o, gramCols, lanes[part]);
            }
            return mx;
        }

        @Override
        public void mix(int slot, double[] coef, int c0, int hist, int o, int n) {
            RowKernels.combine(next, ys, slot, coef, c0, hist, o, n);
        }

        @Override
        public void step(int slot, int o, int n) {
            System.arraycopy(ys[slot], o, next, o, n);
        }

        @Override
        public void keep(int o, int n) {
            System.arraycopy(s, o, next, o, n);
        }

        @Override
        public void swap() {
            double[] t = s;
            s = next;
            next = t;
        }
    }

    @Override public String name() { return "anderson"; }
    @Override public SolverConfig config() { return config; }
}
