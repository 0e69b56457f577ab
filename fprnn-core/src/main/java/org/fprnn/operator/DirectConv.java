package org.fprnn.operator;

import org.fprnn.linalg.ConvKernels;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;

/**
 * The convolution of a {@link Conv2dMap} and its transpose computed directly, sample by sample, with
 * the shift stencils of {@link ConvKernels} (MATH section 4, "Convolution").
 *
 * <p>Layout. The zero-padded input (H_in + 2 pad) x (W_in + 2 pad) of each channel is split into
 * stride^2 polyphase planes, plane (py, px) holding padded pixel (stride y + py, stride x + px) at
 * y pitch + x, pitch = ceil((W_in + 2 pad) / stride) (W_in + pad at stride 1: see the constructor).
 * Tap (dy, dx) then reads plane (dy mod stride, dx mod stride) shifted by (dy / stride) pitch +
 * dx / stride from output pixel (oy, ox) at oy pitch + ox, so the convolution is one stencil over the
 * output plane (columns ox >= W_out are computed and dropped). The transposed convolution is the adjoint of each step in
 * reverse: the argument is placed in a zero plane of the same pitch (with a zero margin in front),
 * one stencil per polyphase plane gathers with the negated shifts, and the input pixels are read
 * out of the planes.
 *
 * <p>Samples are independent, so the batch is split into row blocks over {@link RowParallel}'s
 * threads, each with its own planes; a sample's bits do not depend on the block it falls in. Every
 * buffer is made once per thread, at first use; the padding, margins and dropped columns of the
 * planes that are read are never written, so they stay zero.
 */
final class DirectConv {
    private final int cin;
    private final int cout;
    private final int taps;
    private final int phases;
    private final int inputs;
    private final int outputs;
    /** Forward: input planes per channel (stride^2 planes of planeLen), output plane length. */
    private final int planeLen;
    private final int fwdLen;
    /** Forward: per tap, the plane offset of its shifted read; per unit, where it goes or comes from. */
    private final int[] fwdBase;
    private final int[] inToPlane;
    private final int[] outFromSpan;
    /** Transposed: argument plane (margin + pitch-spaced), gathered plane length, per-entry bases. */
    private final int argLen;
    private final int adjLen;
    /** Transposed, per phase: the first gathered position computed and how many (whole tiles). */
    private final int[] adjFrom;
    private final int[] adjSpan;
    private final int[] adjBase;
    private final int[] adjTap;
    private final int[] phaseStart;
    private final int[] argToPlane;
    private final int[] inFromGrad;
    /**
     * Where kernel entry i goes in the forward and in the transposed stencils' order
     * ({@link #forwardSlot}, {@link #transposeSlot}), computed once: a call lays out only the order it
     * uses, with one gather and no index arithmetic (a single-sample call, as in the power iteration
     * of a bound on ||W||_2, costs little more than the layout).
     */
    private final int[] fwdSlot;
    private final int[] adjSlot;
    /** Kernel entries in the stencils' order (coef[(e C_in + ci) C_out + co] and its transpose). */
    private float[] coefF;
    private float[] coefTF;
    private double[] coefD;
    private double[] coefTD;
    /** Per-thread buffers: [part][0] planes, [part][1] output plane, [part][2] argument, [part][3] gathered. */
    private volatile float[][][] bufF = new float[0][][];
    private volatile double[][][] bufD = new double[0][][];
    /** The current call, read by {@link #block}: set before each parallel section. */
    private Matrix arg;
    private Matrix res;
    private int argCol;
    private int resCol;
    private double alpha;
    private double beta;
    private boolean transpose;
    private final RowParallel.RowBlock block = this::rows;

    DirectConv(FeatureShape in, FeatureShape out, int k, int stride, int pad) {
        this.cin = in.channels();
        this.cout = out.channels();
        this.taps = k * k;
        this.phases = stride * stride;
        this.inputs = in.size();
        this.outputs = out.size();
        // At stride 1 a row's right padding and the next row's left padding are the same zero cells
        // (pitch W + pad, not W + 2 pad): a tap's read past the row's end lands in the next row's left
        // padding, one before its start in the previous row's right padding. Fewer columns are computed
        // and dropped (a 7x7 map: 56 positions instead of 64).
        int pitch = stride == 1 ? in.width() + pad : (in.width() + 2 * pad + stride - 1) / stride;
        int rows = (in.height() + 2 * pad + stride - 1) / stride;
        int reach = (k - 1) / stride;
        int maxShift = reach * pitch + reach;
        // the kernels read whole tiles: lengths are rounded up to one (ConvKernels.tile)
        this.fwdLen = ConvKernels.roundUp(out.height() * pitch, Precision.FLOAT);
        this.planeLen = Math.max(rows * pitch, maxShift + fwdLen);
        // The transposed stencil of a phase computes only the span of plane positions that input
        // pixels are read from (rounded up to whole tiles), not the whole padded plane: for a same-padded
        // 7x7 map that is 64 positions instead of 96.
        this.adjFrom = new int[phases];
        this.adjSpan = new int[phases];
        int[] last = new int[phases];
        java.util.Arrays.fill(adjFrom, Integer.MAX_VALUE);
        java.util.Arrays.fill(last, -1);
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < in.width(); x++) {
                int ph = phase(y + pad, x + pad, stride);
                int at = position(y + pad, x + pad, stride, pitch);
                adjFrom[ph] = Math.min(adjFrom[ph], at);
                last[ph] = Math.max(last[ph], at);
            }
        }
        int adj = 1;
        for (int ph = 0; ph < phases; ph++) {
            if (last[ph] < 0) {
                adjFrom[ph] = 0;
            } else {
                adjSpan[ph] = ConvKernels.roundUp(last[ph] + 1 - adjFrom[ph], Precision.FLOAT);
            }
            adj = Math.max(adj, adjFrom[ph] + adjSpan[ph]);
        }
        this.adjLen = adj;
        this.argLen = maxShift + Math.max(adjLen, out.height() * pitch);
        this.fwdBase = new int[taps];
        this.adjBase = new int[taps];
        this.adjTap = new int[taps];
        this.phaseStart = new int[phases + 1];
        int e = 0;
        for (int ph = 0; ph < phases; ph++) {
            phaseStart[ph] = e;
            for (int t = 0; t < taps; t++) {
                int dy = t / k;
                int dx = t % k;
                int shift = (dy / stride) * pitch + dx / stride;
                if ((dy % stride) * stride + dx % stride == ph) {
                    fwdBase[t] = ph * planeLen + shift;
                    adjTap[e] = t;
                    adjBase[e++] = maxShift - shift;
                }
            }
        }
        phaseStart[phases] = e;
        this.inToPlane = new int[inputs];
        this.inFromGrad = new int[inputs];
        for (int c = 0; c < cin; c++) {
            for (int y = 0; y < in.height(); y++) {
                for (int x = 0; x < in.width(); x++) {
                    int ph = phase(y + pad, x + pad, stride);
                    int at = position(y + pad, x + pad, stride, pitch);
                    int j = (c * in.height() + y) * in.width() + x;
                    inToPlane[j] = (c * phases + ph) * planeLen + at;
                    inFromGrad[j] = (c * phases + ph) * adjLen + at;
                }
            }
        }
        int entries = cout * cin * taps;
        this.fwdSlot = new int[entries];
        this.adjSlot = new int[entries];
        for (int i = 0; i < entries; i++) {
            fwdSlot[i] = forwardSlot(i);
            adjSlot[i] = transposeSlot(i);
        }
        this.outFromSpan = new int[outputs];
        this.argToPlane = new int[outputs];
        for (int c = 0; c < cout; c++) {
            for (int y = 0; y < out.height(); y++) {
                for (int x = 0; x < out.width(); x++) {
                    int j = (c * out.height() + y) * out.width() + x;
                    outFromSpan[j] = c * fwdLen + y * pitch + x;
                    argToPlane[j] = c * argLen + maxShift + y * pitch + x;
                }
            }
        }
    }

    /** The polyphase plane of padded pixel (py, px): (py mod stride) stride + px mod stride. */
    private static int phase(int py, int px, int stride) {
        return (py % stride) * stride + px % stride;
    }

    /** Padded pixel (py, px)'s place in its polyphase plane of row pitch {@code pitch}. */
    private static int position(int py, int px, int stride, int pitch) {
        return (py / stride) * pitch + px / stride;
    }

    /**
     * res = alpha conv(arg) + beta res (or with the transposed convolution), arg and res row batches
     * whose columns from argCol and resCol hold the argument and the result (the rows may be wider);
     * the kernel is read now (C_out x C_in k^2, live).
     */
    void run(Matrix kernel, Matrix arg, int argCol, Matrix res, int resCol, double alpha, double beta,
             boolean transpose) {
        switch (kernel) {
            case FMatrix kf -> {
                if (coefF == null) {
                    coefF = new float[kf.data.length];
                    coefTF = new float[kf.data.length];
                }
                float[] coef = transpose ? coefTF : coefF;
                int[] slot = transpose ? adjSlot : fwdSlot;
                for (int i = 0; i < kf.data.length; i++) {
                    coef[slot[i]] = kf.data[i];
                }
            }
            case DMatrix kd -> {
                if (coefD == null) {
                    coefD = new double[kd.data.length];
                    coefTD = new double[kd.data.length];
                }
                double[] coef = transpose ? coefTD : coefD;
                int[] slot = transpose ? adjSlot : fwdSlot;
                for (int i = 0; i < kd.data.length; i++) {
                    coef[slot[i]] = kd.data[i];
                }
            }
        }
        this.arg = arg;
        this.res = res;
        this.argCol = argCol;
        this.resCol = resCol;
        this.alpha = alpha;
        this.beta = beta;
        this.transpose = transpose;
        try {
            RowParallel.forRows(arg.rows, 2, block);
        } finally {
            this.arg = null;
            this.res = null;
        }
    }

    /** Kernel entry i = co C_in k^2 + ci k^2 + t in the forward order: (t C_in + ci) C_out + co. */
    private int forwardSlot(int i) {
        int co = i / (cin * taps);
        int ci = i / taps % cin;
        int t = i % taps;
        return (t * cin + ci) * cout + co;
    }

    /** Kernel entry i in the transposed order: (e C_out + co) C_in + ci for the entry e of tap t. */
    private int transposeSlot(int i) {
        int co = i / (cin * taps);
        int ci = i / taps % cin;
        int t = i % taps;
        int e = 0;
        while (adjTap[e] != t) {
            e++;
        }
        return (e * cout + co) * cin + ci;
    }

    private void rows(int part, int from, int to) {
        if (res instanceof FMatrix rf) {
            float[][] b = floatBuffers(part);
            float[] x = ((FMatrix) arg).data;
            float al = (float) alpha;
            float be = (float) beta;
            for (int s = from; s < to; s++) {
                int xo = s * arg.cols + argCol;
                int ro = s * res.cols + resCol;
                if (transpose) {
                    transposeSample(x, xo, rf.data, ro, al, be, b);
                } else {
                    forwardSample(x, xo, rf.data, ro, al, be, b);
                }
            }
        } else {
            double[][] b = doubleBuffers(part);
            double[] x = ((DMatrix) arg).data;
            double[] r = ((DMatrix) res).data;
            for (int s = from; s < to; s++) {
                int xo = s * arg.cols + argCol;
                int ro = s * res.cols + resCol;
                if (transpose) {
                    transposeSample(x, xo, r, ro, alpha, beta, b);
                } else {
                    forwardSample(x, xo, r, ro, alpha, beta, b);
                }
            }
        }
    }

    private void forwardSample(float[] x, int xo, float[] o, int oo, float al, float be, float[][] b) {
        float[] planes = b[0];
        float[] span = b[1];
        for (int j = 0; j < inputs; j++) {
            planes[inToPlane[j]] = x[xo + j];
        }
        ConvKernels.stencil(planes, 0, phases * planeLen, cin, span, 0, fwdLen, cout, fwdLen, fwdBase, coefF, 0, taps);
        if (be == 0) {
            for (int j = 0; j < outputs; j++) {
                o[oo + j] = al * span[outFromSpan[j]];
            }
        } else {
            for (int j = 0; j < outputs; j++) {
                o[oo + j] = al * span[outFromSpan[j]] + be * o[oo + j];
            }
        }
    }

    private void transposeSample(float[] a, int ao, float[] o, int oo, float al, float be, float[][] b) {
        float[] argPlane = b[2];
        float[] grad = b[3];
        for (int j = 0; j < outputs; j++) {
            argPlane[argToPlane[j]] = a[ao + j];
        }
        for (int ph = 0; ph < phases; ph++) {
            ConvKernels.stencil(argPlane, adjFrom[ph], argLen, cout, grad, ph * adjLen + adjFrom[ph], phases * adjLen,
                    cin, adjSpan[ph], adjBase, coefTF, phaseStart[ph], phaseStart[ph + 1]);
        }
        if (be == 0) {
            for (int j = 0; j < inputs; j++) {
                o[oo + j] = al * grad[inFromGrad[j]];
            }
        } else {
            for (int j = 0; j < inputs; j++) {
                o[oo + j] = al * grad[inFromGrad[j]] + be * o[oo + j];
            }
        }
    }

    private void forwardSample(double[] x, int xo, double[] o, int oo, double al, double be, double[][] b) {
        double[] planes = b[0];
        double[] span = b[1];
        for (int j = 0; j < inputs; j++) {
            planes[inToPlane[j]] = x[xo + j];
        }
        ConvKernels.stencil(planes, 0, phases * planeLen, cin, span, 0, fwdLen, cout, fwdLen, fwdBase, coefD, 0, taps);
        if (be == 0) {
            for (int j = 0; j < outputs; j++) {
                o[oo + j] = al * span[outFromSpan[j]];
            }
        } else {
            for (int j = 0; j < outputs; j++) {
                o[oo + j] = al * span[outFromSpan[j]] + be * o[oo + j];
            }
        }
    }

    private void transposeSample(double[] a, int ao, double[] o, int oo, double al, double be, double[][] b) {
        double[] argPlane = b[2];
        double[] grad = b[3];
        for (int j = 0; j < outputs; j++) {
            argPlane[argToPlane[j]] = a[ao + j];
        }
        for (int ph = 0; ph < phases; ph++) {
            ConvKernels.stencil(argPlane, adjFrom[ph], argLen, cout, grad, ph * adjLen + adjFrom[ph], phases * adjLen,
                    cin, adjSpan[ph], adjBase, coefTD, phaseStart[ph], phaseStart[ph + 1]);
        }
        if (be == 0) {
            for (int j = 0; j < inputs; j++) {
                o[oo + j] = al * grad[inFromGrad[j]];
            }
        } else {
            for (int j = 0; j < inputs; j++) {
                o[oo + j] = al * grad[inFromGrad[j]] + be * o[oo + j];
            }
        }
    }

    /** Buffer lengths: planes, output plane, argument plane, gathered planes. */
    private int[] bufferLengths() {
        return new int[] {cin * phases * planeLen, cout * fwdLen, cout * argLen, cin * phases * adjLen};
    }

    private float[][] floatBuffers(int part) {
        float[][][] all = bufF;
        if (part < all.length && all[part] != null) {
            return all[part];
        }
        synchronized (this) {
            float[][][] grown = java.util.Arrays.copyOf(bufF, Math.max(bufF.length, part + 1));
            if (grown[part] == null) {
                int[] len = bufferLengths();
                grown[part] = new float[][] {new float[len[0]], new float[len[1]], new float[len[2]], new float[len[3]]};
            }
            bufF = grown;
            return grown[part];
        }
    }

    private double[][] doubleBuffers(int part) {
        double[][][] all = bufD;
        if (part < all.length && all[part] != null) {
            return all[part];
        }
        synchronized (this) {
            double[][][] grown = java.util.Arrays.copyOf(bufD, Math.max(bufD.length, part + 1));
            if (grown[part] == null) {
                int[] len = bufferLengths();
                grown[part] = new double[][] {new double[len[0]], new double[len[1]], new double[len[2]], new double[len[3]]};
            }
            bufD = grown;
            return grown[part];
        }
    }
}
