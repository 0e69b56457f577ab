package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * A 2-D convolution (deep-learning convention: cross-correlation, no flip) from C_in x H_in x W_in
 * feature maps to C_out x H_out x W_out, with a square k x k kernel, stride and zero padding
 * (MATH section 4, "Convolution"): H_out = (H_in + 2 pad - k) / stride + 1, and
 *
 * <pre>
 *   out[co, oy, ox] = sum_{ci, dy, dx} K[co, ci, dy, dx] in[ci, oy*stride + dy - pad, ox*stride + dx - pad]
 * </pre>
 *
 * <p>One parameter, the kernel K, stored as a C_out x (C_in k k) matrix (row-major over ci, dy, dx).
 * The transpose is the transposed convolution; the projection is the weight gradient of a
 * convolution (a correlation of the feature maps). The convolution and its transpose are computed
 * directly, sample by sample, as shift stencils over polyphase planes vectorized over the pixels
 * ({@link DirectConv}, {@link org.fprnn.linalg.ConvKernels}); the projection, once per training step,
 * goes through im2col (the receptive fields of a chunk of samples as the columns of a (C_in k k) x
 * (chunk P) matrix, P = H_out W_out) and one wide BLAS product per chunk. The index tables are built
 * once, the buffers once per chunk size.
 */
public final class Conv2dMap implements ColumnMap {
    /** Largest column buffer, in elements, before the batch is split into chunks. */
    private static final int COLUMN_BUDGET = 1 << 22;

    private final String name;

    /** parameterNames(), made once: the rules ask for it on every call. */

    private final List<String> names;
    private final Matrix kernel;
    private final FeatureShape in;
    private final FeatureShape out;
    private final int k;
    private final int stride;
    private final int pad;
    /** P = H_out W_out output positions, KK = C_in k k kernel entries per output channel. */
    private final int positions;
    private final int kk;
    /** src[q * P + pos]: the input unit read by kernel entry q at output position pos, or -1 (padding). */
    private final int[] src;
    private final int maxChunk;
    /** The convolution and its transpose, computed directly. */
    private final DirectConv direct;
    private float[] colF;
    private float[] tF;
    private double[] colD;
    private double[] tD;

    /**
     * @param kernel the live C_out x (C_in k k) kernel matrix
     * @param in the input feature shape (C_in must match the kernel)
     */
    public Conv2dMap(String name, Matrix kernel, FeatureShape in, int k, int stride, int pad) {
        this(name, kernel, in, k, stride, pad, COLUMN_BUDGET);
    }

    /** As above with a given column-buffer budget in elements (tests use a small one to force chunks). */
    Conv2dMap(String name, Matrix kernel, FeatureShape in, int k, int stride, int pad, int columnBudget) {
        if (k <= 0 || stride <= 0 || pad < 0 || in.height() + 2 * pad < k || in.width() + 2 * pad < k) {
            throw new IllegalArgumentException("convolution " + name + ": kernel " + k + ", stride " + stride
                    + ", padding " + pad + " do not fit input " + in);
        }
        if (kernel.cols != in.channels() * k * k) {
            throw new IllegalArgumentException("convolution " + name + ": kernel " + kernel.shape()
                    + " does not match " + in.channels() + " input channels and a " + k + "x" + k + " kernel");
        }
        this.name = name;
        this.names = List.of(name);
        this.kernel = kernel;
        this.in = in;
        this.k = k;
        this.stride = stride;
        this.pad = pad;
        this.out = new FeatureShape(kernel.rows, (in.height() + 2 * pad - k) / stride + 1,
                (in.width() + 2 * pad - k) / stride + 1);
        this.positions = out.pixels();
        this.kk = kernel.cols;
        this.src = new int[positions * kk];
        for (int oy = 0; oy < out.height(); oy++) {
            for (int ox = 0; ox < out.width(); ox++) {
                int pos = oy * out.width() + ox;
                for (int ci = 0; ci < in.channels(); ci++) {
                    for (int dy = 0; dy < k; dy++) {
                        for (int dx = 0; dx < k; dx++) {
                            int iy = oy * stride + dy - pad;
                            int ix = ox * stride + dx - pad;
                            boolean inside = iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width();
                            int q = (ci * k + dy) * k + dx;
                            src[q * positions + pos] = inside ? (ci * in.height() + iy) * in.width() + ix : -1;
                        }
                    }
                }
            }
        }
        this.maxChunk = Math.max(1, columnBudget / (positions * Math.max(kk, out.channels())));
        this.direct = new DirectConv(in, out, k, stride, pad);
    }

    /**
     * A factory: kernel {@code name} of shape outChannels x (C_in k k) drawn as std * randn.
     */
    public static MapFactory<Conv2dMap> factory(String name, FeatureShape in, int outChannels, int k, int stride,
                                                int pad, double std) {
        return (params, precision, rng) -> new Conv2dMap(name,
                Init.register(params, name, Init.gaussian(outChannels, in.channels() * k * k, std, precision, rng)),
                in, k, stride, pad);
    }

    public FeatureShape inputShape() { return in; }
    public FeatureShape outputShape() { return out; }
    public int kernelSize() { return k; }
    public int stride() { return stride; }
    public int padding() { return pad; }
    public String name() { return name; }
    /** The live kernel matrix, C_out x (C_in k k). */
    public Matrix kernel() { return kernel; }

    @Override public int inputs() { return in.size(); }
    @Override public int outputs() { return out.size(); }

    private void check(Matrix m, int cols, String what) {
        if (m.cols != cols || m.precision() != kernel.precision()) {
            throw new IllegalArgumentException("convolution " + name + ": " + what + " is " + m + " ("
                    + m.precision() + "), expected " + cols + " columns in " + kernel.precision());
        }
    }

    private int chunk(int b) {
        int c = Math.min(Math.max(b, 1), maxChunk);
        int colLen = c * positions * kk;
        int tLen = c * positions * out.channels();
        if (kernel instanceof FMatrix) {
            if (colF == null || colF.length < colLen) {
                colF = new float[colLen];
                tF = new float[tLen];
            }
        } else if (colD == null || colD.length < colLen) {
            colD = new double[colLen];
            tD = new double[tLen];
        }
        return c;
    }

    /**
     * Convolution: out = alpha conv(x) + beta out (MATH section 4); x is B x (C_in H_in W_in), out is
     * B x (C_out H_out W_out). Sample by sample, a shift stencil over the polyphase planes of the
     * padded input ({@link DirectConv}).
     */
    @Override
    public void apply(Matrix x, Matrix o, double alpha, double beta) {
        check(x, inputs(), "argument");
        check(o, outputs(), "result");
        direct.run(kernel, x, 0, o, 0, alpha, beta, false);
    }

    /**
     * Transposed convolution (correlation with the flipped kernel): out = alpha conv^T(a) + beta out;
     * a is B x (C_out H_out W_out), out is B x (C_in H_in W_in). Sample by sample, the adjoint
     * of each step of {@link #apply} ({@link DirectConv}).
     */
    @Override
    public void applyTranspose(Matrix a, Matrix o, double alpha, double beta) {
        check(a, outputs(), "argument");
        check(o, inputs(), "result");
        direct.run(kernel, a, 0, o, 0, alpha, beta, true);
    }

    @Override
    public void applyColumns(Matrix x, int xCol, Matrix o, int oCol, double alpha, double beta) {
        checkColumns(x, xCol, inputs(), o, oCol, outputs());
        direct.run(kernel, x, xCol, o, oCol, alpha, beta, false);
    }

    @Override
    public void applyTransposeColumns(Matrix a, int aCol, Matrix o, int oCol, double alpha, double beta) {
        checkColumns(a, aCol, outputs(), o, oCol, inputs());
        direct.run(kernel, a, aCol, o, oCol, alpha, beta, true);
    }

    private void checkColumns(Matrix x, int xCol, int xCount, Matrix o, int oCol, int oCount) {
        if (xCol < 0 || xCol + xCount > x.cols || oCol < 0 || oCol + oCount > o.cols || x.rows != o.rows
                || x.precision() != kernel.precision() || o.precision() != kernel.precision() || x == o) {
            throw new IllegalArgumentException("convolution " + name + ": columns [" + xCol + ", " + (xCol + xCount)
                    + ") of " + x + " into columns [" + oCol + ", " + (oCol + oCount) + ") of " + o
                    + " do not fit (or are the same matrix)");
        }
    }

    /**
     * Convolution: D_K = scale * sum_i corr(a_i, b_i), the weight gradient of a convolution
     * (MATH section 4), C_out x (C_in k k): D_K[co, (ci, dy, dx)] = scale sum_{i, oy, ox}
     * a_i[co, oy, ox] b_i[ci, oy*stride + dy - pad, ox*stride + dx - pad]. a is B x outputs, b is
     * B x inputs. Per chunk one product A col^T (C_out x c P times c P x KK).
     */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (!into.has(name)) {
            return;
        }
        check(a, outputs(), "a");
        check(b, inputs(), "b");
        Matrix d = into.get(name);
        int bs = a.rows;
        int c = chunk(bs);
        int co = out.channels();
        if (bs == 0 && !accumulate) {
            d.fill(0);
        }
        for (int s0 = 0; s0 < bs; s0 += c) {
            int cnt = Math.min(c, bs - s0);
            int m = cnt * positions;
            boolean overwrite = s0 == 0 && !accumulate;
            switch (d) {
                case FMatrix df -> {
                    toChannelMajor(((FMatrix) a).data, s0, cnt, tF);
                    im2col(((FMatrix) b).data, s0, cnt, colF);
                    Blas.get().sgemm(false, true, co, kk, m, (float) scale, tF, 0, m, colF, 0, m,
                            overwrite ? 0f : 1f, df.data, 0, kk);
                }
                case DMatrix dd -> {
                    toChannelMajor(((DMatrix) a).data, s0, cnt, tD);
                    im2col(((DMatrix) b).data, s0, cnt, colD);
                    Blas.get().dgemm(false, true, co, kk, m, scale, tD, 0, m, colD, 0, m,
                            overwrite ? 0 : 1, dd.data, 0, kk);
                }
            }
        }
    }

    // ---- im2col and layout changes, float and double; m = cnt P columns per chunk ----

    /** col[q][ls P + pos] = x[s0 + ls][src[q P + pos]] (0 for padding). */
    private void im2col(float[] x, int s0, int cnt, float[] col) {
        int n = in.size();
        int m = cnt * positions;
        for (int q = 0; q < kk; q++) {
            int sq = q * positions;
            for (int ls = 0; ls < cnt; ls++) {
                int xo = (s0 + ls) * n;
                int co = q * m + ls * positions;
                for (int pos = 0; pos < positions; pos++) {
                    int j = src[sq + pos];
                    col[co + pos] = j < 0 ? 0f : x[xo + j];
                }
            }
        }
    }

    private void im2col(double[] x, int s0, int cnt, double[] col) {
        int n = in.size();
        int m = cnt * positions;
        for (int q = 0; q < kk; q++) {
            int sq = q * positions;
            for (int ls = 0; ls < cnt; ls++) {
                int xo = (s0 + ls) * n;
                int co = q * m + ls * positions;
                for (int pos = 0; pos < positions; pos++) {
                    int j = src[sq + pos];
                    col[co + pos] = j < 0 ? 0.0 : x[xo + j];
                }
            }
        }
    }

    /** t[c][ls P + pos] = a[s0 + ls][c P + pos]: contiguous copies of P values. */
    private void toChannelMajor(float[] a, int s0, int cnt, float[] t) {
        int n = out.size();
        int m = cnt * positions;
        for (int ls = 0; ls < cnt; ls++) {
            for (int c = 0; c < out.channels(); c++) {
                System.arraycopy(a, (s0 + ls) * n + c * positions, t, c * m + ls * positions, positions);
            }
        }
    }

    private void toChannelMajor(double[] a, int s0, int cnt, double[] t) {
        int n = out.size();
        int m = cnt * positions;
        for (int ls = 0; ls < cnt; ls++) {
            for (int c = 0; c < out.channels(); c++) {
                System.arraycopy(a, (s0 + ls) * n + c * positions, t, c * m + ls * positions, positions);
            }
        }
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, kernel); }

    /** The outputs x inputs matrix: M[(co, pos), src(pos, q)] += K[co, q]. */
    @Override
    public DMatrix dense() {
        int n = in.size();
        int co = out.channels();
        DMatrix m = new DMatrix(outputs(), n);
        for (int c = 0; c < co; c++) {
            for (int pos = 0; pos < positions; pos++) {
                int row = (c * positions + pos) * n;
                for (int q = 0; q < kk; q++) {
                    int j = src[q * positions + pos];
                    if (j >= 0) {
                        m.data[row + j] += kernel.get(c, q);
                    }
                }
            }
        }
        return m;
    }

    @Override
    public Conv2dMap toDouble() {
        return new Conv2dMap(name, kernel.toDouble().copy(), in, k, stride, pad);
    }
}
