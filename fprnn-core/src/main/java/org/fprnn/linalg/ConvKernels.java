package org.fprnn.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution kernels for few channels, vectorized over the pixels of one sample.
 *
 * <p>A convolution of one sample is laid out so that every tap is a shift: the input channels are
 * copied into zero-padded planes with a fixed row pitch (for stride s, s^2 polyphase planes per
 * channel), and an output pixel (oy, ox) sits at q = oy pitch + ox of an output plane of the same
 * pitch (the columns past the image's width are computed and dropped). Then
 *
 * <pre>
 *   out[oc][q] = sum_{e in [e0, e1)} sum_ic coef[(e inChannels + ic) outChannels + oc] in[base[e] + ic inStride + q]
 * </pre>
 *
 * for q in [0, len): each term a lane-wise fused multiply-add of a vector of consecutive pixels by
 * one kernel entry. The transposed convolution is the same sum with negative shifts (the caller's
 * bases) over a zero-margined copy of its argument. Layouts, bases and coefficients come from the
 * caller ({@code org.fprnn.operator.Conv2dMap}).
 *
 * <p>Register blocking: four output channels times two vectors of pixels are accumulated at once, so
 * each loaded input vector serves four multiply-adds; a float row whose length is an odd number of
 * vectors ends with a tile of one vector (for a 7x7 map at pitch 8, 56 positions instead of 64).
 * Every output is the fused multiply-add chain over e, then ic, in that order, starting from zero:
 * its bits do not depend on its lane, on other samples or on the compiler (the Vector API's fma is
 * exactly rounded, interpreted or compiled). No vector crosses a method boundary (see
 * {@link RowKernels}), and nothing is allocated.
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

    /**
     * The granule of {@code len} in {@link #stencil}, the same in both precisions: one float vector
     * (a tail of the float stencil's two-vector tiles), two double vectors (the double stencil's tile).
     */
    public static int tile(Precision p) {
        return 2 * DL;
    }

    /** n rounded up to a multiple of {@link #tile}. */
    public static int roundUp(int n, Precision p) {
        int t = tile(p);
        return (n + t - 1) / t * t;
    }

    /**
     * The sum above: in[inOff + base[e] + ic inStride + q] for inChannels channels, out[outOff + oc
     * outStride + q] for outChannels channels, q in [0, len) with len a multiple of {@link #tile}.
     * Each register tile's loop nest is a method of its own (the main tile's with its loop over the
     * pixels, one call per block of 4 channels), so that C2 compiles each soon and keeps its
     * accumulators in registers whatever ran before. With all four nests in one method, a JVM that had
     * first run other convolutions (StructuredGradientTest before AllocationTest, in one run) kept
     * running it boxed, about 10 MB per call of P3c's stride-1 map: its C2 compile came more than ten
     * seconds after its first C1 one. With only the main nest left in the method, a longer list of
     * tests before AllocationTest still did that; one call per main tile instead of per block of
     * channels made P3c-sized maps take 1.1 to 1.15 times as long.
     */
    public static void stencil(float[] in, int inOff, int inStride, int inChannels, float[] out, int outOff,
                               int outStride, int outChannels, int len, int[] base, float[] coef, int e0, int e1) {
        int oc = 0;
        int pairs = len / (2 * FL) * (2 * FL);
        for (; oc + OC_BLOCK <= outChannels; oc += OC_BLOCK) {
            fourByTwo(in, inOff, inStride, inChannels, out, outOff + oc * outStride, outStride, outChannels, pairs,
                    base, coef, e0, e1, oc);
            if (pairs < len) {
                fourByOne(in, inOff + pairs, inStride, inChannels, out, outOff + oc * outStride + pairs, outStride,
                        outChannels, base, coef, e0, e1, oc);
            }
        }
        for (; oc < outChannels; oc++) {
            for (int q = 0; q < pairs; q += 2 * FL) {
                oneByTwo(in, inOff + q, inStride, inChannels, out, outOff + oc * outStride + q, outChannels, base,
                        coef, e0, e1, oc);
            }
            if (pairs < len) {
                oneByOne(in, inOff + pairs, inStride, inChannels, out, outOff + oc * outStride + pairs, outChannels,
                        base, coef, e0, e1, oc);
            }
        }
    }

    /**
     * Four output channels from oc, at out[o + c outStride + q], by pairs of vectors of pixels q in
     * [0, pairs), pixels from in[i0 + base[e] + q]: the main tile, with its loop over the pixels (one
     * call per block of channels).
     */
    private static void fourByTwo(float[] in, int i0, int inStride, int inChannels, float[] out, int o, int outStride,
                                  int outChannels, int pairs, int[] base, float[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        for (int q = 0; q < pairs; q += 2 * FL) {
            FloatVector a00 = FloatVector.zero(FS);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            for (int e = e0; e < e1; e++) {
                int io = i0 + base[e] + q;
                int co = e * tapStride + oc;
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
            int oo = o + q;
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

    /** The main tile with one vector of pixels (a float row's last, odd vector), at out[o + c outStride]. */
    private static void fourByOne(float[] in, int i0, int inStride, int inChannels, float[] out, int o, int outStride,
                                  int outChannels, int[] base, float[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int e = e0; e < e1; e++) {
            int io = i0 + base[e];
            int co = e * tapStride + oc;
            for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                FloatVector v0 = FloatVector.fromArray(FS, in, io);
                a0 = v0.fma(FloatVector.broadcast(FS, coef[co]), a0);
                a1 = v0.fma(FloatVector.broadcast(FS, coef[co + 1]), a1);
                a2 = v0.fma(FloatVector.broadcast(FS, coef[co + 2]), a2);
                a3 = v0.fma(FloatVector.broadcast(FS, coef[co + 3]), a3);
            }
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + outStride);
        a2.intoArray(out, o + 2 * outStride);
        a3.intoArray(out, o + 3 * outStride);
    }

    /** One output channel (oc) by two vectors of pixels, at out[o]. */
    private static void oneByTwo(float[] in, int i0, int inStride, int inChannels, float[] out, int o, int outChannels,
                                 int[] base, float[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        for (int e = e0; e < e1; e++) {
            int io = i0 + base[e];
            int co = e * tapStride + oc;
            for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                FloatVector k0 = FloatVector.broadcast(FS, coef[co]);
                a0 = FloatVector.fromArray(FS, in, io).fma(k0, a0);
                a1 = FloatVector.fromArray(FS, in, io + FL).fma(k0, a1);
            }
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + FL);
    }

    /** {@link #oneByTwo} with one vector of pixels. */
    private static void oneByOne(float[] in, int i0, int inStride, int inChannels, float[] out, int o, int outChannels,
                                 int[] base, float[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        FloatVector a0 = FloatVector.zero(FS);
        for (int e = e0; e < e1; e++) {
            int io = i0 + base[e];
            int co = e * tapStride + oc;
            for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                a0 = FloatVector.fromArray(FS, in, io).fma(FloatVector.broadcast(FS, coef[co]), a0);
            }
        }
        a0.intoArray(out, o);
    }

    /**
     * {@link #stencil(float[], int, int, int, float[], int, int, int, int, int[], float[], int, int)} in
     * double, each register tile a method of its own.
     */
    public static void stencil(double[] in, int inOff, int inStride, int inChannels, double[] out, int outOff,
                               int outStride, int outChannels, int len, int[] base, double[] coef, int e0, int e1) {
        int oc = 0;
        for (; oc + OC_BLOCK <= outChannels; oc += OC_BLOCK) {
            for (int q = 0; q < len; q += 2 * DL) {
                fourByTwo(in, inOff + q, inStride, inChannels, out, outOff + oc * outStride + q, outStride,
                        outChannels, base, coef, e0, e1, oc);
            }
        }
        for (; oc < outChannels; oc++) {
            for (int q = 0; q < len; q += 2 * DL) {
                oneByTwo(in, inOff + q, inStride, inChannels, out, outOff + oc * outStride + q, outChannels, base,
                        coef, e0, e1, oc);
            }
        }
    }

    /** Four output channels from oc by two vectors of pixels, at out[o + c outStride], pixels from in[i0 + base[e]]. */
    private static void fourByTwo(double[] in, int i0, int inStride, int inChannels, double[] out, int o, int outStride,
                                  int outChannels, int[] base, double[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        DoubleVector a00 = DoubleVector.zero(DS);
        DoubleVector a01 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        for (int e = e0; e < e1; e++) {
            int io = i0 + base[e];
            int co = e * tapStride + oc;
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
        a00.intoArray(out, o);
        a01.intoArray(out, o + DL);
        a10.intoArray(out, o + outStride);
        a11.intoArray(out, o + outStride + DL);
        a20.intoArray(out, o + 2 * outStride);
        a21.intoArray(out, o + 2 * outStride + DL);
        a30.intoArray(out, o + 3 * outStride);
        a31.intoArray(out, o + 3 * outStride + DL);
    }

    /** The double {@link #oneByTwo(float[], int, int, int, float[], int, int, int[], float[], int, int, int)}. */
    private static void oneByTwo(double[] in, int i0, int inStride, int inChannels, double[] out, int o,
                                 int outChannels, int[] base, double[] coef, int e0, int e1, int oc) {
        int tapStride = inChannels * outChannels;
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        for (int e = e0; e < e1; e++) {
            int io = i0 + base[e];
            int co = e * tapStride + oc;
            for (int ic = 0; ic < inChannels; ic++, io += inStride, co += outChannels) {
                DoubleVector k0 = DoubleVector.broadcast(DS, coef[co]);
                a0 = DoubleVector.fromArray(DS, in, io).fma(k0, a0);
                a1 = DoubleVector.fromArray(DS, in, io + DL).fma(k0, a1);
            }
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + DL);
    }
}
