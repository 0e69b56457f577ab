package org.fprnn.solve;

import java.util.concurrent.atomic.AtomicInteger;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;

/**
 * A solver run on the batch in chunks of consecutive rows, each chunk solved to the end on its own by
 * an unchunked solver of the same settings (MATH section 6 fact 7: every sample's iteration is
 * independent of the others', and each stops on its own). A chunk's working matrices (Anderson's
 * state, step, map output and m-entry history; Euler's state, step, map output and drive) take about
 * a megabyte, so its iterations run in the caches (a core's L2 and the shared L3) instead of
 * streaming the batch's matrices through them once per iteration, and the threads work on different
 * chunks, without meeting at every iteration's product and row pass.
 *
 * <p>The batch of B rows is cut into ceil(B / R) chunks of nearly equal size (R = {@link #rows}),
 * which depends on B, the width, the precision, the settings and (for float) whether packed products
 * serve, never on the thread count.
 * The chunks go to {@link RowParallel}'s threads one at a time (each thread its own solver,
 * workspace and map view; each product inside a chunk is one unsplit call on that thread,
 * {@link Blas#oneCallProducts}, with one thread as with several) when the map can
 * be used on several threads at once ({@link BatchMap#concurrentCopy()}), else one after the other on
 * the calling thread (the products and row passes inside a chunk then use the threads). A chunk's
 * result does not depend on which thread solved it or when, so the bits do not depend on the thread
 * count. They may differ in the last place from the unchunked solve's: the matrix product rounds a
 * row according to the number of rows and the row's place among them (see {@link BatchMap#restrict}).
 * A batch of at most R rows is solved whole, as the unchunked solver does.
 *
 * <p>The result holds, per sample, the state, residual, convergence flag and iteration count the
 * chunk's solve reported for it, as the unchunked solver reports them, and the products when every
 * chunk's solve returned them ({@link SolveResult#products()}). Nothing is allocated per
 * iteration: each thread keeps a solver and workspace for each of the (at most two) chunk sizes.
 */
final class ChunkedSolver implements Solver {
    /**
     * Working-set budget of an automatic chunk, in bytes: its {@link #matrices} R x N working matrices
     * (W, N x N, comes on top). Measured on P1's shape (N = 300, B = 512, float, 2-core EPYC, shared
     * machine, interleaved): Anderson chunks of 64 rows (1.0 MB) solved in 0.71 to 0.91 of the whole
     * batch's time over five runs, of 16 or 32 rows in 0.78 to 0.94, of 128 in 0.73 to 0.91, of 192
     * or 256 in 0.93 to 0.97.
     */
    static final long BUDGET_BYTES = 1L << 20;
    /**
     * Fewest rows of an automatic chunk: where the budget leaves fewer, the batch is solved whole
     * (products on few rows make poor use of BLAS; measured at N = 500, B = 128, chunks of 32 rows:
     * 0.91 to 1.10 of the whole batch's time, no clear gain).
     */
    static final int MIN_ROWS = 64;
    /**
     * Fewest rows of an automatic chunk of a float batch where packed products serve the dense
     * operators ({@link PackedProduct#supported()}: they do not repack W per call, so few rows cost
     * them no more per row). It lets the gradient's adjoint (Anderson with memory 6, 15 working
     * matrices: 48 rows fit at N = 300, so chunks of 32) be cut into chunks: its rule took 0.81 to 0.94
     * of the unchunked time at 2 threads, 0.92 to 0.97 at 1 (P1-converged's network and batch, 2-core
     * AVX-512 Xeon, interleaved scratch runs). Forward solves in chunks against the whole batch,
     * interleaved: N = 500, B = 128 in chunks of 32 rows 0.85 (2 threads) and 0.95 (1); N = 400,
     * B = 512 in chunks of 48 rows 0.97 and 1.01, in chunks of 32 rows 0.89 (2 threads).
     */
    static final int MIN_ROWS_PACKED = 32;
    /**
     * An automatic chunk's rows are a multiple of this: whole tiles of the product, and chunks that
     * split a batch of a power of two evenly. The gradient's adjoint at N = 300 (48 rows fit) took
     * 0.90 to 0.98 of the time in chunks of 32 rows that it took in chunks of 48 (11 chunks of 46 or 47
     * rows for B = 512), over three interleaved scratch runs (2 threads); P1-converged's forward solve
     * took 1.075 to 1.085 times as long in chunks of 48 as in chunks of 64, and the same in chunks of 32.
     */
    static final int ROUND_ROWS = 32;
    /**
     * Most rows of an automatic chunk. Euler's 4 working matrices would allow 128 rows at N = 300, but
     * P1's 500-step Euler solve (N = 300, B = 512, float, 2-core AVX-512 Xeon, packed products) took
     * 0.92 to 0.98 of the time in chunks of 64 rows that it took in chunks of 128 at 2 threads, in five
     * interleaved runs (no difference at 1 thread): twice as many chunks share the two threads more
     * evenly, and half the working set leaves more of the core's cache to W.
     */
    static final int MAX_ROWS = 64;
    /**
     * Fewest chunks worth cutting a batch into automatically: with fewer, a thread whose chunk holds a
     * slow sample works on alone while the others wait, where the whole batch's solve shares such
     * samples' last iterations between the threads (measured at N = 300, B = 128, two chunks of 64:
     * 0.95 to 1.34 of the whole batch's time).
     */
    static final int MIN_CHUNKS = 4;
    /**
     * Largest W, in bytes, with automatic chunks: each chunk's product reads all of W once per
     * iteration, so W must stay in the cache shared by the cores (measured at N = 1000, B = 512, W of
     * 4 MB, chunks of 64 rows: 1.17 and 1.26 of the whole batch's time at 1 and 2 threads).
     */
    static final long MAX_W_BYTES = 2L << 20;

    private final SolverConfig config;
    private final Solver whole;
    private Part[] parts = new Part[0];
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final Body body = new Body();
    /** The batch's products, gathered from the chunks' results. */
    private final Workspace ws = new Workspace();

    ChunkedSolver(SolverConfig config) {
        this.config = config;
        this.whole = Solvers.create(config.withChunkRows(SolverConfig.WHOLE_BATCH));
    }

    /**
     * Rows per chunk of a batch of b rows of n elements: {@code config.chunkRows()} when given (b or
     * more: the whole batch); automatically the rows whose {@link #matrices} working matrices fit
     * {@link #BUDGET_BYTES}, at most {@link #MAX_ROWS} and rounded down to a multiple of
     * {@link #ROUND_ROWS}, or the whole batch (b) if that is below {@link #MIN_ROWS} (float where
     * packed products serve: {@link #MIN_ROWS_PACKED}), leaves fewer than {@link #MIN_CHUNKS} chunks or
     * W is over {@link #MAX_W_BYTES}. Depends only on the settings, b, n, the precision and whether the
     * machine has packed products (never on the thread count).
     */
    static int rows(SolverConfig config, int b, int n, Precision p) {
        if (config.chunkRows() != SolverConfig.AUTO_CHUNK) {
            return Math.min(config.chunkRows(), b);
        }
        int bytes = p.bytes();
        if ((long) n * n * bytes > MAX_W_BYTES) {
            return b;
        }
        long fit = BUDGET_BYTES / ((long) matrices(config) * n * bytes);
        int r = (int) Math.min(MAX_ROWS, fit) / ROUND_ROWS * ROUND_ROWS;
        int min = p == Precision.FLOAT && PackedProduct.supported() ? MIN_ROWS_PACKED : MIN_ROWS;
        return r < min || chunks(b, r) < MIN_CHUNKS ? b : r;
    }

    /** The working matrices of one iteration of the method: Anderson 3 + 2 m, Euler and Picard 4. */
    static int matrices(SolverConfig config) {
        return config.method().equals("anderson") ? 3 + 2 * config.memory() : 4;
    }

    /** The number of chunks of a batch of b rows with chunks of about r rows. */
    static int chunks(int b, int r) {
        return (int) ((b + (long) r - 1) / r);
    }

    /** First row of chunk c of a batch of b rows in {@code count} chunks (c = count gives b). */
    static int chunkStart(int b, int count, int c) {
        return (int) ((long) b * c / count);
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        int b = s.rows;
        if (b == 0) {
            return whole.solve(map, s);    // an empty batch has no chunks (and rows() would give 0 rows per chunk)
        }
        int r = rows(config, b, s.cols, s.precision());
        int count = chunks(b, r);
        if (count <= 1) {
            return whole.solve(map, s);
        }
        BatchMap first = map.concurrentCopy();
        int threads = first == null ? 1 : Math.min(RowParallel.threads(), count);
        if (parts.length < threads) {
            Part[] grown = java.util.Arrays.copyOf(parts, threads);
            for (int p = parts.length; p < threads; p++) {
                grown[p] = new Part(config);
            }
            parts = grown;
        }
        for (int p = 0; p < threads; p++) {
            parts[p].map = first == null ? map : p == 0 ? first : map.concurrentCopy();
        }
        body.set(s, b, count, new double[b], new boolean[b], new int[b]);
        body.products = map.returnsProducts() ? ws.get("products", b, s.cols, s.precision()) : null;
        body.productsMissing = false;
        body.oneCall = first != null;
        nextChunk.set(0);
        try {
            if (first == null) {
                body.rows(0, 0, 1); // the products and row passes inside each chunk use the threads
            } else {
                RowParallel.forRows(threads, body);
            }
        } finally {
            for (int p = 0; p < threads; p++) {
                parts[p].map = null;
            }
        }
        int itMax = 0;
        for (int it : body.iterations) {
            itMax = Math.max(itMax, it);
        }
        SolveResult res = new SolveResult(s, body.residual, body.converged, body.iterations, itMax,
                body.productsMissing ? null : body.products);
        body.set(null, 0, 0, null, null, null);
        body.products = null;
        return res;
    }

    /** One thread's chunks, taken one at a time until none is left. */
    private final class Body implements RowParallel.RowBlock {
        private Matrix s;
        private int b;
        private int count;
        double[] residual;
        boolean[] converged;
        int[] iterations;
        /** The batch's products (null if the map returns none), and whether a chunk's solve had none. */
        Matrix products;
        volatile boolean productsMissing;

        void set(Matrix s, int b, int count, double[] residual, boolean[] converged, int[] iterations) {
            this.s = s;
            this.b = b;
            this.count = count;
            this.residual = residual;
            this.converged = converged;
            this.iterations = iterations;
        }

        /**
         * Chunks on threads of their own: each product inside a chunk is one call
         * ({@link Blas#oneCallProducts}).
         */
        boolean oneCall;

        @Override
        public void rows(int part, int from, int to) {
            Part p = parts[part];
            boolean before = oneCall && Blas.oneCallProducts(true);
            try {
                for (int c = nextChunk.getAndIncrement(); c < count; c = nextChunk.getAndIncrement()) {
                    int lo = chunkStart(b, count, c);
                    if (!p.solve(s, lo, chunkStart(b, count, c + 1) - lo, residual, converged, iterations, products)) {
                        productsMissing = true;
                    }
                }
            } finally {
                if (oneCall) {
                    Blas.oneCallProducts(before);
                }
            }
        }
    }

    /** A thread's solvers and workspaces, one per chunk size (a batch has at most two). */
    private static final class Part {
        private final SolverConfig config;
        private final Slot[] slots = new Slot[2];
        BatchMap map;

        Part(SolverConfig config) {
            this.config = config;
        }

        /**
         * Solves rows [lo, lo + rows) of s in place and writes their per-sample results, and their
         * products into {@code products} unless it is null.
         *
         * @return false if products were asked for and the chunk's solve returned none
         */
        boolean solve(Matrix s, int lo, int rows, double[] residual, boolean[] converged, int[] iterations,
                      Matrix products) {
            Slot slot = slot(rows);
            int[] idx = slot.ws.ints("rows", rows);
            for (int i = 0; i < rows; i++) {
                idx[i] = lo + i;
            }
            BatchMap m = map.restrict(idx, rows, slot.ws);
            Matrix cs = slot.ws.get("state", rows, s.cols, s.precision());
            for (int i = 0; i < rows; i++) {
                cs.copyRow(s, lo + i, i);
            }
            SolveResult res = slot.solver.solve(m, cs);
            Matrix out = res.state();
            for (int i = 0; i < rows; i++) {
                s.copyRow(out, i, lo + i);
            }
            System.arraycopy(res.residual(), 0, residual, lo, rows);
            System.arraycopy(res.converged(), 0, converged, lo, rows);
            System.arraycopy(res.iterations(), 0, iterations, lo, rows);
            if (products == null) {
                return true;
            }
            Matrix p = res.products();
            if (p == null) {
                return false;
            }
            for (int i = 0; i < rows; i++) {
                products.copyRow(p, i, lo + i);
            }
            return true;
        }

        /** The slot for chunks of this many rows, made at its first use (or when the batch size changes). */
        private Slot slot(int rows) {
            for (Slot sl : slots) {
                if (sl != null && sl.rows == rows) {
                    return sl;
                }
            }
            // replace the slot of a size this batch does not have (sizes differ by at most one)
            int k = slots[0] == null || (slots[1] != null && Math.abs(slots[0].rows - rows) > 1) ? 0 : 1;
            slots[k] = new Slot(rows, Solvers.create(config.withChunkRows(SolverConfig.WHOLE_BATCH)));
            return slots[k];
        }
    }

    /** A solver and workspace for chunks of one size. */
    private record Slot(int rows, Solver solver, Workspace ws) {
        Slot(int rows, Solver solver) {
            this(rows, solver, new Workspace());
        }
    }

    @Override public String name() { return whole.name(); }
    @Override public SolverConfig config() { return config; }
}
