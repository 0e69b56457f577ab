package org.fprnn.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
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

    static {
        MethodHandle f = null;
        MethodHandle s = null;
        MethodHandle i = null;
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
                } catch (NoSuchElementException | IllegalCallerException e) {
                    f = null;
                    s = null;
                    i = null;
                    Logger.getLogger("org.fprnn.linalg").warning("fprnn: " + lib.path() + " has no usable LAPACK LU ("
                            + e.getMessage() + "); LU uses EJML, which is slower");
                }
            }
        }
        GETRF = f;
        GETRS = s;
        GETRI = i;
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
     * @throws SingularMatrixException if it is singular
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

    /** Inverts a square matrix in place. @throws SingularMatrixException if it is singular */
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
            throw new SingularMatrixException("matrix is singular (zero pivot " + info + ")");
        }
        if (info != 0) {
            throw new IllegalStateException(info == Integer.MIN_VALUE ? "dgetri failed" : "dgetrf argument " + (-info) + " is invalid");
        }
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
            throw new SingularMatrixException("matrix is singular");
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

    /**
     * @throws SingularMatrixException for a factorization's positive info (a zero pivot)
     * @throws IllegalStateException for a negative one (a bad argument)
     */
    private static void checkFactorization(int info, String routine) {
        if (info > 0) {
            throw new SingularMatrixException("matrix is singular (zero pivot " + info + ")");
        }
        if (info != 0) {
            throw new IllegalStateException(routine + " argument " + (-info) + " is invalid");
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
