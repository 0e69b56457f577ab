package org.fprnn.linalg;

/**
 * Elementwise transcendental kernels on array ranges, in float and double. Results must be
 * bitwise identical whether the code runs interpreted or JIT-compiled (resume after a kill must be
 * bitwise identical), so they are built only from exactly rounded operations.
 *
 * <p>PLACEHOLDER: scalar StrictMath versions (deterministic, slow); to be replaced by Vector API
 * kernels with the same signatures. {@code out} may be the same array as {@code x}.
 */
public final class VectorMath {
    private VectorMath() {
    }

    public static void tanh(float[] x, int xOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = (float) StrictMath.tanh(x[xOff + i]);
        }
    }

    public static void tanh(double[] x, int xOff, double[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = StrictMath.tanh(x[xOff + i]);
        }
    }

    public static void exp(float[] x, int xOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = (float) StrictMath.exp(x[xOff + i]);
        }
    }

    public static void exp(double[] x, int xOff, double[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = StrictMath.exp(x[xOff + i]);
        }
    }

    /** softplus(x) = log(1 + exp(x)), accurate for large |x|. */
    public static void softplus(float[] x, int xOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            double v = x[xOff + i];
            out[outOff + i] = (float) (Math.max(v, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(v))));
        }
    }

    public static void softplus(double[] x, int xOff, double[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            double v = x[xOff + i];
            out[outOff + i] = Math.max(v, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(v)));
        }
    }

    /** sigmoid(x) = 1 / (1 + exp(-x)), the derivative of softplus. */
    public static void sigmoid(float[] x, int xOff, float[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = (float) (1.0 / (1.0 + StrictMath.exp(-(double) x[xOff + i])));
        }
    }

    public static void sigmoid(double[] x, int xOff, double[] out, int outOff, int len) {
        for (int i = 0; i < len; i++) {
            out[outOff + i] = 1.0 / (1.0 + StrictMath.exp(-x[xOff + i]));
        }
    }

    /** k * max(x, 0)^n for any real n > 0 (the rectified power law of stabilized supralinear networks). */
    public static void powerLaw(float[] x, int xOff, float[] out, int outOff, int len, double k, double n) {
        for (int i = 0; i < len; i++) {
            double v = x[xOff + i];
            out[outOff + i] = (float) (v > 0 ? k * StrictMath.pow(v, n) : 0.0);
        }
    }

    public static void powerLaw(double[] x, int xOff, double[] out, int outOff, int len, double k, double n) {
        for (int i = 0; i < len; i++) {
            double v = x[xOff + i];
            out[outOff + i] = v > 0 ? k * StrictMath.pow(v, n) : 0.0;
        }
    }
}
