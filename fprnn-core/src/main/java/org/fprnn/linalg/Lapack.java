package org.fprnn.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.logging.Logger;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Dense LU factorization, solves and inverses in double: LAPACK's dgetrf/dgetrs/dgetri from
 * OpenBLAS through the FFM API when it loads ({@link NativeLibrary}, the library the matrix products
 * use), else EJML. Used where a dense N x N solve is the
 * method itself: the direct solver, Newton, the reparam rule, diagnostics. Never in the rules'
 * batched paths.
 *
 * <p>Row-major arrays are column-major transposes, so LAPACK factors A^T and solves with the
 * transpose flag flipped; each row of a right-hand-side matrix is one system.
 */
public final class Lapack {
    private static final MethodHandle GETRF;
    private static final MethodHandle GETRS;
    private static final MethodHandle GETRI;
    private static final MethodHandle SGETRF;
    private static final MethodHandle SGETRS;

    static {
        MethodHandle f = null;
        MethodHandle s = null;
        MethodHandle i = null;
        MethodHandle sf = null;
        MethodHandle ss = null;
        if (NativeLibrary.wanted()) {
            NativeLibrary.Loaded lib = null;
            try {
                lib = NativeLibrary.openBlas();
            } catch (UnsatisfiedLinkError e) {
                // NativeLibrary has said why, in one line
            }
            if (lib != null) {
                try {
                    Linker linker = Linker.nativeLinker();
                    var ptr = ValueLayout.ADDRESS;
                    Linker.Option crit = Linker.Option.critical(true);
                    f = linker.downcallHandle(lib.lookup().findOrThrow("dgetrf_"),
                            FunctionDescriptor.ofVoid(ptr, ptr, ptr, ptr, ptr, ptr), crit);
                    s = linker.downcallHandle(lib.lookup().findOrThrow("dgetrs_"),
                            FunctionDescriptor.ofVoid(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr), crit);
                    i = linker.downcallHandle(lib.lookup().findOrThrow("dgetri_"),
                            FunctionDescriptor.ofVoid(ptr, ptr, ptr, ptr, ptr, ptr, ptr), crit);
                    sf = linker.downcallHandle(lib.lookup().findOrThrow("sgetrf_"),
                            FunctionDescriptor.ofVoid(ptr, ptr, ptr, ptr, ptr, ptr), crit);
                    ss = linker.downcallHandle(lib.lookup().findOrThrow("sgetrs_"),
                            FunctionDescriptor.ofVoid(ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr), crit);
                } catch (NoSuchElementException | IllegalCallerException e) {
                    f = null;
                    s = null;
                    i = null;
                    sf = null;
                    ss = null;
                    Logger.getLogger("org.fprnn.linalg").warning("fprnn: " + lib.path() + " has no usable LAPACK LU ("
                            + e.getMessage() + "); LU uses EJML, which is slower");
                }
            }
        }
        GETRF = f;
        GETRS = s;
        GETRI = i;
        SGETRF = sf;
        SGETRS = ss;
    }

    private Lapack() {
    }

    /** True when LAPACK from OpenBLAS is in use (else EJML). */
    public static boolean isNative() {
        return GETRF != null;
    }

    /** An LU factorization of a square matrix, for repeated solves. */
    public static final class Lu {
        private final int n;
        private final double[] lu;
        private final int[] ipiv;
        private final LinearSolverDense<DMatrixRMaj> ejml;
        /** EJML path only: A itself, for the factorization of A^T made when first needed. */
        private final double[] original;
        private LinearSolverDense<DMatrixRMaj> ejmlT;

        private Lu(int n, double[] lu, int[] ipiv, LinearSolverDense<DMatrixRMaj> ejml, double[] original) {
            this.n = n;
            this.lu = lu;
            this.ipiv = ipiv;
            this.ejml = ejml;
            this.original = original;
        }

        private LinearSolverDense<DMatrixRMaj> transposedEjml() {
            if (ejmlT == null) {
                double[] t = new double[n * n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        t[j * n + i] = original[i * n + j];
                    }
                }
                ejmlT = ejmlLu(t, n);
            }
            return ejmlT;
        }

        /** Solves A x_i = b_i for every row b_i of {@code rows} (k x N), in place. */
        public void solveRows(DMatrix rows) {
            solve(rows, false);
        }

        /** Solves A^T x_i = b_i for every row b_i of {@code rows} (k x N), in place. */
        public void solveRowsTransposed(DMatrix rows) {
            solve(rows, true);
        }

        private void solve(DMatrix rows, boolean transposed) {
            if (rows.cols != n) {
                throw new IllegalArgumentException("right-hand sides " + rows.shape() + " for an " + n + " x " + n + " system");
            }
            if (ejml != null) {
                DMatrixRMaj b = new DMatrixRMaj(n, 1);
                DMatrixRMaj x = new DMatrixRMaj(n, 1);
                for (int r = 0; r < rows.rows; r++) {
                    System.arraycopy(rows.data, r * n, b.data, 0, n);
                    (transposed ? transposedEjml() : ejml).solve(b, x);
                    System.arraycopy(x.data, 0, rows.data, r * n, n);
                }
                return;
            }
            // The buffer holds A^T column-major; 'T' solves (A^T)^T x = A x = b, 'N' solves A^T x = b.
            int info = onBigStack(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return call(arena, GETRS, transposed ? 'N' : 'T', n, rows.rows, lu, ipiv, rows.data);
                }
            });
            if (info != 0) {
                throw new IllegalStateException("dgetrs failed with info " + info);
            }
        }
    }

    /**
     * Factors a square matrix (not modified).
     *
     * @throws IllegalStateException if it is singular
     */
    public static Lu lu(DMatrix a) {
        if (a.rows != a.cols) {
            throw new IllegalArgumentException("LU of a non-square matrix " + a.shape());
        }
        int n = a.rows;
        if (GETRF == null) {
            return new Lu(n, null, null, ejmlLu(a.data.clone(), n), a.data.clone());
        }
        double[] lu = a.data.clone();
        int[] ipiv = new int[n];
        int info = onBigStack(() -> {
            try (Arena arena = Arena.ofConfined()) {
                return callGetrf(arena, GETRF, "dgetrf", n, MemorySegment.ofArray(lu), ipiv);
            }
        });
        checkFactorization(info, "dgetrf");
        return new Lu(n, lu, ipiv, null, null);
    }

    /** Inverts a square matrix in place. @throws IllegalStateException if it is singular */
    public static void invert(DMatrix a) {
        int n = a.rows;
        if (a.rows != a.cols) {
            throw new IllegalArgumentException("inverse of a non-square matrix " + a.shape());
        }
        if (GETRF == null) {
            DMatrixRMaj inv = new DMatrixRMaj(n, n);
            ejmlLu(a.data.clone(), n).invert(inv);
            System.arraycopy(inv.data, 0, a.data, 0, n * n);
            return;
        }
        int[] ipiv = new int[n];
        int info = onBigStack(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int f = callGetrf(arena, GETRF, "dgetrf", n, MemorySegment.ofArray(a.data), ipiv);
                if (f != 0) {
                    return f;
                }
                // inv(A^T) in column-major is inv(A) in row-major.
                int lwork = Math.max(1, 64 * n);
                double[] work = new double[lwork];
                MemorySegment nS = arena.allocateFrom(ValueLayout.JAVA_INT, n);
                MemorySegment lwS = arena.allocateFrom(ValueLayout.JAVA_INT, lwork);
                MemorySegment infoS = arena.allocate(ValueLayout.JAVA_INT);
                try {
                    GETRI.invokeExact(nS, MemorySegment.ofArray(a.data), nS, MemorySegment.ofArray(ipiv),
                            MemorySegment.ofArray(work), lwS, infoS);
                } catch (Throwable t) {
                    throw new IllegalStateException("native dgetri call failed", t);
                }
                return infoS.get(ValueLayout.JAVA_INT, 0) == 0 ? 0 : Integer.MIN_VALUE;
            }
        });
        if (info > 0) {
            throw new IllegalStateException("matrix is singular (zero pivot " + info + ")");
        }
        if (info != 0) {
            throw new IllegalStateException(info == Integer.MIN_VALUE ? "dgetri failed" : "dgetrf argument " + (-info) + " is invalid");
        }
    }

    /** Fewest right-hand sides worth a part of their own in {@link #solveRowsFloat}. */
    static final int MIN_SOLVE_ROWS = 32;

    /**
     * Solves A x_i = b_i in float for every row b_i of {@code rows} (k x N), in place, by LAPACK's
     * sgetrf and sgetrs, given A^T (N x N; the row-major A^T is LAPACK's column-major A, so it needs no
     * transpose), which the factorization overwrites (a scratch copy per call would be N^2 floats). The factorization runs on one thread; the rows are solved in as many
     * equal parts as the machine has cores (fewer for few rows), up to {@link RowParallel#threads()}
     * at once, so the bits do not depend on the thread count. Without native LAPACK: in double by EJML,
     * rounded to float.
     *
     * @throws IllegalStateException if A is singular
     */
    public static void solveRowsFloat(FMatrix aTransposed, FMatrix rows) {
        int n = aTransposed.rows;
        if (aTransposed.cols != n || rows.cols != n) {
            throw new IllegalArgumentException("right-hand sides " + rows.shape() + " for a " + aTransposed.shape()
                    + " system");
        }
        if (SGETRF == null) {
            DMatrix x = rows.toDouble();
            lu(aTransposed.toDouble()).solveRowsTransposed(x);
            rows.copyFrom(x);
            return;
        }
        float[] lu = aTransposed.data;
        int[] ipiv = new int[n];
        int info = onBigStack(() -> {
            try (Arena arena = Arena.ofConfined()) {
                return callGetrf(arena, SGETRF, "sgetrf", n, MemorySegment.ofArray(lu), ipiv);
            }
        });
        checkFactorization(info, "sgetrf");
        // Fixed parts, one per core of the machine (the thread count only decides how many run at
        // once), so the bits do not depend on the thread count.
        int parts = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), rows.rows / MIN_SOLVE_ROWS));
        int tasks = Math.max(1, Math.min(RowParallel.threads(), parts));
        List<Future<Integer>> done = new ArrayList<>(tasks);
        for (int t = 0; t < tasks; t++) {
            int first = t;
            Callable<Integer> solve = () -> {
                try (Arena arena = Arena.ofConfined()) {
                    for (int part = first; part < parts; part += tasks) {
                        int from = (int) ((long) part * rows.rows / parts);
                        int to = (int) ((long) (part + 1) * rows.rows / parts);
                        int r = floatSolve(arena, n, to - from, lu, ipiv, rows.data, from * n);
                        if (r != 0) {
                            return r;
                        }
                    }
                    return 0;
                }
            };
            done.add(BIG_STACK.submit(solve));
        }
        for (var f : done) {
            try {
                info = Math.max(info, Math.abs(f.get()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted during a LAPACK call", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            }
        }
        if (info != 0) {
            throw new IllegalStateException("sgetrs failed with info " + info);
        }
    }

    /** sgetrs on {@code count} right-hand sides from {@code offset} of {@code b}, each a row, for A x = b. */
    private static int floatSolve(Arena arena, int n, int count, float[] lu, int[] ipiv, float[] b, int offset) {
        // The buffer holds A column-major (A^T row-major); 'N' solves A x = b.
        MemorySegment tS = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'N');
        MemorySegment nS = arena.allocateFrom(ValueLayout.JAVA_INT, n);
        MemorySegment kS = arena.allocateFrom(ValueLayout.JAVA_INT, count);
        MemorySegment infoS = arena.allocate(ValueLayout.JAVA_INT);
        try {
            SGETRS.invokeExact(tS, nS, kS, MemorySegment.ofArray(lu), nS, MemorySegment.ofArray(ipiv),
                    MemorySegment.ofArray(b).asSlice((long) offset * Float.BYTES), nS, infoS);
        } catch (Throwable t) {
            throw new IllegalStateException("native sgetrs call failed", t);
        }
        return infoS.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * OpenBLAS's threaded LU keeps a large work array on the calling thread's stack, more than a
     * default Java thread has (seen here: a crash at N = 100 with 1 MiB stacks). Native LAPACK calls
     * therefore run on threads of their own with a 64 MiB stack.
     */
    private static final java.util.concurrent.ExecutorService BIG_STACK = java.util.concurrent.Executors
            .newCachedThreadPool(bigStackThreads("fprnn-lapack"));

    /** Stack size of the threads that may call native LAPACK directly. */
    public static final long BIG_STACK_BYTES = 64L << 20;

    /** A thread with a stack large enough for native LAPACK; such threads call it without a hand-off. */
    public static final class BigStackThread extends Thread {
        BigStackThread(Runnable r, String name) {
            super(null, r, name, BIG_STACK_BYTES);
            setDaemon(true);
        }
    }

    /** Thread factory for workers that call LAPACK often (protocol runners): no hand-off per call. */
    public static java.util.concurrent.ThreadFactory bigStackThreads(String prefix) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return r -> new BigStackThread(r, prefix + "-" + count.incrementAndGet());
    }

    private static int onBigStack(Callable<Integer> call) {
        if (Thread.currentThread() instanceof BigStackThread) {
            try {
                return call.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return BIG_STACK.submit(call).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a LAPACK call", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** EJML's LU, reporting an exactly zero pivot as LAPACK does (its setA alone does not). */
    private static LinearSolverDense<DMatrixRMaj> ejmlLu(double[] data, int n) {
        LinearSolverDense<DMatrixRMaj> s = LinearSolverFactory_DDRM.lu(n);
        if (!s.setA(DMatrixRMaj.wrap(n, n, data)) || !(s.quality() > 0)) {
            throw new IllegalStateException("matrix is singular");
        }
        return s;
    }

    /** LAPACK's xgetrf ({@code getrf}, named {@code routine}) on the n x n matrix in {@code a}; returns info. */
    private static int callGetrf(Arena arena, MethodHandle getrf, String routine, int n, MemorySegment a, int[] ipiv) {
        MemorySegment nS = arena.allocateFrom(ValueLayout.JAVA_INT, n);
        MemorySegment infoS = arena.allocate(ValueLayout.JAVA_INT);
        try {
            getrf.invokeExact(nS, nS, a, nS, MemorySegment.ofArray(ipiv), infoS);
        } catch (Throwable t) {
            throw new IllegalStateException("native " + routine + " call failed", t);
        }
        return infoS.get(ValueLayout.JAVA_INT, 0);
    }

    /** @throws IllegalStateException for a factorization's nonzero info: a zero pivot or a bad argument */
    private static void checkFactorization(int info, String routine) {
        if (info != 0) {
            throw new IllegalStateException(info > 0 ? "matrix is singular (zero pivot " + info + ")"
                    : routine + " argument " + (-info) + " is invalid");
        }
    }

    private static int call(Arena arena, MethodHandle getrs, char trans, int n, int nrhs, double[] lu, int[] ipiv,
                            double[] b) {
        MemorySegment tS = arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) trans);
        MemorySegment nS = arena.allocateFrom(ValueLayout.JAVA_INT, n);
        MemorySegment kS = arena.allocateFrom(ValueLayout.JAVA_INT, nrhs);
        MemorySegment infoS = arena.allocate(ValueLayout.JAVA_INT);
        try {
            getrs.invokeExact(tS, nS, kS, MemorySegment.ofArray(lu), nS, MemorySegment.ofArray(ipiv),
                    MemorySegment.ofArray(b), nS, infoS);
        } catch (Throwable t) {
            throw new IllegalStateException("native dgetrs call failed", t);
        }
        return infoS.get(ValueLayout.JAVA_INT, 0);
    }
}
