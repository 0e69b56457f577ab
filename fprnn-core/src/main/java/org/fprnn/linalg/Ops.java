package org.fprnn.linalg;

/**
 * Precision-agnostic operations on whole matrices. Algorithms (solvers, rules) are written against
 * these so that they serve float and double alike; each method dispatches once on the storage type,
 * so the per-element loops stay monomorphic. Nothing here allocates (after a thread's first call).
 */
public final class Ops {
    private Ops() {
    }

    /**
     * C = alpha * op(A) op(B) + beta * C through {@link Blas#get()}.
     *
     * @param transA use A^T
     * @param transB use B^T
     */
    public static void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b,
                            double beta, Matrix c) {
        int m = transA ? a.cols : a.rows;
        int k = transA ? a.rows : a.cols;
        int kb = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        if (k != kb || c.rows != m || c.cols != n) {
            throw new IllegalArgumentException("gemm shapes: op(A) " + m + "x" + k + ", op(B) " + kb
                    + "x" + n + ", C " + c.shape());
        }
        product(transA, transB, m, n, k, alpha, a, 0, a.cols, b, beta, c, 0, c.cols);
    }

    /**
     * Columns [cCol, cCol + n) of c become alpha x_i op(B) + beta times their old value, for every row
     * i, x_i being columns [xCol, xCol + k) of row i of x (op(B) k x n): a product of one block of a
     * stacked state, read and written in place. x and c are row batches with the same rows, and
     * different matrices.
     *
     * @param transB use B^T
     */
    public static void gemmColumns(boolean transB, double alpha, Matrix x, int xCol, Matrix b, double beta, Matrix c,
                                   int cCol) {
        int k = transB ? b.cols : b.rows;
        int n = transB ? b.rows : b.cols;
        int m = x.rows;
        if (x == c || c.rows != m || xCol < 0 || xCol + k > x.cols || cCol < 0 || cCol + n > c.cols) {
            throw new IllegalArgumentException("gemmColumns: columns [" + xCol + ", " + (xCol + k) + ") of x "
                    + x.shape() + " by op(B) " + k + "x" + n + " into columns [" + cCol + ", " + (cCol + n) + ") of c "
                    + c.shape() + (x == c ? " (x and c the same matrix)" : ""));
        }
        product(false, transB, m, n, k, alpha, x, xCol, x.cols, b, beta, c, cCol, c.cols);
    }

    /**
     * C = alpha op(A) op(B) + beta C through {@link Blas#get()}, A and C from element offsets on with
     * leading dimensions lda, ldc, B whole (row length ldb = b.cols).
     */
    private static void product(boolean transA, boolean transB, int m, int n, int k, double alpha, Matrix a,
                                int aOff, int lda, Matrix b, double beta, Matrix c, int cOff, int ldc) {
        if (a.precision() != c.precision() || b.precision() != c.precision()) {
            // One precision per product (a ClassCastException below otherwise): convert with Matrix.to.
            throw new IllegalArgumentException("a product of a " + a.precision() + " " + a.shape() + " and a "
                    + b.precision() + " " + b.shape() + " matrix into a " + c.precision() + " one: the operands"
                    + " of a product have one precision (a network's, for its inputs and states); convert with"
                    + " Matrix.to(precision)");
        }
        Blas blas = Blas.get();
        switch (c) {
            case FMatrix fc -> {
                if (blas instanceof NativeBlas nb) {
                    nb.sgemmAt(transA, transB, m, n, k, (float) alpha, (FMatrix) a, aOff, lda, (FMatrix) b, 0, b.cols,
                            (float) beta, fc, cOff, ldc);
                } else {
                    blas.sgemm(transA, transB, m, n, k, (float) alpha, ((FMatrix) a).data, aOff, lda,
                            ((FMatrix) b).data, 0, b.cols, (float) beta, fc.data, cOff, ldc);
                }
            }
            case DMatrix dc -> {
                if (blas instanceof NativeBlas nb) {
                    nb.dgemmAt(transA, transB, m, n, k, alpha, (DMatrix) a, aOff, lda, (DMatrix) b, 0, b.cols, beta,
                            dc, cOff, ldc);
                } else {
                    blas.dgemm(transA, transB, m, n, k, alpha, ((DMatrix) a).data, aOff, lda, ((DMatrix) b).data, 0,
                            b.cols, beta, dc.data, cOff, ldc);
                }
            }
        }
    }

    /** out = a * b elementwise (out may alias a or b). */
    public static void mul(Matrix a, Matrix b, Matrix out) {
        check(a, b, out);
        switch (out) {
            case FMatrix o -> {
                float[] x = ((FMatrix) a).data, y = ((FMatrix) b).data, z = o.data;
                for (int i = 0; i < z.length; i++) {
                    z[i] = x[i] * y[i];
                }
            }
            case DMatrix o -> {
                double[] x = ((DMatrix) a).data, y = ((DMatrix) b).data, z = o.data;
                for (int i = 0; i < z.length; i++) {
                    z[i] = x[i] * y[i];
                }
            }
        }
    }

    /** out = alpha * a + beta * b elementwise (out may alias a or b). */
    public static void lincomb(double alpha, Matrix a, double beta, Matrix b, Matrix out) {
        check(a, b, out);
        switch (out) {
            case FMatrix o -> {
                float[] x = ((FMatrix) a).data, y = ((FMatrix) b).data, z = o.data;
                float al = (float) alpha, be = (float) beta;
                for (int i = 0; i < z.length; i++) {
                    z[i] = al * x[i] + be * y[i];
                }
            }
            case DMatrix o -> {
                double[] x = ((DMatrix) a).data, y = ((DMatrix) b).data, z = o.data;
                for (int i = 0; i < z.length; i++) {
                    z[i] = alpha * x[i] + beta * y[i];
                }
            }
        }
    }

    /** out = a - b elementwise. */
    public static void sub(Matrix a, Matrix b, Matrix out) {
        lincomb(1, a, -1, b, out);
    }

    /**
     * out = x + h on rows [from, to) (all three of the same shape and precision; out may be x), each
     * sum rounded once: the drive added to a product, z = W r + h, in the solvers' row passes.
     */
    public static void addRows(Matrix x, Matrix h, Matrix out, int from, int to) {
        int o = from * out.cols;
        int len = (to - from) * out.cols;
        switch (out) {
            case FMatrix of -> {
                if (x != out) {
                    System.arraycopy(((FMatrix) x).data, o, of.data, o, len);
                }
                VectorMath.axpy(1f, ((FMatrix) h).data, o, of.data, o, len);
            }
            case DMatrix od -> {
                if (x != out) {
                    System.arraycopy(((DMatrix) x).data, o, od.data, o, len);
                }
                VectorMath.axpy(1.0, ((DMatrix) h).data, o, od.data, o, len);
            }
        }
    }

    /** y += alpha * x. */
    public static void axpy(double alpha, Matrix x, Matrix y) {
        lincomb(alpha, x, 1, y, y);
    }

    /** a *= alpha. */
    public static void scale(double alpha, Matrix a) {
        switch (a) {
            case FMatrix f -> {
                float s = (float) alpha;
                for (int i = 0; i < f.data.length; i++) {
                    f.data[i] *= s;
                }
            }
            case DMatrix d -> {
                for (int i = 0; i < d.data.length; i++) {
                    d.data[i] *= alpha;
                }
            }
        }
    }

    /** m[i, :] += v[0, :] for every row i (v is 1 x cols). */
    public static void addRowVector(Matrix m, Matrix v) {
        if (v.rows != 1 || v.cols != m.cols) {
            throw new IllegalArgumentException("row vector " + v.shape() + " for matrix " + m.shape());
        }
        switch (m) {
            case FMatrix f -> {
                float[] x = f.data, b = ((FMatrix) v).data;
                for (int i = 0, o = 0; i < m.rows; i++, o += m.cols) {
                    for (int j = 0; j < m.cols; j++) {
                        x[o + j] += b[j];
                    }
                }
            }
            case DMatrix d -> {
                double[] x = d.data, b = ((DMatrix) v).data;
                for (int i = 0, o = 0; i < m.rows; i++, o += m.cols) {
                    for (int j = 0; j < m.cols; j++) {
                        x[o + j] += b[j];
                    }
                }
            }
        }
    }

    /** out[0, :] = alpha * sum over rows of m (out is 1 x cols); sums accumulate in double. */
    public static void columnSums(double alpha, Matrix m, Matrix out) {
        if (out.rows != 1 || out.cols != m.cols) {
            throw new IllegalArgumentException("column sums of " + m.shape() + " into " + out.shape());
        }
        for (int j = 0; j < m.cols; j++) {
            double s = 0;
            for (int i = 0; i < m.rows; i++) {
                s += m.getFlat(i * m.cols + j);
            }
            out.setFlat(j, alpha * s);
        }
    }

    /**
     * Frobenius inner product sum_ij a_ij b_ij, accumulated in double in a fixed order: four partial
     * sums over the elements i = 0, 1, 2, 3 (mod 4) up to the last multiple of 4, the rest added to the
     * first, then (s0 + s1) + (s2 + s3). With a single chain of additions, the training loop's direction
     * norm on P1's network (W and R, 93,000 values) took 0.11 ms per step, a quarter of a 512 x 300 by
     * 300 x 300 product. Plain loops, not the Vector API: this runs once per matrix per step, too few
     * calls for the JIT to compile vector code early, and until it does such code runs tens of times
     * slower than a loop (the training loop's refusal check on P1, in a fresh process, over its first
     * 200 steps: 0.33 s on vector lanes, 0.10 s with these loops, 0.17 s with one chain of additions).
     */
    public static double dot(Matrix a, Matrix b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException("dot of " + a.shape() + " and " + b.shape());
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int n = a.size();
        int i = 0;
        switch (a) {
            case FMatrix f -> {
                float[] x = f.data;
                float[] y = ((FMatrix) b).data;
                for (; i + 4 <= n; i += 4) {
                    s0 += (double) x[i] * y[i];
                    s1 += (double) x[i + 1] * y[i + 1];
                    s2 += (double) x[i + 2] * y[i + 2];
                    s3 += (double) x[i + 3] * y[i + 3];
                }
                for (; i < n; i++) {
                    s0 += (double) x[i] * y[i];
                }
            }
            case DMatrix d -> {
                double[] x = d.data;
                double[] y = ((DMatrix) b).data;
                for (; i + 4 <= n; i += 4) {
                    s0 += x[i] * y[i];
                    s1 += x[i + 1] * y[i + 1];
                    s2 += x[i + 2] * y[i + 2];
                    s3 += x[i + 3] * y[i + 3];
                }
                for (; i < n; i++) {
                    s0 += x[i] * y[i];
                }
            }
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Frobenius norm. */
    public static double norm(Matrix a) {
        return Math.sqrt(dot(a, a));
    }

    /**
     * ||a - b|| / ||a|| in Frobenius norms, summed in double without a difference matrix; a's squared
     * norm is floored at 1e-300, so two zero matrices give 0, not NaN.
     */
    public static double relativeDifference(Matrix a, Matrix b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException("relative difference of " + a.shape() + " and " + b.shape());
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.size(); i++) {
            double x = a.getFlat(i);
            double d = x - b.getFlat(i);
            num += d * d;
            den += x * x;
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    /** Largest absolute element. */
    public static double maxAbs(Matrix a) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.getFlat(i)));
        }
        return m;
    }

    /** res[i] = max_j |a[i, j] - b[i, j]| for every row i. */
    public static void rowMaxAbsDiff(Matrix a, Matrix b, double[] res) {
        rowMaxAbsDiff(a, b, res, 0, a.rows);
    }

    /** res[i] = max_j |a[i, j] - b[i, j]| for rows from <= i < to. */
    public static void rowMaxAbsDiff(Matrix a, Matrix b, double[] res, int from, int to) {
        if (!a.sameShape(b) || res.length < a.rows || from < 0 || to > a.rows) {
            throw new IllegalArgumentException("row residual of " + a.shape() + " and " + b.shape());
        }
        int n = a.cols;
        switch (a) {
            case FMatrix f -> {
                float[] x = f.data, y = ((FMatrix) b).data;
                for (int i = from; i < to; i++) {
                    res[i] = RowKernels.maxAbsDiff(x, i * n, y, i * n, n);
                }
            }
            case DMatrix d -> {
                double[] x = d.data, y = ((DMatrix) b).data;
                for (int i = from; i < to; i++) {
                    double m = 0;
                    for (int j = i * n, e = j + n; j < e; j++) {
                        m = Math.max(m, Math.abs(x[j] - y[j]));
                    }
                    res[i] = m;
                }
            }
        }
    }

    /** res[i] = max_j |a[i, j]| for every row i (NaN if the row holds a NaN). */
    public static void rowMaxAbs(Matrix a, double[] res) {
        if (res.length < a.rows) {
            throw new IllegalArgumentException("row maxima of " + a.shape() + " into " + res.length + " values");
        }
        int n = a.cols;
        for (int i = 0; i < a.rows; i++) {
            res[i] = switch (a) {
                case FMatrix f -> RowKernels.maxAbs(f.data, i * n, n);
                case DMatrix d -> RowKernels.maxAbs(d.data, i * n, n);
            };
        }
    }

    private static void check(Matrix a, Matrix b, Matrix out) {
        if (!a.sameShape(b) || !a.sameShape(out) || a.precision() != out.precision()
                || b.precision() != out.precision()) {
            throw new IllegalArgumentException("elementwise shapes/precisions differ: " + a + ", " + b
                    + ", " + out);
        }
    }

    /** Row i of s moves toward row i of target: s_i += alpha (target_i - s_i). */
    public static void relaxRow(Matrix s, Matrix target, int row, double alpha) {
        int n = s.cols;
        int o = row * n;
        switch (s) {
            case FMatrix f -> {
                float[] x = f.data, t = ((FMatrix) target).data;
                float a = (float) alpha;
                if (alpha == 1.0) {
                    System.arraycopy(t, o, x, o, n);
                } else {
                    for (int j = o; j < o + n; j++) {
                        x[j] += a * (t[j] - x[j]);
                    }
                }
            }
            case DMatrix d -> {
                double[] x = d.data, t = ((DMatrix) target).data;
                if (alpha == 1.0) {
                    System.arraycopy(t, o, x, o, n);
                } else {
                    for (int j = o; j < o + n; j++) {
                        x[j] += alpha * (t[j] - x[j]);
                    }
                }
            }
        }
    }
    /**
     * Row i of s moves toward row i of target with a step per column (per-unit time constants,
     * MATH section 1): s_ij += alpha_j (target_ij - s_ij).
     */
    public static void relaxRow(Matrix s, Matrix target, int row, double[] alpha) {
        int n = s.cols;
        int o = row * n;
        switch (s) {
            case FMatrix f -> {
                float[] x = f.data, t = ((FMatrix) target).data;
                for (int j = 0; j < n; j++) {
                    x[o + j] += (float) alpha[j] * (t[o + j] - x[o + j]);
                }
            }
            case DMatrix d -> {
                double[] x = d.data, t = ((DMatrix) target).data;
                for (int j = 0; j < n; j++) {
                    x[o + j] += alpha[j] * (t[o + j] - x[o + j]);
                }
            }
        }
    }

    /**
     * out = (1 - alpha_j) s + alpha_j phi, column by column (one Euler step with per-unit steps, in
     * the same form as {@code lincomb(1 - alpha, s, alpha, phi, out)} for a scalar step). out may alias
     * s or phi.
     */
    public static void relaxColumns(Matrix s, Matrix phi, double[] alpha, Matrix out) {
        check(s, phi, out);
        int n = out.cols;
        switch (out) {
            case FMatrix o -> {
                float[] x = ((FMatrix) s).data, p = ((FMatrix) phi).data, z = o.data;
                for (int i = 0; i < z.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        float a = (float) alpha[j];
                        z[i + j] = (1 - a) * x[i + j] + a * p[i + j];
                    }
                }
            }
            case DMatrix o -> {
                double[] x = ((DMatrix) s).data, p = ((DMatrix) phi).data, z = o.data;
                for (int i = 0; i < z.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        double a = alpha[j];
                        z[i + j] = (1 - a) * x[i + j] + a * p[i + j];
                    }
                }
            }
        }
    }

    /** m[:, j] *= scale[j] for every column j. */
    public static void scaleColumns(Matrix m, double[] scale) {
        if (scale.length != m.cols) {
            throw new IllegalArgumentException(scale.length + " column scales for " + m.shape());
        }
        int n = m.cols;
        switch (m) {
            case FMatrix f -> {
                float[] x = f.data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        x[i + j] *= (float) scale[j];
                    }
                }
            }
            case DMatrix d -> {
                double[] x = d.data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        x[i + j] *= scale[j];
                    }
                }
            }
        }
    }

    /**
     * out = a^T (a m x n, out n x m, same precision, different matrices), in square tiles so that
     * both the rows read and the rows written stay in L1.
     */
    public static void transpose(Matrix a, Matrix out) {
        if (out.rows != a.cols || out.cols != a.rows || out.precision() != a.precision() || out == a) {
            throw new IllegalArgumentException("transpose of " + a.shape() + " into " + out.shape());
        }
        final int tile = 32;
        int m = a.rows;
        int n = a.cols;
        for (int i0 = 0; i0 < m; i0 += tile) {
            int i1 = Math.min(i0 + tile, m);
            for (int j0 = 0; j0 < n; j0 += tile) {
                int j1 = Math.min(j0 + tile, n);
                switch (a) {
                    case FMatrix f -> {
                        float[] x = f.data;
                        float[] y = ((FMatrix) out).data;
                        for (int i = i0; i < i1; i++) {
                            for (int j = j0; j < j1; j++) {
                                y[j * m + i] = x[i * n + j];
                            }
                        }
                    }
                    case DMatrix d -> {
                        double[] x = d.data;
                        double[] y = ((DMatrix) out).data;
                        for (int i = i0; i < i1; i++) {
                            for (int j = j0; j < j1; j++) {
                                y[j * m + i] = x[i * n + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * dst = src (same shape; the precision converted as {@link Matrix#copyRow} does) on row blocks over
     * the cores: copies only, so the bits do not depend on the split. For batch-sized copies between
     * parallel passes, where a copy on the calling thread alone keeps the other cores waiting.
     */
    public static void copyRowsParallel(Matrix src, Matrix dst) {
        if (src.rows != dst.rows || src.cols != dst.cols) {
            throw new IllegalArgumentException("copy " + src.shape() + " into " + dst.shape());
        }
        RowCopy c = ROW_COPY.get();
        c.src = src;
        c.dst = dst;
        try {
            RowParallel.forRows(src.rows, RowParallel.minRows(src.cols), c);
        } finally {
            c.src = null;
            c.dst = null;
        }
    }

    /** The row blocks of {@link #copyRowsParallel}, one per calling thread (a lambda per call would allocate). */
    private static final class RowCopy implements RowParallel.RowBlock {
        Matrix src;
        Matrix dst;

        @Override
        public void rows(int part, int from, int to) {
            for (int i = from; i < to; i++) {
                dst.copyRow(src, i, i);
            }
        }
    }

    private static final ThreadLocal<RowCopy> ROW_COPY = ThreadLocal.withInitial(RowCopy::new);

    /**
     * Row i of dst becomes row rows[i] of src, for i < count (same number of columns; any
     * precisions). dst may be src itself if rows[i] >= i for every i (the rows move up only).
     */
    public static void gatherRows(Matrix src, int[] rows, int count, Matrix dst) {
        if (src.cols != dst.cols || count > dst.rows || count > rows.length) {
            throw new IllegalArgumentException("gather of " + count + " rows of " + src.shape() + " into "
                    + dst.shape());
        }
        for (int i = 0; i < count; i++) {
            dst.copyRow(src, rows[i], i);
        }
    }

    /**
     * Copies columns [srcCol, srcCol + count) of src into columns [dstCol, dstCol + count) of dst,
     * every row (same number of rows and precision).
     */
    public static void copyColumns(Matrix src, int srcCol, Matrix dst, int dstCol, int count) {
        checkColumns(src, srcCol, dst, dstCol, count);
        int rows = src.rows;
        switch (dst) {
            case FMatrix d -> {
                float[] x = ((FMatrix) src).data;
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(x, i * src.cols + srcCol, d.data, i * dst.cols + dstCol, count);
                }
            }
            case DMatrix d -> {
                double[] x = ((DMatrix) src).data;
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(x, i * src.cols + srcCol, d.data, i * dst.cols + dstCol, count);
                }
            }
        }
    }

    /**
     * dst[:, dstCol + j] = alpha * src[:, srcCol + j] + beta * dst[:, dstCol + j] for j < count
     * (beta == 0 overwrites, also over NaN).
     */
    public static void combineColumns(double alpha, Matrix src, int srcCol, double beta, Matrix dst,
                                      int dstCol, int count) {
        checkColumns(src, srcCol, dst, dstCol, count);
        int rows = src.rows;
        switch (dst) {
            case FMatrix d -> {
                float[] x = ((FMatrix) src).data, y = d.data;
                float al = (float) alpha, be = (float) beta;
                for (int i = 0; i < rows; i++) {
                    int si = i * src.cols + srcCol;
                    int di = i * dst.cols + dstCol;
                    for (int j = 0; j < count; j++) {
                        y[di + j] = beta == 0 ? al * x[si + j] : al * x[si + j] + be * y[di + j];
                    }
                }
            }
            case DMatrix d -> {
                double[] x = ((DMatrix) src).data, y = d.data;
                for (int i = 0; i < rows; i++) {
                    int si = i * src.cols + srcCol;
                    int di = i * dst.cols + dstCol;
                    for (int j = 0; j < count; j++) {
                        y[di + j] = beta == 0 ? alpha * x[si + j] : alpha * x[si + j] + beta * y[di + j];
                    }
                }
            }
        }
    }

    /** m[:, col .. col + count) *= beta (beta == 0 writes zeros, also over NaN). */
    public static void scaleColumnRange(Matrix m, int col, int count, double beta) {
        if (col < 0 || count < 0 || col + count > m.cols) {
            throw new IllegalArgumentException("columns [" + col + ", " + (col + count) + ") of " + m.shape());
        }
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m.rows; i++) {
            int o = i * m.cols + col;
            for (int j = 0; j < count; j++) {
                m.setFlat(o + j, beta == 0 ? 0.0 : beta * m.getFlat(o + j));
            }
        }
    }

    private static void checkColumns(Matrix src, int srcCol, Matrix dst, int dstCol, int count) {
        if (src.rows != dst.rows || src.precision() != dst.precision() || srcCol < 0 || dstCol < 0
                || count < 0 || srcCol + count > src.cols || dstCol + count > dst.cols) {
            throw new IllegalArgumentException("columns [" + srcCol + ", " + (srcCol + count) + ") of "
                    + src + " to columns [" + dstCol + ", " + (dstCol + count) + ") of " + dst);
        }
    }
}
