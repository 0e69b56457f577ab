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
 */
public final class Conv2dOperator implements RecurrentOperator, ColumnMap {
    private final Conv2dMap conv;

    /**
     * @param kernel the live C x (C k k) kernel
     * @param shape the state's feature shape C x H x W
     * @param k odd kernel size
     */
    public Conv2dOperator(String name, Matrix kernel, FeatureShape shape, int k) {
        if (k % 2 != 1) {
            throw new IllegalArgumentException("a same-padded recurrent convolution needs an odd kernel size, got " + k);
        }
        if (kernel.rows != shape.channels()) {
            throw new IllegalArgumentException("recurrent convolution " + name + ": kernel " + kernel.shape()
                    + " must have C_out = C_in = " + shape.channels());
        }
        this.conv = new Conv2dMap(name, kernel, shape, k, 1, (k - 1) / 2);
    }

    /**
     * A factory: kernel {@code name} drawn as scale * randn / sqrt(C k^2), which gives the operator a
     * spectral scale of about {@code scale}.
     */
    public static MapFactory<Conv2dOperator> factory(String name, FeatureShape shape, int k, double scale) {
        return (params, precision, rng) -> {
            int c = shape.channels();
            Matrix kern = Init.gaussian(c, c * k * k, scale / Math.sqrt((double) c * k * k), precision, rng);
            return new Conv2dOperator(name, Init.register(params, name, kern), shape, k);
        };
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
        return new Conv2dOperator(conv.name(), conv.kernel().toDouble().copy(), shape(), kernelSize());
    }
}
