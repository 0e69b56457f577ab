package org.fprnn.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenBLAS's cblas_sgemm / cblas_dgemm through the FFM API. The downcalls are critical with heap
 * access, so the float[] / double[] arrays are handed to OpenBLAS in place, without copies. Every
 * call is checked in Java first ({@link GemmArgs}); degenerate products (m, n or k = 0, alpha = 0)
 * never reach the library.
 *
 * <p>The library is looked up at the path in env FPRNN_OPENBLAS (or system property
 * fprnn.openblas), then at the usual Debian, Fedora and Homebrew paths, then by name through the
 * dynamic linker. The thread count is OpenBLAS's own (OPENBLAS_NUM_THREADS or the core count)
 * unless FPRNN_THREADS / fprnn.threads or {@link #setThreads(int)} sets it. For fixed shapes and a
 * fixed thread count OpenBLAS gives the same bits on every run.
 */
@SuppressWarnings("restricted") // the FFM calls are the point of this class; run with --enable-native-access
public final class NativeBlas implements Blas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private static final Object LOCK = new Object();
    private static NativeBlas loaded;
    private static Throwable loadFailure;

    private final String library;
    private final String config;
    private final MethodHandle sgemm;
    private final MethodHandle dgemm;
    private final MethodHandle getThreads;
    private final MethodHandle setThreads;

    private NativeBlas(String library, SymbolLookup lookup) {
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
        String cfg = "OpenBLAS";
        Optional<MemorySegment> getConfig = lookup.find("openblas_get_config");
        if (getConfig.isPresent()) {
            MethodHandle h = linker.downcallHandle(getConfig.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            try {
                MemorySegment str = (MemorySegment) h.invokeExact();
                if (!str.equals(MemorySegment.NULL)) {
                    cfg = str.reinterpret(4096).getString(0).trim();
                }
            } catch (Throwable t) {
                // keep the generic name
            }
        }
        this.library = library;
        this.config = cfg;
    }

    /**
     * The process-wide binding, loaded on first use.
     *
     * @throws UnsatisfiedLinkError if no OpenBLAS with cblas_sgemm and cblas_dgemm is found
     */
    public static NativeBlas load() {
        synchronized (LOCK) {
            if (loaded != null) {
                return loaded;
            }
            if (loadFailure != null) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError(loadFailure.getMessage());
                e.initCause(loadFailure);
                throw e;
            }
            try {
                NativeBlas nb = open();
                int t = GemmArgs.requestedThreads();
                if (t > 0) {
                    nb.setThreads(t);
                }
                loaded = nb;
                return nb;
            } catch (Throwable t) {
                loadFailure = t;
                throw t;
            }
        }
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

    private static NativeBlas open() {
        List<String> tried = new ArrayList<>();
        Arena arena = Arena.global();
        for (String path : candidatePaths()) {
            if (!Files.isRegularFile(Path.of(path))) {
                continue;
            }
            tried.add(path);
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(Path.of(path), arena);
                if (lookup.find("cblas_dgemm").isPresent()) {
                    return new NativeBlas(path, lookup);
                }
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                // try the next one
            }
        }
        for (String name : List.of(System.mapLibraryName("openblas"), "libopenblas.so.0")) {
            tried.add(name);
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(name, arena);
                if (lookup.find("cblas_dgemm").isPresent()) {
                    return new NativeBlas(name, lookup);
                }
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                // try the next one
            }
        }
        throw new UnsatisfiedLinkError("no OpenBLAS with cblas_dgemm found (tried " + tried
                + "); set FPRNN_OPENBLAS to the library's path");
    }

    private static List<String> candidatePaths() {
        List<String> paths = new ArrayList<>();
        String env = System.getProperty("fprnn.openblas", System.getenv("FPRNN_OPENBLAS"));
        if (env != null && !env.isBlank()) {
            paths.add(env.trim());
        }
        String arch = System.getProperty("os.arch", "");
        String triple = switch (arch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> arch + "-linux-gnu";
        };
        for (String dir : List.of("/usr/lib/" + triple, "/usr/lib/" + triple + "/openblas-pthread",
                "/usr/lib/" + triple + "/openblas-openmp", "/usr/lib/" + triple + "/openblas-serial",
                "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/OpenBLAS/lib")) {
            paths.add(dir + "/libopenblas.so.0");
            paths.add(dir + "/libopenblas.so");
        }
        paths.add("/opt/homebrew/opt/openblas/lib/libopenblas.dylib");
        paths.add("/usr/local/opt/openblas/lib/libopenblas.dylib");
        return paths;
    }

    /** The path or name the library was loaded from. */
    public String library() {
        return library;
    }

    /** Sets OpenBLAS's thread count (process-wide; n >= 1). */
    public void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        if (setThreads == null) {
            return;
        }
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    @Override
    public int threads() {
        if (getThreads == null) {
            return 1;
        }
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_num_threads failed", t);
        }
    }

    @Override
    public String name() {
        int t = threads();
        return config + " (native, " + t + (t == 1 ? " thread)" : " threads)");
    }

    @Override
    public void sgemm(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff,
                      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> {
                if (beta == 0) {
                    // BLAS ignores C when beta == 0; make that explicit so NaN in C never leaks
                    GemmArgs.scale(m, n, 0f, c, cOff, ldc);
                }
                try {
                    if ((aOff | bOff | cOff) == 0) {
                        Downcalls.SGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                                alpha, MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, beta,
                                MemorySegment.ofArray(c), ldc);
                    } else {
                        Downcalls.SGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                                alpha, slice(a, aOff), lda, slice(b, bOff), ldb, beta, slice(c, cOff), ldc);
                    }
                } catch (Throwable t) {
                    throw new IllegalStateException("cblas_sgemm failed", t);
                }
            }
        }
    }

    /**
     * {@link #sgemm} on whole matrices (offset 0) through the heap segments they keep
     * ({@link FMatrix#segment()}): nothing is allocated per product, whatever the JIT made of the
     * caller. (A new segment per argument, as the array form makes, is usually scalar-replaced, but
     * its memory session was seen to escape in some compilations: 96 to 216 bytes per product.)
     */
    void sgemm(boolean tA, boolean tB, int m, int n, int k, float alpha, FMatrix a, int lda, FMatrix b, int ldb,
               float beta, FMatrix c, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a.data, a.data.length, 0, lda, b.data, b.data.length, 0,
                ldb, c.data, c.data.length, 0, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c.data, 0, ldc);
            case PRODUCT -> {
                if (beta == 0) {
                    GemmArgs.scale(m, n, 0f, c.data, 0, ldc);
                }
                try {
                    Downcalls.SGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                            alpha, a.segment(), lda, b.segment(), ldb, beta, c.segment(), ldc);
                } catch (Throwable t) {
                    throw new IllegalStateException("cblas_sgemm failed", t);
                }
            }
        }
    }

    /** {@link #dgemm} on whole matrices through their kept segments; see the float version. */
    void dgemm(boolean tA, boolean tB, int m, int n, int k, double alpha, DMatrix a, int lda, DMatrix b, int ldb,
               double beta, DMatrix c, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a.data, a.data.length, 0, lda, b.data, b.data.length, 0,
                ldb, c.data, c.data.length, 0, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c.data, 0, ldc);
            case PRODUCT -> {
                if (beta == 0) {
                    GemmArgs.scale(m, n, 0.0, c.data, 0, ldc);
                }
                try {
                    Downcalls.DGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                            alpha, a.segment(), lda, b.segment(), ldb, beta, c.segment(), ldc);
                } catch (Throwable t) {
                    throw new IllegalStateException("cblas_dgemm failed", t);
                }
            }
        }
    }

    @Override
    public void dgemm(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int aOff,
                      int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        switch (GemmArgs.check(tA, tB, m, n, k, alpha == 0, a, a.length, aOff, lda, b, b.length, bOff, ldb,
                c, c.length, cOff, ldc)) {
            case NOTHING -> { }
            case SCALE_C -> GemmArgs.scale(m, n, beta, c, cOff, ldc);
            case PRODUCT -> {
                if (beta == 0) {
                    GemmArgs.scale(m, n, 0.0, c, cOff, ldc);
                }
                try {
                    if ((aOff | bOff | cOff) == 0) {
                        Downcalls.DGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                                alpha, MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, beta,
                                MemorySegment.ofArray(c), ldc);
                    } else {
                        Downcalls.DGEMM.invokeExact(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, m, n, k,
                                alpha, slice(a, aOff), lda, slice(b, bOff), ldb, beta, slice(c, cOff), ldc);
                    }
                } catch (Throwable t) {
                    throw new IllegalStateException("cblas_dgemm failed", t);
                }
            }
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The array from element {@code off} on, as a heap segment. Only products at non-zero offsets
     * (the convolution's) slice: {@code asSlice} dispatches on the segment's class, and once other
     * code in the process has sliced segments of other kinds that call is megamorphic and the segments
     * escape. Products at offset 0 (every product of {@link Ops#gemm}) take the other branch, whose
     * segments never meet that call.
     */
    private static MemorySegment slice(float[] a, int off) {
        return MemorySegment.ofArray(a).asSlice(off * 4L);
    }

    private static MemorySegment slice(double[] a, int off) {
        return MemorySegment.ofArray(a).asSlice(off * 8L);
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
