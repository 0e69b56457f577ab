package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;

/**
 * A dense N x N recurrent matrix stored as parameter {@code name} of the network's parameters.
 *
 * <p>Optionally bounded, as {@link Conv2dOperator} is: with a maximum norm c > 0,
 * {@link #constrain()} (after every optimizer step, and once at construction by the factory)
 * rescales W to W c / ||W||_2 whenever the power-iteration estimate of ||W||_2 exceeds c.
 */
public final class DenseOperator implements RecurrentOperator, ColumnMap {
    private final Params params;
    private final String name;
    /** parameterNames(), made once: the rules ask for it on every call. */
    private final List<String> names;
    /** The bound c on ||W||_2, or 0: no bound. */
    private final double maxNorm;
    private final SpectralNorm norm;

    public DenseOperator(Params params, String name) {
        this(params, name, 0);
    }

    /**
     * As above, with a bound on ||W||_2 that {@link #constrain()} enforces.
     *
     * @param maxNorm the bound c > 0, or 0 for none
     */
    public DenseOperator(Params params, String name, double maxNorm) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("recurrent matrix " + name + ": the bound on its norm must be a finite"
                    + " number > 0 (or 0: none), got " + maxNorm);
        }
        this.params = params;
        this.name = name;
        this.names = List.of(name);
        Matrix w = params.get(name);
        if (w.rows != w.cols) {
            throw new IllegalArgumentException("recurrent matrix " + name + " must be square, got " + w.shape());
        }
        this.maxNorm = maxNorm;
        this.norm = maxNorm > 0 ? new SpectralNorm(this, Conv2dOperator.NORM_ITERATIONS) : null;
    }

    /**
     * A factory for a network builder (or a block of a {@link BlockOperator}): parameter {@code name}
     * drawn as scale * randn(n, n) / sqrt(n).
     */
    public static MapFactory<DenseOperator> factory(String name, int n, double scale) {
        return factory(name, n, scale, 0);
    }

    /**
     * As above, with a bound c on ||W||_2 (0: none), enforced at once on the drawn matrix and by
     * {@link #constrain()} after every step. Without a bound the draws are those of the plain factory.
     */
    public static MapFactory<DenseOperator> factory(String name, int n, double scale, double maxNorm) {
        return (params, precision, rng) -> {
            Init.register(params, name, Init.gaussian(n, n, scale / Math.sqrt(n), precision, rng));
            DenseOperator op = new DenseOperator(params, name, maxNorm);
            op.constrain();
            return op;
        };
    }

    /** The bound on ||W||_2 that {@link #constrain()} enforces, or 0 for none. */
    public double maxNorm() { return maxNorm; }

    /** The power-iteration estimate of ||W||_2 that {@link #constrain()} compares with the bound. */
    public double normEstimate() {
        return (norm != null ? norm : new SpectralNorm(this, Conv2dOperator.NORM_ITERATIONS)).estimate(w());
    }

    /**
     * With a bound c: if the estimate s of ||W||_2 exceeds c, W becomes W c / s (so the estimate
     * becomes c); otherwise nothing changes.
     */
    @Override
    public void constrain() {
        if (norm == null) {
            return;
        }
        Matrix w = w();
        double s = norm.estimate(w);
        if (s > maxNorm) {
            double f = maxNorm / s;
            for (int i = 0; i < w.size(); i++) {
                w.setFlat(i, w.getFlat(i) * f);
            }
        }
    }

    private Matrix w() {
        return params.get(name);
    }

    @Override public int units() { return w().rows; }

    /** Its products read W and write their output only. */
    @Override public boolean concurrentProducts() { return true; }

    /**
     * W^T while the weights are fixed ({@link #beginFixedWeights()}) and no packed product serves
     * them, else null. A solver's products on chunks of rows then read W^T as stored (no transposed
     * operand): measured with OpenBLAS 0.3.21 on a 2-core EPYC, products of 64 rows by 300 x 300 took
     * 1.12 ms per 512 rows against 1.17 ms with W transposed in the call (each call repacks its
     * operand, and packing W^T as stored is cheaper), and their bits were the same. Only for a float W
     * of at most {@link #MAX_TRANSPOSED_BYTES}: a larger W's products are not cut into chunks
     * (whole-batch products gain about nothing), and its copy would cost memory and a transpose per
     * solve; a double W's neither (and OpenBLAS 0.3.31's Cooperlake dgemm kernel rounds a product with
     * W^T as stored differently from one with W transposed in the call).
     */
    private volatile Matrix fixedTranspose;
    /**
     * W packed for {@link PackedProduct}'s r W^T while the weights are fixed, else null: where the
     * Vector API has 512-bit vectors, for a float W of at most {@link #MAX_TRANSPOSED_BYTES}, in place
     * of {@link #fixedTranspose}.
     */
    private volatile PackedProduct fixedPacked;
    /**
     * W itself packed for the products a W ({@link #applyTranspose}: the gradient's adjoint) while the
     * weights are fixed and {@link #fixedPacked} is in use, packed at the span's first such product
     * (forward solves make none), else null.
     */
    private volatile PackedProduct fixedPackedW;
    private PackedProduct packBufferW;
    /** Largest W that {@link #beginFixedWeights()} stores transposed or packed: the solvers' limit for chunks (ChunkedSolver). */
    static final long MAX_TRANSPOSED_BYTES = 2L << 20;
    /** The buffers of the spans, kept between them; depth of nested spans. */
    private Matrix transposeBuffer;
    private PackedProduct packBuffer;
    private int fixedDepth;

    /** The outermost call packs W, or stores W^T, until the matching {@link #endFixedWeights()}. */
    @Override
    public synchronized void beginFixedWeights() {
        if (fixedDepth++ > 0) {
            return;
        }
        Matrix w = w();
        if (w.precision() != Precision.FLOAT || (long) w.size() * Float.BYTES > MAX_TRANSPOSED_BYTES) {
            return; // a double W's solves are not cut into chunks (ChunkedSolver), so its products gain nothing
        }
        if (PackedProduct.supported()) {
            if (packBuffer == null || !packBuffer.fitsTransposed(w)) {
                packBuffer = new PackedProduct(w.rows, w.cols);
            }
            packBuffer.packTransposed(w);
            fixedPacked = packBuffer;
            return;
        }
        if (transposeBuffer == null || !transposeBuffer.sameShape(w) || transposeBuffer.precision() != w.precision()) {
            transposeBuffer = w.like(w.cols, w.rows);
        }
        Ops.transpose(w, transposeBuffer);
        fixedTranspose = transposeBuffer;
    }

    @Override
    public synchronized void endFixedWeights() {
        if (fixedDepth == 0) {
            throw new IllegalStateException("endFixedWeights without beginFixedWeights on " + name);
        }
        if (--fixedDepth == 0) {
            fixedTranspose = null;
            fixedPacked = null;
            fixedPackedW = null;
        }
    }

    /** W packed as it is stored, within a span whose W^T is packed: made at the span's first call. */
    private synchronized PackedProduct packedW() {
        if (fixedPackedW == null && fixedPacked != null) {
            Matrix w = w();
            if (packBufferW == null || !packBufferW.fits(w)) {
                packBufferW = new PackedProduct(w.cols, w.rows);
            }
            packBufferW.pack(w);
            fixedPackedW = packBufferW;
        }
        return fixedPackedW;
    }

    private static boolean floats(Matrix a, Matrix out) {
        return a.precision() == Precision.FLOAT && out.precision() == Precision.FLOAT;
    }

    /**
     * out = alpha r W^T + beta out; while the weights are fixed, from packed W ({@link PackedProduct},
     * float) or from the stored W^T (the same bits as from W).
     */
    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        PackedProduct packed = fixedPacked;
        if (packed != null && floats(r, out)) {
            packed.product(r, out, alpha, beta);
            return;
        }
        Matrix wt = fixedTranspose;
        if (wt != null) {
            Ops.gemm(false, false, alpha, r, wt, beta, out);
        } else {
            Ops.gemm(false, true, alpha, r, w(), beta, out);
        }
    }

    /** out = alpha a W + beta out; while the weights are fixed, from packed W (float, as {@link #apply}). */
    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        if (fixedPacked != null && floats(a, out)) {
            PackedProduct packed = fixedPackedW != null ? fixedPackedW : packedW();
            if (packed != null) {
                packed.product(a, out, alpha, beta);
                return;
            }
        }
        Ops.gemm(false, false, alpha, a, w(), beta, out);
    }

    @Override
    public void applyColumns(Matrix x, int xCol, Matrix out, int outCol, double alpha, double beta) {
        Ops.gemmColumns(true, alpha, x, xCol, w(), beta, out, outCol);
    }

    @Override
    public void applyTransposeColumns(Matrix a, int aCol, Matrix out, int outCol, double alpha, double beta) {
        Ops.gemmColumns(false, alpha, a, aCol, w(), beta, out, outCol);
    }

    /** Dense: D_W = scale * a^T b (MATH section 4, "dense: a^T b / B"); a, b are B x N. */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (into.has(name)) {
            Ops.gemm(true, false, scale, a, b, accumulate ? 1 : 0, into.get(name));
        }
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, w()); }

    @Override public DMatrix dense() { return w().toDouble().copy(); }

    @Override
    public RecurrentOperator toDouble() {
        return new DenseOperator(new Params().put(name, w().toDouble().copy()), name, maxNorm);
    }
}
