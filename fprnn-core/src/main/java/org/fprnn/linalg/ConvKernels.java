package org.fprnn.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution kernels on unit-major batches, vectorized over the samples of the batch.
 *
 * <p>A unit-major batch stores unit j of sample b at {@code [j * lanes + b]}, with {@code lanes}
 * (see {@link #lanes}) the batch rounded up to two vectors and the extra lanes zero. A convolution
 * (or its transpose) is then a stencil: for each output position p, a short list of (tap t, input
 * position s) pairs, and
 *
 * <pre>
 *   out[oc, p][b] = sum_{(t, s) in list(p)} sum_ic coef[t][ic][oc] * in[ic, s][b]
 * </pre>
 *
 * every term a lane-wise fused multiply-add of a whole batch vector by one coefficient. The forward
 * convolution lists, per output pixel, its taps inside the image (padding taps are left out, so the
 * arithmetic is the convolution's true count); the transposed convolution lists, per input pixel,
 * the (tap, output pixel) pairs that read it. Positions, coefficients and lists come from the caller
 * ({@code org.fprnn.operator.Conv2dMap}).
 *
 * <p>Register blocking: four output channels times two vectors of samples are accumulated at once,
 * so each loaded input vector serves four multiply-adds. The result bits of a sample do not depend on
 * its lane, on the batch, on the range split ({@code p0, p1}) or on the compiler: every output is the
 * fused multiply-add chain over the list and then over ic, in that order, starting from zero, and
 * the Vector API's fma is exactly rounded, interpreted or compiled. No vector crosses a method
 * boundary (see {@link RowKernels}), and nothing is allocated.
 */
public final class ConvKernels {
    private ConvKernels() {
    }

    private static final VectorSpecies<Float> FS = VectorMath.FS;
    private static final VectorSpecies<Double> DS = VectorMath.DS;
    private static final int FL = FS.length();
    private static final int DL = DS.length();
    /** Output channels accumulated together. */
    private static final int OC_BLOCK = 4;

    /** The lanes of a unit-major batch of {@code samples}: a multiple of two vectors. */
    public static int lanes(int samples, Precision p) {
        int tile = 2 * (p == Precision.FLOAT ? FL : DL);
        return Math.max(tile, (samples + tile - 1) / tile * tile);
    }

    /**
     * The stencil above for output positions [p0, p1): in is inChannels x inPositions units, out is
     * outChannels x outPositions units, both unit-major with {@code lanes} lanes; the list of output
     * position p is entries [start[p], start[p + 1]) of (tap, pos); coef[(t inChannels + ic)
     * outChannels + oc].
     */
    public static void stencil(float[] in, int inChannels, int inPositions, float[] out, int outChannels,
                               int outPositions, int lanes, int[] start, int[] tap, int[] pos, float[] coef,
                               int p0, int p1) {
        int inStride = inPositions * lanes;
        int outStride = outPositions * lanes;
        int tapStride = inChannels * outChannels;
        for (int p = p0; p < p1; p++) {
            int e0 = start[p];
            int e1 = start[p + 1];
            int oc = 0;
            for (; oc + OC_BLOCK <= outChannels; oc += OC_BLOCK) {
                for (int b = 0; b < lanes; b += 2 * FL) {
                    FloatVector a00 = FloatVector.zero(FS);
                    FloatVector a01 = a00;
                    FloatVector a10 = a00;
                    FloatVector a11 = a00;
                    FloatVector a20 = a00;
                    FloatVector a21 = a00;
                    FloatVector a30 = a00;
                    FloatVector a31 = a00;
                    for (int e = e0; e < e1; e++) {
                        int io = pos[e] * lanes + b;
                        int co = tap[e] * tapStride + oc;
                        for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                            FloatVector v0 = FloatVector.fromArray(FS, in, io);
                            FloatVector v1 = FloatVector.fromArray(FS, in, io + FL);
                            FloatVector k0 = FloatVector.broadcast(FS, coef[co]);
                            FloatVector k1 = FloatVector.broadcast(FS, coef[co + 1]);
                            FloatVector k2 = FloatVector.broadcast(FS, coef[co + 2]);
                            FloatVector k3 = FloatVector.broadcast(FS, coef[co + 3]);
                            a00 = v0.fma(k0, a00);
                            a01 = v1.fma(k0, a01);
                            a10 = v0.fma(k1, a10);
                            a11 = v1.fma(k1, a11);
                            a20 = v0.fma(k2, a20);
                            a21 = v1.fma(k2, a21);
                            a30 = v0.fma(k3, a30);
                            a31 = v1.fma(k3, a31);
                        }
                    }
                    int oo = (oc * outPositions + p) * lanes + b;
                    a00.intoArray(out, oo);
                    a01.intoArray(out, oo + FL);
                    a10.intoArray(out, oo + outStride);
                    a11.intoArray(out, oo + outStride + FL);
                    a20.intoArray(out, oo + 2 * outStride);
                    a21.intoArray(out, oo + 2 * outStride + FL);
                    a30.intoArray(out, oo + 3 * outStride);
                    a31.intoArray(out, oo + 3 * outStride + FL);
                }
            }
            for (; oc < outChannels; oc++) {
                for (int b = 0; b < lanes; b += 2 * FL) {
                    FloatVector a0 = FloatVector.zero(FS);
                    FloatVector a1 = a0;
                    for (int e = e0; e < e1; e++) {
                        int io = pos[e] * lanes + b;
                        int co = tap[e] * tapStride + oc;
                        for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                            FloatVector k0 = FloatVector.broadcast(FS, coef[co]);
                            a0 = FloatVector.fromArray(FS, in, io).fma(k0, a0);
                            a1 = FloatVector.fromArray(FS, in, io + FL).fma(k0, a1);
                        }
                    }
                    int oo = (oc * outPositions + p) * lanes + b;
                    a0.intoArray(out, oo);
                    a1.intoArray(out, oo + FL);
                }
            }
        }
    }

    /** {@link #stencil(float[], int, int, float[], int, int, int, int[], int[], int[], float[], int, int)} in double. */
    public static void stencil(double[] in, int inChannels, int inPositions, double[] out, int outChannels,
                               int outPositions, int lanes, int[] start, int[] tap, int[] pos, double[] coef,
                               int p0, int p1) {
        int inStride = inPositions * lanes;
        int outStride = outPositions * lanes;
        int tapStride = inChannels * outChannels;
        for (int p = p0; p < p1; p++) {
            int e0 = start[p];
            int e1 = start[p + 1];
            int oc = 0;
            for (; oc + OC_BLOCK <= outChannels; oc += OC_BLOCK) {
                for (int b = 0; b < lanes; b += 2 * DL) {
                    DoubleVector a00 = DoubleVector.zero(DS);
                    DoubleVector a01 = a00;
                    DoubleVector a10 = a00;
                    DoubleVector a11 = a00;
                    DoubleVector a20 = a00;
                    DoubleVector a21 = a00;
                    DoubleVector a30 = a00;
                    DoubleVector a31 = a00;
                    for (int e = e0; e < e1; e++) {
                        int io = pos[e] * lanes + b;
                        int co = tap[e] * tapStride + oc;
                        for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                            DoubleVector v0 = DoubleVector.fromArray(DS, in, io);
                            DoubleVector v1 = DoubleVector.fromArray(DS, in, io + DL);
                            DoubleVector k0 = DoubleVector.broadcast(DS, coef[co]);
                            DoubleVector k1 = DoubleVector.broadcast(DS, coef[co + 1]);
                            DoubleVector k2 = DoubleVector.broadcast(DS, coef[co + 2]);
                            DoubleVector k3 = DoubleVector.broadcast(DS, coef[co + 3]);
                            a00 = v0.fma(k0, a00);
                            a01 = v1.fma(k0, a01);
                            a10 = v0.fma(k1, a10);
                            a11 = v1.fma(k1, a11);
                            a20 = v0.fma(k2, a20);
                            a21 = v1.fma(k2, a21);
                            a30 = v0.fma(k3, a30);
                            a31 = v1.fma(k3, a31);
                        }
                    }
                    int oo = (oc * outPositions + p) * lanes + b;
                    a00.intoArray(out, oo);
                    a01.intoArray(out, oo + DL);
                    a10.intoArray(out, oo + outStride);
                    a11.intoArray(out, oo + outStride + DL);
                    a20.intoArray(out, oo + 2 * outStride);
                    a21.intoArray(out, oo + 2 * outStride + DL);
                    a30.intoArray(out, oo + 3 * outStride);
                    a31.intoArray(out, oo + 3 * outStride + DL);
                }
            }
            for (; oc < outChannels; oc++) {
                for (int b = 0; b < lanes; b += 2 * DL) {
                    DoubleVector a0 = DoubleVector.zero(DS);
                    DoubleVector a1 = a0;
                    for (int e = e0; e < e1; e++) {
                        int io = pos[e] * lanes + b;
                        int co = tap[e] * tapStride + oc;
                        for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                            DoubleVector k0 = DoubleVector.broadcast(DS, coef[co]);
                            a0 = DoubleVector.fromArray(DS, in, io).fma(k0, a0);
                            a1 = DoubleVector.fromArray(DS, in, io + DL).fma(k0, a1);
                        }
                    }
                    int oo = (oc * outPositions + p) * lanes + b;
                    a0.intoArray(out, oo);
                    a1.intoArray(out, oo + DL);
                }
            }
        }
    }

    /** Units per block of the layout changes: a block's strided writes stay in the L1 cache. */
    private static final int UNIT_BLOCK = 32;

    /**
     * t[j lanes + b] = x[(row0 + b) cols + j] for b < count, 0 for count <= b < lanes: rows
     * [row0, row0 + count) of a row-major batch into a unit-major one.
     */
    public static void toUnitMajor(float[] x, int row0, int count, int cols, float[] t, int lanes) {
        for (int j0 = 0; j0 < cols; j0 += UNIT_BLOCK) {
            int j1 = Math.min(cols, j0 + UNIT_BLOCK);
            for (int b = 0; b < count; b++) {
                int xo = (row0 + b) * cols;
                for (int j = j0; j < j1; j++) {
                    t[j * lanes + b] = x[xo + j];
                }
            }
            for (int j = j0; j < j1; j++) {
                java.util.Arrays.fill(t, j * lanes + count, (j + 1) * lanes, 0f);
            }
        }
    }

    /** {@link #toUnitMajor(float[], int, int, int, float[], int)} in double. */
    public static void toUnitMajor(double[] x, int row0, int count, int cols, double[] t, int lanes) {
        for (int j0 = 0; j0 < cols; j0 += UNIT_BLOCK) {
            int j1 = Math.min(cols, j0 + UNIT_BLOCK);
            for (int b = 0; b < count; b++) {
                int xo = (row0 + b) * cols;
                for (int j = j0; j < j1; j++) {
                    t[j * lanes + b] = x[xo + j];
                }
            }
            for (int j = j0; j < j1; j++) {
                java.util.Arrays.fill(t, j * lanes + count, (j + 1) * lanes, 0.0);
            }
        }
    }

    /**
     * o[(row0 + b) cols + j] = alpha t[j lanes + b] + beta o[...] for b < count (beta = 0
     * overwrites, also over NaN): a unit-major batch back into rows of a row-major one.
     */
    public static void fromUnitMajor(float[] t, int lanes, float[] o, int row0, int count, int cols, float alpha,
                                     float beta) {
        for (int j0 = 0; j0 < cols; j0 += UNIT_BLOCK) {
            int j1 = Math.min(cols, j0 + UNIT_BLOCK);
            for (int b = 0; b < count; b++) {
                int oo = (row0 + b) * cols;
                if (beta == 0) {
                    for (int j = j0; j < j1; j++) {
                        o[oo + j] = alpha * t[j * lanes + b];
                    }
                } else {
                    for (int j = j0; j < j1; j++) {
                        o[oo + j] = alpha * t[j * lanes + b] + beta * o[oo + j];
                    }
                }
            }
        }
    }

    /** {@link #fromUnitMajor(float[], int, float[], int, int, int, float, float)} in double. */
    public static void fromUnitMajor(double[] t, int lanes, double[] o, int row0, int count, int cols, double alpha,
                                     double beta) {
        for (int j0 = 0; j0 < cols; j0 += UNIT_BLOCK) {
            int j1 = Math.min(cols, j0 + UNIT_BLOCK);
            for (int b = 0; b < count; b++) {
                int oo = (row0 + b) * cols;
                if (beta == 0) {
                    for (int j = j0; j < j1; j++) {
                        o[oo + j] = alpha * t[j * lanes + b];
                    }
                } else {
                    for (int j = j0; j < j1; j++) {
                        o[oo + j] = alpha * t[j * lanes + b] + beta * o[oo + j];
                    }
                }
            }
        }
    }
}
