package org.fprnn.linalg;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenBLAS's cblas_sgemm / cblas_dgemm through the FFM API. The downcalls are critical with heap
 * access, so the float[] / double[] arrays are handed to OpenBLAS in place, without copies. Every
 * call is checked in Java first ({@link GemmArgs}); degenerate products (m, n or k = 0, alpha = 0)
 * never reach the library. With beta = 0 OpenBLAS overwrites C without reading it (NaN in C does
 * not leak; GemmTest checks it at the shapes fprnn uses), so no pass of ours clears C first.
 *
 * <p>Threads: OpenBLAS itself runs on one thread. A large product is split into a fixed number of
 * blocks of rows of C (of columns, when C is wider than tall; the boundaries at multiples of 32),
 * each one single-threaded OpenBLAS call, and the blocks run on {@link RowParallel}'s threads. The
 * split depends on the shape and the machine's core count only, never on the thread count, so the
 * bits are the same with 1 thread and with 2: OpenBLAS's own threading, and any other split, changes them (its kernels round
 * differently with the partition; ThreadCountDeterminismTest). For fixed shapes OpenBLAS gives
 * the same bits on every run.
 *
 * <p>The library is {@link NativeLibrary}'s (FPRNN_OPENBLAS / fprnn.openblas, else the first source
 * of {@link NativeLibrary#PREFERENCE} that loads), the one {@link Lapack} uses too. The thread count is FPRNN_THREADS / fprnn.threads, else the number
 * of processors, unless {@link #setThreads(int)} sets it.
 */
@SuppressWarnings("restricted") // the FFM calls are the point of this class; run with --enable-native-access
public final class NativeBlas implements Blas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private static final Object LOCK = new Object();
    private static NativeBlas loaded;

    private final String origin;
    private final String library;
    private final String config;
    /** True for {@link #load()}'s instance, whose products go through the constant {@link Downcalls}. */
    private final boolean processWide;
    private final MethodHandle sgemm;
    private final MethodHandle dgemm;
    private final MethodHandle getThreads;
    private final MethodHandle setThreads;

    private NativeBlas(NativeLibrary.Loaded lib, boolean processWide) {
        String library = lib.path();
        SymbolLookup lookup = lib.lookup();
        Linker linker = Linker.nativeLinker();
        Linker.Option critical = Linker.Option.critical(true);
        ValueLayout i32 = ValueLayout.JAVA_INT;
        MemorySegment sg = lookup.find("cblas_sgemm").orElseThrow(
                () -> new UnsatisfiedLinkError("cblas_sgemm not found in " + library));
        MemorySegment dg = lookup.find("cblas_dgemm").orElseThrow(
                () -> new UnsatisfiedLinkError("cblas_dgemm not found in " + library));
        this.sgemm = linker.downcallHandle(sg, FunctionDescriptor.ofVoid(i32, i32, i32, i32, i32, i32,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, i32, ValueLayout.ADDRESS, i32,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, i32), critical);
        this.dgemm = linker.downcallHandle(dg, FunctionDescriptor.ofVoid(i32, i32, i32, i32, i32, i32,
                ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, i32, ValueLayout.ADDRESS, i32,
                ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, i32), critical);
        this.getThreads = lookup.find("openblas_get_num_threads")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(i32))).orElse(null);
        this.setThreads = lookup.find("openblas_set_num_threads")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.ofVoid(i32))).orElse(null);
        String built = NativeLibrary.string(lookup, "openblas_get_config", 4096);
        String cfg = built != null ? built : "OpenBLAS";
        if (lib.kernel() != null) {
            cfg = cfg + ", kernel " + lib.kernel();
        }
        this.origin = lib.origin();
        this.library = library;
        this.config = cfg;
        this.processWide = processWide;
    }

    /** The library this instance's products call: null for the process-wide one ({@link Downcalls}), else itself. */
    private NativeBlas via() {
        return processWide ? null : this;
    }

    /**
     * The process-wide binding, loaded on first use.
     *
     * @throws UnsatisfiedLinkError if no OpenBLAS with cblas_sgemm and cblas_dgemm is found (see
     *     {@link NativeLibrary}, which reports it once)
     */
    public static NativeBlas load() {
        synchronized (LOCK) {
            if (loaded == null) {
                NativeLibrary.Loaded lib = NativeLibrary.openBlas();
                NativeBlas nb = new NativeBlas(lib, true);
                nb.setOpenBlasThreads(1); // the blocks of a product are threaded by RowParallel instead
                loaded = nb;
            }
            return loaded;
        }
    }

    /**
     * Every native OpenBLAS this machine offers, one per {@link NativeLibrary.Source} that loads (the
     * bundled one, the system's), each bound on its own beside the process-wide {@link #load()}: for
     * benchmarks that compare the libraries in one process through the same binding. Their products
     * are split and threaded as the process-wide one's, but call their own library; the solvers and
     * LU keep using the process-wide library. Two different builds loaded side by side are safe:
     * FFM loads each with its own symbols (RTLD_LOCAL), and each runs on one thread of its own
     * pool. A library that is already loaded (the process-wide one, say) is shared, not loaded again.
     *
     * @return the libraries that load, in {@link NativeLibrary#PREFERENCE} order (possibly none;
     *     none when FPRNN_BLAS = java asks for no native code)
     */
    public static List<NativeBlas> everyLibrary() {
        List<NativeBlas> all = new ArrayList<>();
        if (!NativeLibrary.wanted()) {
            return all;
        }
        for (NativeLibrary.Source source : NativeLibrary.PREFERENCE) {
            NativeLibrary.Loaded lib;
            try {
                lib = NativeLibrary.openPreferred(List.of(source));
            } catch (UnsatisfiedLinkError e) {
                continue;
            }
            NativeBlas nb = new NativeBlas(lib, false);
            nb.setOpenBlasThreads(1);
            all.add(nb);
        }
        return all;
    }

    /** True if OpenBLAS loads on this machine. */
    public static boolean isAvailable() {
        try {
            load();
            return true;
        } catch (Throwable t) {
            return false;
        }
    }

    /** How the library was found: "bundled org.bytedeco:openblas VERSION", "system" or "FPRNN_OPENBLAS". */
    public String origin() {
        return origin;
    }

    /** The path or name the library was loaded from. */
    public String library() {
        return library;
    }

    /**
     * The file name of {@link #library()}, without its folder: what committed pages record, as they
     * must not carry a machine's absolute paths.
     */
    public String libraryFile() {
        return java.nio.file.Path.of(library).getFileName().toString();
    }

    /** OpenBLAS's configuration and kernel (openblas_get_config, openblas_get_corename), e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH ..., kernel Zen". */
    public String config() {
        return config;
    }

    /** Sets the thread count of products and row work (process-wide; n >= 1): {@link RowParallel}'s. */
    public void setThreads(int n) {
        RowParallel.setThreads(n);
    }

    private void setOpenBlasThreads(int n) {
        if (setThreads == null) {
            return;
        }
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** Threads a product's blocks run on ({@link RowParallel#threads()}); OpenBLAS itself uses one. */
    @Override
    public int threads() {
        return RowParallel.threads();
    }

    /** OpenBLAS's own thread count (1 once loaded: fprnn threads the blocks of a product itself). */
    public int openBlasThreads() {
        if (getThreads == null) {
            return 1;
        }
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_num_threads failed", t);
        }
    }

    /**
     * OpenBLAS's configuration and kernel (openblas_get_config, openblas_get_corename), where the
     * library came from and its file name, and the thread count, e.g. "OpenBLAS 0.3.21 ... Zen
     * MAX_THREADS=64, kernel Zen [system: libopenblas.so.0] (native, 2 threads)". Benchmark sections,
     * results folders and fprnn --version record it; it names no folder, because committed pages must
     * not carry a machine's absolute paths ({@link #library()} has the whole path).
     */
    @Override
    public String name() {
        int t = threads();
        return config + " [" + origin + ": " + libraryFile() + "] (native, " + t + (t == 1 ? " thread)" : " threads)");
    }

    @Override
    public void sgemm(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff,
                      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> product(via(), false, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@link #sgemm} on matrices from element offsets on (0 for whole matrices; a range of columns of
     * a row batch, with its row length as the leading dimension) through the heap segments they keep
     * ({@link Matrix#segment()}, {@link Matrix#segmentAt(long)}): nothing is allocated per product
     * once the offsets have been seen. (A new segment per argument, as the array form makes, is
     * usually scalar-replaced, but its memory session was seen to escape in some compilations: 96 to
     * 216 bytes per product.)
     */
    void sgemmAt(boolean tA, boolean tB, int m, int n, int k, float alpha, FMatrix a, int aOff, int lda, FMatrix b,
                 int bOff, int ldb, float beta, FMatrix c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a.data, a.data.length, aOff, lda, b.data, b.data.length,
                bOff, ldb, c.data, c.data.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c.data, cOff, ldc);
            case PRODUCT -> product(via(), false, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** {@link #sgemmAt} in double. */
    void dgemmAt(boolean tA, boolean tB, int m, int n, int k, double alpha, DMatrix a, int aOff, int lda, DMatrix b,
                 int bOff, int ldb, double beta, DMatrix c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a.data, a.data.length, aOff, lda, b.data, b.data.length,
                bOff, ldb, c.data, c.data.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c.data, cOff, ldc);
            case PRODUCT -> product(via(), true, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    @Override
    public void dgemm(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int aOff,
                      int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> product(via(), true, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * One cblas_sgemm call on whole arrays, not split, with OpenBLAS's own thread count set to
     * {@code threads} for the call and back to 1 after it: for benchmarks, to compare fprnn's product
     * with OpenBLAS's own threading (whose bits depend on the thread count; fprnn's products never
     * use it).
     */
    public void sgemmOwnThreads(int threads, boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a,
                                int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, 0, lda, b, b.length, 0, ldb, c, c.length, 0,
                ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, 0, ldc);
            case PRODUCT -> {
                setOpenBlasThreads(threads);
                try {
                    (processWide ? Downcalls.SGEMM : sgemm).invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                            alpha, MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, beta,
                            MemorySegment.ofArray(c), ldc);
                } catch (Throwable t) {
                    throw new IllegalStateException("cblas_sgemm failed", t);
                } finally {
                    setOpenBlasThreads(1);
                }
            }
        }
    }

    // ------------------------------------------------------------------ products split into blocks

    /**
     * Products are split into at most this many blocks, a number fixed per machine (not per thread
     * count, which must not change the bits); 2 on a 2-core machine.
     */
    static final int MAX_BLOCKS = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
    /** The fewest rows (or columns) of C in a block. */
    private static final int MIN_BLOCK = 32;
    /** Products with fewer multiply-adds than this stay one call. */
    private static final long MIN_SPLIT_WORK = 1L << 18;

    /**
     * The blocks an m x n by k product is split into: a positive count splits the rows of C, a
     * negative one its columns (when C is wider than tall), 1 is one call. Depends on the shape only.
     */
    static int blocks(int m, int n, int k) {
        if ((long) m * n * k < MIN_SPLIT_WORK) {
            return 1;
        }
        boolean byRows = m >= n;
        int count = Math.min(MAX_BLOCKS, (byRows ? m : n) / MIN_BLOCK);
        return count <= 1 ? 1 : byRows ? count : -count;
    }

    /**
     * First row (column) of block q of {@code total} rows (columns) of C split into {@code blocks}
     * ({@link #blocks}; q = blocks gives total): the even split rounded to the nearest multiple of
     * {@link #MIN_BLOCK}, so that every block but the last is a whole number of OpenBLAS's row panels
     * (measured at one thread, interleaved: a 300-row product split 150 + 150 cost 5 to 10% more than
     * unsplit, 160 + 140 about 2%). The even boundaries are at least MIN_BLOCK apart, so the rounded
     * ones are too, and the last block keeps at least MIN_BLOCK / 2.
     */
    static int blockStart(int total, int blocks, int q) {
        if (q >= blocks) {
            return total;
        }
        long even = (long) total * q / blocks;
        return (int) ((even + MIN_BLOCK / 2) / MIN_BLOCK * MIN_BLOCK);
    }

    /**
     * C = alpha op(A) op(B) + beta C, checked, in {@link #blocks} single-threaded calls on
     * {@link RowParallel}'s threads. The operands are matrices (whose kept segments are sliced) or
     * arrays (sliced anew per call).
     */
    private static void product(NativeBlas via, boolean dbl, boolean tA, boolean tB, int m, int n, int k, double alpha, Object a,
                                int aOff, int lda, Object b, int bOff, int ldb, double beta, Object c, int cOff,
                                int ldc) {
        Product p = PRODUCT.get();
        int blocks = p.oneCall ? 1 : blocks(m, n, k);
        p.set(via, dbl, tA, tB, m, n, k, alpha, lda, ldb, beta, ldc, blocks);
        for (int q = 0; q < p.blocks; q++) {
            int lo = p.start(q);
            if (p.byRows) {
                p.a[q] = segment(a, aOff + (tA ? lo : (long) lo * lda));
                p.b[q] = segment(b, bOff);
                p.c[q] = segment(c, cOff + (long) lo * ldc);
            } else {
                p.a[q] = segment(a, aOff);
                p.b[q] = segment(b, bOff + (tB ? (long) lo * ldb : lo));
                p.c[q] = segment(c, cOff + (long) lo);
            }
        }
        try {
            if (p.blocks == 1) {
                p.block(0);
            } else {
                RowParallel.forRows(p.blocks, p);
            }
        } finally {
            p.clear();
        }
    }

    /**
     * {@link Blas#oneCallProducts(boolean)} for this class: whether the calling thread's products are
     * each one unsplit single-threaded call; returns the previous setting.
     */
    static boolean oneCallProducts(boolean on) {
        Product p = PRODUCT.get();
        boolean before = p.oneCall;
        p.oneCall = on;
        return before;
    }

    /** The operand from element off on: a matrix's kept slice, or a new slice of an array. */
    private static MemorySegment segment(Object operand, long off) {
        return switch (operand) {
            case Matrix mat -> mat.segmentAt(off);
            case float[] f -> off == 0 ? MemorySegment.ofArray(f) : MemorySegment.ofArray(f).asSlice(off * Float.BYTES);
            case double[] d -> off == 0 ? MemorySegment.ofArray(d) : MemorySegment.ofArray(d).asSlice(off * Double.BYTES);
            default -> throw new IllegalArgumentException("not a matrix operand: " + operand.getClass());
        };
    }

    /** One product's blocks (one object per calling thread, reused: nothing allocated per product). */
    private static final ThreadLocal<Product> PRODUCT = ThreadLocal.withInitial(Product::new);

    private static final class Product implements RowParallel.RowBlock {
        final MemorySegment[] a = new MemorySegment[MAX_BLOCKS];
        final MemorySegment[] b = new MemorySegment[MAX_BLOCKS];
        final MemorySegment[] c = new MemorySegment[MAX_BLOCKS];
        /** The library of a product not made by the process-wide instance, else null ({@link Downcalls}). */
        NativeBlas via;
        boolean dbl;
        int transA;
        int transB;
        int m;
        int n;
        int k;
        int lda;
        int ldb;
        int ldc;
        double alpha;
        double beta;
        int blocks;
        boolean byRows;
        /** Set by {@link #oneCallProducts}: this thread's products are one call each, unsplit. */
        boolean oneCall;

        void set(NativeBlas via, boolean dbl, boolean tA, boolean tB, int m, int n, int k, double alpha, int lda,
                 int ldb, double beta, int ldc, int blocks) {
            this.via = via;
            this.dbl = dbl;
            this.transA = tA ? TRANS : NO_TRANS;
            this.transB = tB ? TRANS : NO_TRANS;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.lda = lda;
            this.ldb = ldb;
            this.beta = beta;
            this.ldc = ldc;
            this.byRows = blocks > 0;
            this.blocks = Math.abs(blocks);
        }

        /** First row (column) of C in block q ({@link #blockStart}). */
        int start(int q) {
            return blockStart(byRows ? m : n, blocks, q);
        }

        @Override
        public void rows(int part, int from, int to) {
            for (int q = from; q < to; q++) {
                block(q);
            }
        }

        void block(int q) {
            int lo = start(q);
            int hi = start(q + 1);
            int mm = byRows ? hi - lo : m;
            int nn = byRows ? n : hi - lo;
            try {
                if (via != null) {
                    if (dbl) {
                        via.dgemm.invokeExact(ROW_MAJOR, transA, transB, mm, nn, k, alpha, a[q], lda, b[q], ldb, beta,
                                c[q], ldc);
                    } else {
                        via.sgemm.invokeExact(ROW_MAJOR, transA, transB, mm, nn, k, (float) alpha, a[q], lda, b[q], ldb,
                                (float) beta, c[q], ldc);
                    }
                } else if (dbl) {
                    Downcalls.DGEMM.invokeExact(ROW_MAJOR, transA, transB, mm, nn, k, alpha, a[q], lda, b[q], ldb,
                            beta, c[q], ldc);
                } else {
                    Downcalls.SGEMM.invokeExact(ROW_MAJOR, transA, transB, mm, nn, k, (float) alpha, a[q], lda, b[q],
                            ldb, (float) beta, c[q], ldc);
                }
            } catch (Throwable t) {
                throw new IllegalStateException(dbl ? "cblas_dgemm failed" : "cblas_sgemm failed", t);
            }
        }

        /** Drops the segments (they keep the arrays alive). */
        void clear() {
            via = null;
            java.util.Arrays.fill(a, null);
            java.util.Arrays.fill(b, null);
            java.util.Arrays.fill(c, null);
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The gemm downcalls as static final fields, which the JIT treats as constants and inlines with
     * exact types (through the instance fields above they are not constants, and each product
     * allocated some 200 to 300 bytes). Initialized on the first product, which only an instance
     * returned by {@link #load()} can make.
     */
    private static final class Downcalls {
        static final MethodHandle SGEMM;
        static final MethodHandle DGEMM;

        static {
            NativeBlas nb = load(); // already loaded: the instance making the call came from here
            SGEMM = nb.sgemm;
            DGEMM = nb.dgemm;
        }

        private Downcalls() {
        }
    }
}
