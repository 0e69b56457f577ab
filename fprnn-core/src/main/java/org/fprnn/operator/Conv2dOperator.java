package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * A recurrent 2-D convolution with same padding (MATH section 4, "Convolution"): the state of each
 * sample is C x H x W feature maps flattened row-major (N = C H W), and W_theta is a
 * {@link Conv2dMap} with C_out = C_in = C, an odd k x k kernel, stride 1 and padding (k - 1) / 2.
 * Its parameter is the C x (C k k) kernel; apply is the convolution, applyTranspose the transposed
 * convolution, project the weight gradient (see {@link Conv2dMap}).
 *
 * <p>Optionally bounded: with a maximum norm c > 0, {@link #constrain()} (called after every
 * optimizer step, and once at construction by the factory) rescales the kernel to
 * K c / ||W||_2 whenever the power-iteration estimate of ||W||_2 exceeds c, a projection after each
 * step in the sense of MATH section 4. With c < 1 and gains |f'| <= 1 the layer's fixed-point map is
 * a contraction, so its solves converge and their iterations stay bounded however training moves K.
 */
public final class Conv2dOperator implements RecurrentOperator, ColumnMap {
    /** Power iterations per estimate of ||W||_2 (from a fixed start: about 1% below it, measured in the test). */
    static final int NORM_ITERATIONS = 50;

    private final Conv2dMap conv;
    /** The bound c on ||W||_2, or 0: no bound. */
    private final double maxNorm;
    private final SpectralNorm norm;

    /**
     * @param kernel the live C x (C k k) kernel
     * @param shape the state's feature shape C x H x W
     * @param k odd kernel size
     */
    public Conv2dOperator(String name, Matrix kernel, FeatureShape shape, int k) {
        this(name, kernel, shape, k, 0);
    }

    /**
     * As above, with a bound on ||W||_2 that {@link #constrain()} enforces.
     *
     * @param maxNorm the bound c > 0, or 0 for none
     */
    public Conv2dOperator(String name, Matrix kernel, FeatureShape shape, int k, double maxNorm) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("recurrent convolution " + name + ": the bound on its norm must be a"
                    + " finite number > 0 (or 0: none), got " + maxNorm);
        }
        if (k % 2 != 1) {
            throw new IllegalArgumentException("a same-padded recurrent convolution needs an odd kernel size, got " + k);
        }
        if (kernel.rows != shape.channels()) {
            throw new IllegalArgumentException("recurrent convolution " + name + ": kernel " + kernel.shape()
                    + " must have C_out = C_in = " + shape.channels());
        }
        this.conv = new Conv2dMap(name, kernel, shape, k, 1, (k - 1) / 2);
        this.maxNorm = maxNorm;
        this.norm = maxNorm > 0 ? new SpectralNorm(conv, NORM_ITERATIONS) : null;
    }

    /**
     * A factory: kernel {@code name} drawn as scale * randn / sqrt(C k^2), which gives the operator a
     * spectral scale of about {@code scale}.
     */
    public static MapFactory<Conv2dOperator> factory(String name, FeatureShape shape, int k, double scale) {
        return factory(name, shape, k, scale, 0);
    }

    /**
     * As above, with a bound c on ||W||_2 (0: none), enforced at once on the drawn kernel and by
     * {@link #constrain()} after every step.
     */
    public static MapFactory<Conv2dOperator> factory(String name, FeatureShape shape, int k, double scale,
                                                     double maxNorm) {
        return (params, precision, rng) -> {
            int c = shape.channels();
            Matrix kern = Init.gaussian(c, c * k * k, scale / Math.sqrt((double) c * k * k), precision, rng);
            Conv2dOperator op = new Conv2dOperator(name, Init.register(params, name, kern), shape, k, maxNorm);
            op.constrain();
            return op;
        };
    }

    /** The bound on ||W||_2 that {@link #constrain()} enforces, or 0 for none. */
    public double maxNorm() { return maxNorm; }

    /** The power-iteration estimate of ||W||_2 that {@link #constrain()} compares with the bound. */
    public double normEstimate() {
        return (norm != null ? norm : new SpectralNorm(conv, NORM_ITERATIONS)).estimate(conv.kernel());
    }

    /**
     * With a bound c: if the estimate s of ||W||_2 exceeds c, K becomes K c / s (so the estimate
     * becomes c); otherwise nothing changes.
     */
    @Override
    public void constrain() {
        if (norm == null) {
            return;
        }
        Matrix kern = conv.kernel();
        double s = norm.estimate(kern);
        if (s > maxNorm) {
            double f = maxNorm / s;
            for (int i = 0; i < kern.size(); i++) {
                kern.setFlat(i, kern.getFlat(i) * f);
            }
        }
    }

    public FeatureShape shape() { return conv.inputShape(); }
    public int kernelSize() { return conv.kernelSize(); }

    /** The live kernel, C x (C k k). */
    public Matrix kernel() { return conv.kernel(); }

    @Override public int units() { return conv.inputs(); }

    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        conv.apply(r, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        conv.applyTranspose(a, out, alpha, beta);
    }

    @Override
    public void applyColumns(Matrix x, int xCol, Matrix out, int outCol, double alpha, double beta) {
        conv.applyColumns(x, xCol, out, outCol, alpha, beta);
    }

    @Override
    public void applyTransposeColumns(Matrix a, int aCol, Matrix out, int outCol, double alpha, double beta) {
        conv.applyTransposeColumns(a, aCol, out, outCol, alpha, beta);
    }

    /** The convolution's weight gradient, see {@link Conv2dMap#project}. */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        conv.project(a, b, scale, into, accumulate);
    }

    @Override public List<String> parameterNames() { return conv.parameterNames(); }
    @Override public Params parameters() { return conv.parameters(); }
    @Override public DMatrix dense() { return conv.dense(); }

    @Override
    public Conv2dOperator toDouble() {
        return new Conv2dOperator(conv.name(), conv.kernel().toDouble().copy(), shape(), kernelSize(), maxNorm);
    }
}
