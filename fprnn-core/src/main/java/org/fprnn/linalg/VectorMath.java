package org.fprnn.linalg;

import java.util.Objects;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise transcendental kernels on array ranges, in float and double, that give the same bits
 * whether the code runs interpreted or JIT-compiled (a resumed run must repeat a killed one bit for
 * bit). They are built only from exactly rounded lane operations: add, sub, mul, div, fma, sqrt,
 * min, max, abs, neg, compares and blends, float/double conversion and integer operations on the
 * bits of an exponent. The Vector API's own EXP/TANH/LOG are not used (their results change when C2
 * compiles them), nor is {@code Math.exp} and friends.
 *
 * <p>Every kernel also exists as a scalar method ({@code tanh(double)} and so on) that performs the
 * same operations in the same order; the array kernels use it for the tail that does not fill a
 * vector, so an element's result does not depend on its position. Float kernels compute in double
 * lanes with shorter polynomials and round once to float at the end, except tanh, the solvers' hot
 * kernel, which computes in float lanes (twice as many per vector) with its roundings corrected
 * where they matter ({@link #tanh(float)}).
 *
 * <p>Methods: exp(x) = 2^k (1 + p(r)) with x = k ln2 + r, |r| <= ln2/2 (ln2 split in a 32-bit head
 * and a tail), p the Taylor polynomial of expm1 to degree 13 (double) or 9 (float), 2^k built from
 * exponent bits (in two factors near the ends of the range, so subnormal results round once).
 * tanh(x) = sign(x) e/(e+2), e = expm1(2|x|), in double, with e carried as a double-double and the
 * division corrected for the rounding of e+2 and of the quotient; +-1 beyond |x| = 22. In float,
 * tanh(x) = x + x^3 P(x^2) below |x| = 0.625 and 1 - 2/(exp(2|x|) + 1) above. log(x) = e ln2 + log1p(f) with x = 2^e (1+f), sqrt(1/2) < 1+f <= sqrt(2), and
 * log1p(f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f/(2+f), R the atanh series. softplus(x) =
 * max(x,0) + log1p(exp(-|x|)) (log1p with the rounding of 1+u corrected); sigmoid(x) = 1/(1+e) or
 * e/(1+e), e = exp(-|x|); the power law k max(x,0)^n uses products for n = 1..4, sqrt for n = 1/2,
 * else exp(n log x) with log x and n log x carried in double-double.
 *
 * <p>Accuracy measured by {@code VectorMathTest} (max ulp against StrictMath over dense sweeps and
 * all binades): double tanh 2 (1 against Math.tanh on [-1, 1]), exp 1, log 1, softplus 2, sigmoid
 * 3, general power law 2, integer power law 4 (the products round); float kernels at most 1 ulp
 * from the correctly rounded float of the double reference.
 *
 * <p>Results do not depend on the position of an element or on the array length.
  * <p>{@code out} may be the same array as {@code x} at the same offset.
 */
public final class VectorMath {
    private VectorMath() {
    }

    /** The double species of the kernels here and in {@link RowKernels}. */
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= 128
            ? DoubleVector.SPECIES_PREFERRED : DoubleVector.SPECIES_128;
    /** Float species with as many lanes as DS: float kernels widen to double lanes. */
    static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int L = DS.length();
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, DS.vectorShape());

    static final double SHIFTER = 0x1.8p52;
    static final double INV_LN2 = 0x1.71547652b82fep0;
    /** ln2 rounded to 32 significant bits: k * LN2_HI is exact for |k| < 2^21. */
    static final double LN2_HI = 0x1.62e42feep-1;
    /** ln2 - LN2_HI, rounded. */
    static final double LN2_LO = 0x1.a39ef35793c76p-33;
    static final double SQRT2 = 0x1.6a09e667f3bcdp0;
    private static final double EXP_BIAS_MAGIC = 0x1p52 + 1023.0;
    private static final long EXP_BITS_MAGIC = 0x4330000000000000L;
    private static final long MANTISSA = 0x000FFFFFFFFFFFFFL;
    private static final long ONE_BITS = 0x3FF0000000000000L;
    private static final double INF = Double.POSITIVE_INFINITY;

    // Taylor coefficients 1/n! of exp (n! is exact in double, so each is correctly rounded)
    private static final double E2 = 1.0 / 2;
    private static final double E3 = 1.0 / 6;
    private static final double E4 = 1.0 / 24;
    private static final double E5 = 1.0 / 120;
    private static final double E6 = 1.0 / 720;
    private static final double E7 = 1.0 / 5040;
    private static final double E8 = 1.0 / 40320;
    private static final double E9 = 1.0 / 362880;
    private static final double E10 = 1.0 / 3628800;
    private static final double E11 = 1.0 / 39916800;
    private static final double E12 = 1.0 / 479001600;
    private static final double E13 = 1.0 / 6227020800.0;

    // atanh series: log1p(f) = 2s + sum_i 2 s^(2i+1) / (2i+1); G_i = 2 / (2i+1)
    private static final double G1 = 2.0 / 3;
    private static final double G2 = 2.0 / 5;
    private static final double G3 = 2.0 / 7;
    private static final double G4 = 2.0 / 9;
    private static final double G5 = 2.0 / 11;
    private static final double G6 = 2.0 / 13;
    private static final double G7 = 2.0 / 15;
    private static final double G8 = 2.0 / 17;
    private static final double G9 = 2.0 / 19;
    private static final double G10 = 2.0 / 21;

    // constants as vectors: C2 loads them instead of inlining a broadcast per use
    private static final DoubleVector V_BIAS = DoubleVector.broadcast(DS, EXP_BIAS_MAGIC);
    private static final DoubleVector V_E10 = DoubleVector.broadcast(DS, E10);
    private static final DoubleVector V_E11 = DoubleVector.broadcast(DS, E11);
    private static final DoubleVector V_E12 = DoubleVector.broadcast(DS, E12);
    private static final DoubleVector V_E13 = DoubleVector.broadcast(DS, E13);
    private static final DoubleVector V_E2 = DoubleVector.broadcast(DS, E2);
    private static final DoubleVector V_E3 = DoubleVector.broadcast(DS, E3);
    private static final DoubleVector V_E4 = DoubleVector.broadcast(DS, E4);
    private static final DoubleVector V_E5 = DoubleVector.broadcast(DS, E5);
    private static final DoubleVector V_E6 = DoubleVector.broadcast(DS, E6);
    private static final DoubleVector V_E7 = DoubleVector.broadcast(DS, E7);
    private static final DoubleVector V_E8 = DoubleVector.broadcast(DS, E8);
    private static final DoubleVector V_E9 = DoubleVector.broadcast(DS, E9);
    private static final DoubleVector V_G1 = DoubleVector.broadcast(DS, G1);
    private static final DoubleVector V_G10 = DoubleVector.broadcast(DS, G10);
    private static final DoubleVector V_G2 = DoubleVector.broadcast(DS, G2);
    private static final DoubleVector V_G3 = DoubleVector.broadcast(DS, G3);
    private static final DoubleVector V_G4 = DoubleVector.broadcast(DS, G4);
    private static final DoubleVector V_G5 = DoubleVector.broadcast(DS, G5);
    private static final DoubleVector V_G6 = DoubleVector.broadcast(DS, G6);
    private static final DoubleVector V_G7 = DoubleVector.broadcast(DS, G7);
    private static final DoubleVector V_G8 = DoubleVector.broadcast(DS, G8);
    private static final DoubleVector V_G9 = DoubleVector.broadcast(DS, G9);
    private static final DoubleVector V_HALF = DoubleVector.broadcast(DS, 0.5);
    private static final DoubleVector V_INF = DoubleVector.broadcast(DS, INF);
    private static final DoubleVector V_INV_LN2 = DoubleVector.broadcast(DS, INV_LN2);
    private static final DoubleVector V_LN2_HI = DoubleVector.broadcast(DS, LN2_HI);
    private static final DoubleVector V_LN2_LO = DoubleVector.broadcast(DS, LN2_LO);
    private static final DoubleVector V_M1000 = DoubleVector.broadcast(DS, -1000.0);
    private static final DoubleVector V_M120 = DoubleVector.broadcast(DS, -120.0);
    private static final DoubleVector V_M54 = DoubleVector.broadcast(DS, -54.0);
    private static final DoubleVector V_M60 = DoubleVector.broadcast(DS, -60.0);
    private static final DoubleVector V_M746 = DoubleVector.broadcast(DS, -746.0);
    private static final DoubleVector V_MIN_NORMAL = DoubleVector.broadcast(DS, Double.MIN_NORMAL);
    private static final DoubleVector V_N100 = DoubleVector.broadcast(DS, 100.0);
    private static final DoubleVector V_N1000 = DoubleVector.broadcast(DS, 1000.0);
    private static final DoubleVector V_N22 = DoubleVector.broadcast(DS, 22.0);
    private static final DoubleVector V_N24 = DoubleVector.broadcast(DS, 24.0);
    private static final DoubleVector V_N50 = DoubleVector.broadcast(DS, 50.0);
    private static final DoubleVector V_N710 = DoubleVector.broadcast(DS, 710.0);
    private static final DoubleVector V_NEG_INF = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
    private static final DoubleVector V_NEG_LN2_HI = DoubleVector.broadcast(DS, -LN2_HI);
    private static final DoubleVector V_NEG_LN2_LO = DoubleVector.broadcast(DS, -LN2_LO);
    private static final DoubleVector V_NAN = DoubleVector.broadcast(DS, Double.NaN);
    private static final DoubleVector V_ONE = DoubleVector.broadcast(DS, 1.0);
    private static final DoubleVector V_SHIFTER = DoubleVector.broadcast(DS, SHIFTER);
    private static final DoubleVector V_SQRT2 = DoubleVector.broadcast(DS, SQRT2);
    private static final DoubleVector V_TWO = DoubleVector.broadcast(DS, 2.0);
    private static final DoubleVector V_TWO_P24 = DoubleVector.broadcast(DS, 0x1p24);
    private static final DoubleVector V_TWO_P54 = DoubleVector.broadcast(DS, 0x1p54);
    private static final DoubleVector V_TWO_PM60 = DoubleVector.broadcast(DS, 0x1p-60);
    private static final DoubleVector V_ZERO = DoubleVector.broadcast(DS, 0.0);
    // float tanh ({@link #tanh(float)}): x P(x^2) / Q(x^2) with P(0) = Q(0) = 1, a rational fitted
    // to tanh's relative error on [0, 10] by scripts/fit-tanh.py (at most 4.1e-9 in exact arithmetic;
    // the coefficients are the fit's rounded to float), x clamped to [-10, 10]: tanh is +-1 in float there
    static final float TANH_F_CLAMP = 10f;
    private static final float TP1 = 0x1.173baap-3f;
    private static final float TP2 = 0x1.f3957p-9f;
    private static final float TP3 = 0x1.c2e5fep-16f;
    private static final float TP4 = 0x1.dfef2ap-26f;
    private static final float TP5 = -0x1.6b1d86p-37f;
    private static final float TQ1 = 0x1.e0f32ap-2f;
    private static final float TQ2 = 0x1.bafb3p-6f;
    private static final float TQ3 = 0x1.928b14p-12f;
    private static final float TQ4 = 0x1.44973p-20f;
    private static final FloatVector VF_CLAMP = FloatVector.broadcast(FS, TANH_F_CLAMP);
    private static final FloatVector VF_TP1 = FloatVector.broadcast(FS, TP1);
    private static final FloatVector VF_TP2 = FloatVector.broadcast(FS, TP2);
    private static final FloatVector VF_TP3 = FloatVector.broadcast(FS, TP3);
    private static final FloatVector VF_TP4 = FloatVector.broadcast(FS, TP4);
    private static final FloatVector VF_TP5 = FloatVector.broadcast(FS, TP5);
    private static final FloatVector VF_TQ1 = FloatVector.broadcast(FS, TQ1);
    private static final FloatVector VF_TQ2 = FloatVector.broadcast(FS, TQ2);
    private static final FloatVector VF_TQ3 = FloatVector.broadcast(FS, TQ3);
    private static final FloatVector VF_TQ4 = FloatVector.broadcast(FS, TQ4);
    private static final FloatVector VF_ONE = FloatVector.broadcast(FS, 1f);
    private static final LongVector L_1023 = LongVector.broadcast(LS, 1023L);
    private static final LongVector L_EXP_MAGIC = LongVector.broadcast(LS, EXP_BITS_MAGIC);
    private static final LongVector L_MANTISSA = LongVector.broadcast(LS, MANTISSA);
    private static final LongVector L_ONE_BITS = LongVector.broadcast(LS, ONE_BITS);
    private static final LongVector L_SIGN = LongVector.broadcast(LS, Long.MIN_VALUE);

    // ================================================================== public array kernels
    //
    // The vector part of a kernel runs over chunks of CHUNK elements in a few passes (stages) that
    // keep their intermediates in per-thread double scratch arrays. Stored intermediates are exact,
    // so the passes change no bit. They keep each compiled loop small: one big fused loop exceeds
    // C2's inlining node budget, and a Vector API value that crosses a call C2 did not inline is
    // boxed, many times slower. For the same reason no stage calls a helper with vector arguments
    // (one exception, the float tanh's small lane helper, see tanhFLanes).

    private static final int CHUNK = 512;

    private static final class Scratch {
        final double[] a = new double[CHUNK];
        final double[] b = new double[CHUNK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    public static void tanh(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        tanhFStage(x, xOff, null, 0, out, outOff, len);
    }

    /**
     * out = tanh(x + h), with x + h rounded to float first: the bits of {@link #axpy} (1, h, x)
     * followed by {@link #tanh(float[], int, float[], int, int)}, in one pass. out may be x.
     */
    public static void tanhShifted(float[] x, int xOff, float[] h, int hOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        check(h.length, hOff, out.length, outOff, len);
        tanhFStage(x, xOff, h, hOff, out, outOff, len);
    }

    public static void tanh(double[] x, int xOff, double[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                tanhStage1(x, xOff + c, s.a, s.b, n);
                tanhStage2(x, xOff + c, s.a, s.b, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = tanh(x[xOff + i]);
        }
    }

    /**
     * out = sech^2(x) = 4 u / (1 + u)^2 with u = exp(-2|x|) rounded to float (tanh's derivative,
     * without 1 - tanh^2's cancellation where tanh saturates): per element the bits of
     * {@link #sech2(float)}, in passes over chunks (-2|x| widened to double, exact; the float exp's
     * double lanes; the rest in float lanes). out may be x.
     */
    public static void sech2(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                negTwiceAbsFStage(x, xOff + c, s.a, n);
                expFStage(s.a, s.a, n);
                sech2FStage(s.a, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = sech2(x[xOff + i]);
        }
    }

    /**
     * {@link #sech2(float[], int, float[], int, int)} on the rows x cols elements of x into out, on row
     * blocks over the cores ({@link RowParallel}; each element's bits are its own, so they do not
     * depend on the split). Allocates nothing after a thread's first call.
     */
    public static void sech2Rows(float[] x, float[] out, int rows, int cols) {
        check(x.length, 0, out.length, 0, rows * cols);
        Sech2Rows block = SECH2_ROWS.get();
        block.x = x;
        block.out = out;
        block.cols = cols;
        try {
            RowParallel.forRows(rows, RowParallel.minRows(cols), block);
        } finally {
            block.x = null;
            block.out = null;
        }
    }

    /** The row blocks of {@link #sech2Rows}, one per calling thread. */
    private static final class Sech2Rows implements RowParallel.RowBlock {
        float[] x;
        float[] out;
        int cols;

        @Override
        public void rows(int part, int from, int to) {
            sech2(x, from * cols, out, from * cols, (to - from) * cols);
        }
    }

    private static final ThreadLocal<Sech2Rows> SECH2_ROWS = ThreadLocal.withInitial(Sech2Rows::new);

    public static void exp(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                widenStage(x, xOff + c, s.a, n);
                expFStage(s.a, s.a, n);
                narrowStage(s.a, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = exp(x[xOff + i]);
        }
    }

    public static void exp(double[] x, int xOff, double[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        expStage(x, xOff, out, outOff, vlen);
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = exp(x[xOff + i]);
        }
    }

    /** Natural logarithm: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf. */
    public static void log(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                widenStage(x, xOff + c, s.a, n);
                logCoreFStage(s.a, s.b, n);
                logFinishFStage(s.a, s.b, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = log(x[xOff + i]);
        }
    }

    public static void log(double[] x, int xOff, double[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        logStage(x, xOff, out, outOff, vlen);
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = log(x[xOff + i]);
        }
    }

    /** softplus(x) = log(1 + exp(x)), accurate for large |x|. */
    public static void softplus(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                negAbsFStage(x, xOff + c, s.a, n);
                expFStage(s.a, s.a, n);
                onePlusStage(s.a, s.b, n);
                logCoreFStage(s.b, s.b, n);
                softplusFinishFStage(x, xOff + c, s.a, s.b, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = softplus(x[xOff + i]);
        }
    }

    public static void softplus(double[] x, int xOff, double[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                negAbsStage(x, xOff + c, s.a, n);
                expStage(s.a, 0, s.a, 0, n);
                onePlusStage(s.a, s.b, n);
                logCoreStage(s.b, s.b, n);
                softplusFinishStage(x, xOff + c, s.a, s.b, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = softplus(x[xOff + i]);
        }
    }

    /** sigmoid(x) = 1 / (1 + exp(-x)), the derivative of softplus. */
    public static void sigmoid(float[] x, int xOff, float[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                negAbsFStage(x, xOff + c, s.a, n);
                expFStage(s.a, s.a, n);
                sigmoidFinishFStage(x, xOff + c, s.a, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = sigmoid(x[xOff + i]);
        }
    }

    public static void sigmoid(double[] x, int xOff, double[] out, int outOff, int len) {
        check(x.length, xOff, out.length, outOff, len);
        int vlen = len - len % L;
        if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int n = Math.min(CHUNK, vlen - c);
                negAbsStage(x, xOff + c, s.a, n);
                expStage(s.a, 0, s.a, 0, n);
                sigmoidFinishStage(x, xOff + c, s.a, out, outOff + c, n);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = sigmoid(x[xOff + i]);
        }
    }

    /**
     * k * max(x, 0)^n for any real n > 0 (the rectified power law of stabilized supralinear
     * networks). n = 1, 2, 3, 4 use products, n = 0.5 a square root, other n exp(n log x). NaN in
     * gives NaN out. Float arrays are computed in double and rounded once.
     *
     * @throws IllegalArgumentException unless n is finite and > 0
     */
    public static void powerLaw(float[] x, int xOff, float[] out, int outOff, int len, double k, double n) {
        check(x.length, xOff, out.length, outOff, len);
        int mode = powerMode(n);
        int vlen = len - len % L;
        if (mode != POW_GENERAL) {
            powerSimpleFStage(x, xOff, out, outOff, vlen, mode, k);
        } else if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int m = Math.min(CHUNK, vlen - c);
                widenStage(x, xOff + c, s.a, m);
                positivePartStage(s.a, m);
                logCoreFStage(s.a, s.b, m);
                scaleStage(s.b, m, n);
                expStage(s.b, 0, s.b, 0, m);
                powFinishFStage(s.a, s.b, out, outOff + c, m, k);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = (float) (powerF(x[xOff + i], mode, n) * k);
        }
    }

    public static void powerLaw(double[] x, int xOff, double[] out, int outOff, int len, double k, double n) {
        check(x.length, xOff, out.length, outOff, len);
        int mode = powerMode(n);
        int vlen = len - len % L;
        if (mode != POW_GENERAL) {
            powerSimpleStage(x, xOff, out, outOff, vlen, mode, k);
        } else if (vlen > 0) {
            Scratch s = SCRATCH.get();
            for (int c = 0; c < vlen; c += CHUNK) {
                int m = Math.min(CHUNK, vlen - c);
                powSetupStage(x, xOff + c, s.a, s.b, m);
                powLogStage(s.a, s.b, m, n);
                expStage(s.a, 0, s.a, 0, m);
                powFinishStage(x, xOff + c, s.a, s.b, out, outOff + c, m, k);
            }
        }
        for (int i = vlen; i < len; i++) {
            out[outOff + i] = powerD(x[xOff + i], mode, n) * k;
        }
    }

    /** y[i] += a * x[i], one fused multiply-add per element. */
    public static void axpy(double a, double[] x, int xOff, double[] y, int yOff, int len) {
        check(x.length, xOff, y.length, yOff, len);
        DoubleVector va = DoubleVector.broadcast(DS, a);
        int i = 0;
        for (; i <= len - L; i += L) {
            DoubleVector.fromArray(DS, x, xOff + i).fma(va, DoubleVector.fromArray(DS, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }

    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int len) {
        check(x.length, xOff, y.length, yOff, len);
        FloatVector va = FloatVector.broadcast(FS, a);
        int fl = FS.length();
        int i = 0;
        for (; i <= len - fl; i += fl) {
            FloatVector.fromArray(FS, x, xOff + i).fma(va, FloatVector.fromArray(FS, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }

    /** out[i] = x[i] * y[i]; out may be x or y. */
    public static void mul(double[] x, int xOff, double[] y, int yOff, double[] out, int outOff, int len) {
        check(x.length, xOff, y.length, yOff, len);
        Objects.checkFromIndexSize(outOff, len, out.length);
        int i = 0;
        for (; i <= len - L; i += L) {
            DoubleVector.fromArray(DS, x, xOff + i).mul(DoubleVector.fromArray(DS, y, yOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < len; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    public static void mul(float[] x, int xOff, float[] y, int yOff, float[] out, int outOff, int len) {
        check(x.length, xOff, y.length, yOff, len);
        Objects.checkFromIndexSize(outOff, len, out.length);
        int fl = FS.length();
        int i = 0;
        for (; i <= len - fl; i += fl) {
            FloatVector.fromArray(FS, x, xOff + i).mul(FloatVector.fromArray(FS, y, yOff + i))
                    .intoArray(out, outOff + i);
        }
        for (; i < len; i++) {
            out[outOff + i] = x[xOff + i] * y[yOff + i];
        }
    }

    // ================================================================== public scalar functions
    // (bitwise identical to the array kernels' lanes)

    public static double tanh(double x) {
        double ax = Math.abs(x);
        double y = Math.min(ax + ax, 50.0);
        double t = Math.fma(y, INV_LN2, SHIFTER);
        double kd = t - SHIFTER;
        double rhi = Math.fma(kd, -LN2_HI, y);
        double r = Math.fma(kd, -LN2_LO, rhi);
        double rlo = Math.fma(kd, -LN2_LO, rhi - r);
        double c = Math.fma(r * r, polyQ(r), rlo);
        double s = pow2(t);
        // expm1(y) = (s - 1) + s r + s c as a double-double eh + el
        double a = s - 1.0;
        double b = s * r;
        double h = a + b;
        double bb = h - a;
        double l = (a - (h - bb)) + (b - bb);
        double tail = Math.fma(s, c, l);
        double eh = h + tail;
        double el = tail - (eh - h);
        // tanh = (eh + el) / (eh + el + 2), with the rounding of the denominator and quotient corrected
        double d = eh + 2.0;
        double bv = d - eh;
        double dErr = (eh - (d - bv)) + (2.0 - bv) + el;
        double q = eh / d;
        double rem = Math.fma(-q, d, eh) + (el - q * dErr);
        double th = q + rem / d;
        if (ax > 22.0) {
            th = 1.0;
        }
        return copySign(th, x);
    }

    /**
     * tanh in float arithmetic, 8 lanes per AVX2 vector where the double kernels have 4: with a the
     * input clamped to [-10, 10] and u = a^2, a P(u) / Q(u) (P of degree 5, Q of degree 4, both
     * 1 at 0, by Horner's rule with fma), limited to [-1, 1]. Odd exactly (u and the quotient do
     * not see the sign), tanh(x) = x for tiny x (P = Q = 1), NaN stays NaN. On every float
     * (VectorMathTest.floatTanhOnEveryFloat, run with -Dfprnn.exhaustive=true): at most 5.45 ulp from
     * the exact tanh (the most where tanh is near +-1), 98.65% of the floats within 1 ulp; the
     * roundings of the polynomials near 1 make the error, not the fit. ARCHITECTURE.md
     * asks for a few ulp; in the solvers' pass that adds h and applies tanh this takes about 0.6 of
     * the time of the 1-ulp form built on exp it replaced (bench parts), and that pass is most of
     * an Euler iteration's work besides its matrix product.
     */
    public static float tanh(float x) {
        float a = Math.min(Math.max(x, -TANH_F_CLAMP), TANH_F_CLAMP);
        float u = a * a;
        float p = Math.fma(TP5, u, TP4);
        p = Math.fma(p, u, TP3);
        p = Math.fma(p, u, TP2);
        p = Math.fma(p, u, TP1);
        p = Math.fma(p, u, 1f);
        float q = Math.fma(TQ4, u, TQ3);
        q = Math.fma(q, u, TQ2);
        q = Math.fma(q, u, TQ1);
        q = Math.fma(q, u, 1f);
        return Math.max(Math.min(a * p / q, 1f), -1f);
    }

    public static double exp(double x) {
        double xc = Math.min(Math.max(x, -746.0), 710.0);
        double t = Math.fma(xc, INV_LN2, SHIFTER);
        double kd = t - SHIFTER;
        double r = Math.fma(kd, -LN2_HI, xc);
        r = Math.fma(kd, -LN2_LO, r);
        double p = polyD(r);
        double kh = 0.0;
        double s2 = 1.0;
        if (kd > 1000.0) {
            kh = 24.0;
            s2 = 0x1p24;
        }
        if (kd < -1000.0) {
            kh = -60.0;
            s2 = 0x1p-60;
        }
        double s1 = pow2(t - kh);
        return Math.fma(s1, p, s1) * s2;
    }

    /**
     * sech^2(x) = 4 u / (1 + u)^2, u = exp(-2|x|) in float: -2|x| is exact (in double it cannot
     * overflow; where the float product would, exp gives 0 either way).
     */
    public static float sech2(float x) {
        float u = (float) expF(-2.0 * Math.abs((double) x));
        float s = 1f + u;
        return 4f * u / (s * s);
    }

    public static float exp(float x) {
        return (float) expF(x);
    }

    /** Natural logarithm: log(0) = -inf, log(x < 0) = NaN, log(inf) = inf. */
    public static double log(double x) {
        boolean sub = x < Double.MIN_NORMAL;
        double xs = sub ? x * 0x1p54 : x;
        double eadj = sub ? -54.0 : 0.0;
        double res = logCore(xs, eadj);
        if (!(x > 0.0)) {
            res = Double.NaN;
        }
        if (x == 0.0) {
            res = Double.NEGATIVE_INFINITY;
        }
        if (x == INF) {
            res = INF;
        }
        return res;
    }

    public static float log(float x) {
        return (float) logF(x);
    }

    /** log(1 + u), accurate for small |u|. */
    public static double log1p(double u) {
        double w = 1.0 + u;
        double c = (u - (w - 1.0)) / w;
        double res = log(w) + c;
        if (u == INF) {
            res = INF;
        }
        if (u == -1.0) {
            res = Double.NEGATIVE_INFINITY;
        }
        return res;
    }

    public static double softplus(double x) {
        double u = exp(-Math.abs(x));
        double w = u + 1.0;
        double c = (u - (w - 1.0)) / w;
        double l = logCore(w, 0.0) + c;
        return Math.max(x, 0.0) + l;
    }

    public static float softplus(float x) {
        double xd = x;
        double u = expF(-Math.abs(xd));
        double w = u + 1.0;
        double c = (u - (w - 1.0)) / w;
        double l = logCoreF(w) + c;
        return (float) (Math.max(xd, 0.0) + l);
    }

    public static double sigmoid(double x) {
        double e = exp(-Math.abs(x));
        double d = e + 1.0;
        double dErr = (1.0 - d) + e;
        double num = x < 0.0 ? e : 1.0;
        double q = num / d;
        double rem = Math.fma(-q, d, num) - q * dErr;
        return q + rem / d;
    }

    public static float sigmoid(float x) {
        double xd = x;
        double e = expF(-Math.abs(xd));
        double d = e + 1.0;
        double num = xd < 0.0 ? e : 1.0;
        return (float) (num / d);
    }

    /** k * max(x, 0)^n, as {@link #powerLaw(double[], int, double[], int, int, double, double)}. */
    public static double powerLaw(double x, double k, double n) {
        return powerD(x, powerMode(n), n) * k;
    }

    public static float powerLaw(float x, double k, double n) {
        return (float) (powerF(x, powerMode(n), n) * k);
    }

    // ================================================================== scalar internals

    private static void check(int xLen, int xOff, int outLen, int outOff, int len) {
        Objects.checkFromIndexSize(xOff, len, xLen);
        Objects.checkFromIndexSize(outOff, len, outLen);
    }

    private static double pow2(double t) {
        return Double.longBitsToDouble((Double.doubleToRawLongBits(t) + 1023L) << 52);
    }

    private static double copySign(double a, double b) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(a) | (Double.doubleToRawLongBits(b) & Long.MIN_VALUE));
    }

    private static double polyD(double r) {
        double q = Math.fma(r, E13, E12);
        q = Math.fma(q, r, E11);
        q = Math.fma(q, r, E10);
        q = Math.fma(q, r, E9);
        q = Math.fma(q, r, E8);
        q = Math.fma(q, r, E7);
        q = Math.fma(q, r, E6);
        q = Math.fma(q, r, E5);
        q = Math.fma(q, r, E4);
        q = Math.fma(q, r, E3);
        q = Math.fma(q, r, E2);
        return Math.fma(r * r, q, r);
    }

    private static double polyQ(double r) {
        double q = Math.fma(r, E13, E12);
        q = Math.fma(q, r, E11);
        q = Math.fma(q, r, E10);
        q = Math.fma(q, r, E9);
        q = Math.fma(q, r, E8);
        q = Math.fma(q, r, E7);
        q = Math.fma(q, r, E6);
        q = Math.fma(q, r, E5);
        q = Math.fma(q, r, E4);
        q = Math.fma(q, r, E3);
        return Math.fma(q, r, E2);
    }

    private static double polyF(double r) {
        double q = Math.fma(r, E9, E8);
        q = Math.fma(q, r, E7);
        q = Math.fma(q, r, E6);
        q = Math.fma(q, r, E5);
        q = Math.fma(q, r, E4);
        q = Math.fma(q, r, E3);
        q = Math.fma(q, r, E2);
        return Math.fma(r * r, q, r);
    }

    static double expF(double x) {
        double xc = Math.min(Math.max(x, -120.0), 100.0);
        double t = Math.fma(xc, INV_LN2, SHIFTER);
        double kd = t - SHIFTER;
        double r = Math.fma(kd, -LN2_HI, xc);
        r = Math.fma(kd, -LN2_LO, r);
        double p = polyF(r);
        double s = pow2(t);
        return Math.fma(s, p, s);
    }

    static double logCore(double x, double eadj) {
        long bits = Double.doubleToRawLongBits(x);
        double ed = Double.longBitsToDouble((bits >>> 52) | EXP_BITS_MAGIC) - EXP_BIAS_MAGIC;
        double m = Double.longBitsToDouble((bits & MANTISSA) | ONE_BITS);
        if (m > SQRT2) {
            m = m * 0.5;
            ed = ed + 1.0;
        }
        ed = ed + eadj;
        double f = m - 1.0;
        double s = f / (f + 2.0);
        double z = s * s;
        double q = Math.fma(z, G10, G9);
        q = Math.fma(q, z, G8);
        q = Math.fma(q, z, G7);
        q = Math.fma(q, z, G6);
        q = Math.fma(q, z, G5);
        q = Math.fma(q, z, G4);
        q = Math.fma(q, z, G3);
        q = Math.fma(q, z, G2);
        q = Math.fma(q, z, G1);
        double rr = q * z;
        double hfsq = f * f * 0.5;
        double inner = Math.fma(s, hfsq + rr, ed * LN2_LO);
        return Math.fma(ed, LN2_HI, f - (hfsq - inner));
    }

    static double logCoreF(double x) {
        long bits = Double.doubleToRawLongBits(x);
        double ed = Double.longBitsToDouble((bits >>> 52) | EXP_BITS_MAGIC) - EXP_BIAS_MAGIC;
        double m = Double.longBitsToDouble((bits & MANTISSA) | ONE_BITS);
        if (m > SQRT2) {
            m = m * 0.5;
            ed = ed + 1.0;
        }
        double f = m - 1.0;
        double s = f / (f + 2.0);
        double z = s * s;
        double q = Math.fma(z, G6, G5);
        q = Math.fma(q, z, G4);
        q = Math.fma(q, z, G3);
        q = Math.fma(q, z, G2);
        q = Math.fma(q, z, G1);
        double rr = q * z;
        double hfsq = f * f * 0.5;
        double inner = Math.fma(s, hfsq + rr, ed * LN2_LO);
        return Math.fma(ed, LN2_HI, f - (hfsq - inner));
    }

    static double logF(double x) {
        double res = logCoreF(x);
        if (!(x > 0.0)) {
            res = Double.NaN;
        }
        if (x == 0.0) {
            res = Double.NEGATIVE_INFINITY;
        }
        if (x == INF) {
            res = INF;
        }
        return res;
    }

    private static final int POW_GENERAL = 0;
    private static final int POW_HALF = 5;

    private static int powerMode(double n) {
        if (!(n > 0) || n == INF) {
            throw new IllegalArgumentException("power-law exponent must be a finite real > 0, got " + n);
        }
        if (n == 1 || n == 2 || n == 3 || n == 4) {
            return (int) n;
        }
        return n == 0.5 ? POW_HALF : POW_GENERAL;
    }

    static double powerD(double x, int mode, double n) {
        double v = Math.max(x, 0.0);
        return switch (mode) {
            case 1 -> v;
            case 2 -> v * v;
            case 3 -> v * v * v;
            case 4 -> {
                double v2 = v * v;
                yield v2 * v2;
            }
            case POW_HALF -> Math.sqrt(v);
            default -> powGeneral(v, n);
        };
    }

    static double powerF(double x, int mode, double n) {
        if (mode != POW_GENERAL) {
            return powerD(x, mode, n);
        }
        double v = Math.max(x, 0.0);
        double res = exp(logCoreF(v) * n);
        if (v == 0.0) {
            res = 0.0;
        }
        if (v == INF) {
            res = INF;
        }
        if (v != v) {
            res = v;
        }
        return res;
    }

    static double powGeneral(double v, double n) {
        boolean sub = v < Double.MIN_NORMAL;
        double xs = sub ? v * 0x1p54 : v;
        long bits = Double.doubleToRawLongBits(xs);
        double ed = Double.longBitsToDouble((bits >>> 52) | EXP_BITS_MAGIC) - EXP_BIAS_MAGIC;
        double m = Double.longBitsToDouble((bits & MANTISSA) | ONE_BITS);
        if (m > SQRT2) {
            m = m * 0.5;
            ed = ed + 1.0;
        }
        ed = ed + (sub ? -54.0 : 0.0);
        double f = m - 1.0;
        double s = f / (f + 2.0);
        double z = s * s;
        double q = Math.fma(z, G10, G9);
        q = Math.fma(q, z, G8);
        q = Math.fma(q, z, G7);
        q = Math.fma(q, z, G6);
        q = Math.fma(q, z, G5);
        q = Math.fma(q, z, G4);
        q = Math.fma(q, z, G3);
        q = Math.fma(q, z, G2);
        q = Math.fma(q, z, G1);
        double rr = q * z;
        double ff = f * f;
        double ffErr = Math.fma(f, f, -ff);
        double hfsq = ff * 0.5;
        double inner = Math.fma(s, hfsq + rr, ed * LN2_LO);
        double small = inner - hfsq - ffErr * 0.5;
        double a = ed * LN2_HI;
        double hs = a + f;
        double bb = hs - a;
        double lo = (a - (hs - bb)) + (f - bb) + small;
        double hi = hs + lo;
        lo = lo - (hi - hs);
        double yh = hi * n;
        double yl = Math.fma(hi, n, -yh) + lo * n;
        double e = exp(yh);
        double res = Math.fma(e, yl, e);
        if (e == INF) {
            res = e;
        }
        if (v == 0.0) {
            res = 0.0;
        }
        if (v == INF) {
            res = INF;
        }
        if (v != v) {
            res = v;
        }
        return res;
    }

    // ================================================================== vector stages
    // n is a multiple of L. Every stage mirrors the scalar code above operation by operation.

    /** dst = (double) src. */
    private static void widenStage(float[] src, int so, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            ((DoubleVector) FloatVector.fromArray(FH, src, so + i).convertShape(VectorOperators.F2D, DS, 0))
                    .intoArray(dst, i);
        }
    }

    /** dst = (float) src. */
    private static void narrowStage(double[] src, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i += L) {
            ((FloatVector) DoubleVector.fromArray(DS, src, i).convertShape(VectorOperators.D2F, FH, 0))
                    .intoArray(dst, dOff + i);
        }
    }

    /** dst = -|x|. */
    private static void negAbsStage(double[] x, int xOff, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector.fromArray(DS, x, xOff + i).abs().neg().intoArray(dst, i);
        }
    }

    private static void negAbsFStage(float[] x, int xOff, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            ((DoubleVector) FloatVector.fromArray(FH, x, xOff + i).convertShape(VectorOperators.F2D, DS, 0))
                    .abs().neg().intoArray(dst, i);
        }
    }

    /** dst = -2 |x|, widened to double (exact). */
    private static void negTwiceAbsFStage(float[] x, int xOff, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector a = ((DoubleVector) FloatVector.fromArray(FH, x, xOff + i)
                    .convertShape(VectorOperators.F2D, DS, 0)).abs();
            a.add(a).neg().intoArray(dst, i);
        }
    }

    /** dst = 4 u / (1 + u)^2 in float, u = (float) src. */
    private static void sech2FStage(double[] src, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector u = (FloatVector) DoubleVector.fromArray(DS, src, i).convertShape(VectorOperators.D2F, FH, 0);
            FloatVector s = u.add(1f);
            u.mul(4f).div(s.mul(s)).intoArray(dst, dOff + i);
        }
    }

    /** dst = src + 1. */
    private static void onePlusStage(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector.fromArray(DS, src, i).add(V_ONE).intoArray(dst, i);
        }
    }

    /** a = max(a, 0). */
    private static void positivePartStage(double[] a, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector.fromArray(DS, a, i).max(V_ZERO).intoArray(a, i);
        }
    }

    /** a = a * f. */
    private static void scaleStage(double[] a, int n, double f) {
        DoubleVector vf = DoubleVector.broadcast(DS, f);
        for (int i = 0; i < n; i += L) {
            DoubleVector.fromArray(DS, a, i).mul(vf).intoArray(a, i);
        }
    }

    /** exp (double), as {@link #exp(double)}. */
    private static void expStage(double[] src, int so, double[] dst, int dOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xc = DoubleVector.fromArray(DS, src, so + i).max(V_M746).min(V_N710);
            DoubleVector t = xc.fma(V_INV_LN2, V_SHIFTER);
            DoubleVector kd = t.sub(V_SHIFTER);
            DoubleVector r = kd.fma(V_NEG_LN2_HI, xc);
            r = kd.fma(V_NEG_LN2_LO, r);
            DoubleVector q = r.fma(V_E13, V_E12);
            q = q.fma(r, V_E11);
            q = q.fma(r, V_E10);
            q = q.fma(r, V_E9);
            q = q.fma(r, V_E8);
            q = q.fma(r, V_E7);
            q = q.fma(r, V_E6);
            q = q.fma(r, V_E5);
            q = q.fma(r, V_E4);
            q = q.fma(r, V_E3);
            q = q.fma(r, V_E2);
            DoubleVector p = r.mul(r).fma(q, r);
            VectorMask<Double> big = kd.compare(VectorOperators.GT, V_N1000);
            VectorMask<Double> small = kd.compare(VectorOperators.LT, V_M1000);
            DoubleVector kh = V_ZERO.blend(V_N24, big).blend(V_M60, small);
            DoubleVector s2 = V_ONE.blend(V_TWO_P24, big).blend(V_TWO_PM60, small);
            DoubleVector s1 = t.sub(kh).reinterpretAsLongs().add(L_1023).lanewise(VectorOperators.LSHL, 52L)
                    .reinterpretAsDoubles();
            s1.fma(p, s1).mul(s2).intoArray(dst, dOff + i);
        }
    }

    /** exp for results rounded to float, as {@link #expF(double)}; in place allowed. */
    private static void expFStage(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xc = DoubleVector.fromArray(DS, src, i).max(V_M120).min(V_N100);
            DoubleVector t = xc.fma(V_INV_LN2, V_SHIFTER);
            DoubleVector kd = t.sub(V_SHIFTER);
            DoubleVector r = kd.fma(V_NEG_LN2_HI, xc);
            r = kd.fma(V_NEG_LN2_LO, r);
            DoubleVector q = r.fma(V_E9, V_E8);
            q = q.fma(r, V_E7);
            q = q.fma(r, V_E6);
            q = q.fma(r, V_E5);
            q = q.fma(r, V_E4);
            q = q.fma(r, V_E3);
            q = q.fma(r, V_E2);
            DoubleVector p = r.mul(r).fma(q, r);
            DoubleVector s = t.reinterpretAsLongs().add(L_1023).lanewise(VectorOperators.LSHL, 52L)
                    .reinterpretAsDoubles();
            s.fma(p, s).intoArray(dst, i);
        }
    }

    /**
     * tanh (float), as {@link #tanh(float)}, of x + h (h null: of x) over n elements: whole vectors of
     * FS, then the last n mod FS.length() elements as one masked vector, whose lanes do what the
     * others do, so every element has the scalar form's bits (at N = 300 with 16 lanes a scalar tail
     * of 12 elements, latency-bound, took about as long as the 18 vectors: one thread, 64 rows of
     * x + h on a 2-core AVX-512 Xeon, 115-136 ns per row against 285-321 ns).
     */
    private static void tanhFStage(float[] x, int xOff, float[] h, int hOff, float[] out, int outOff, int n) {
        int fl = FS.length();
        int i = 0;
        for (; i <= n - fl; i += fl) {
            FloatVector xv = FloatVector.fromArray(FS, x, xOff + i);
            if (h != null) {
                xv = xv.add(FloatVector.fromArray(FS, h, hOff + i));
            }
            tanhFLanes(xv).intoArray(out, outOff + i);
        }
        if (i < n) {
            VectorMask<Float> in = FS.indexInRange(i, n);
            FloatVector xv = FloatVector.fromArray(FS, x, xOff + i, in);
            if (h != null) {
                xv = xv.add(FloatVector.fromArray(FS, h, hOff + i, in));
            }
            tanhFLanes(xv).intoArray(out, outOff + i, in);
        }
    }

    /**
     * tanh (float) on each lane, with the bits of {@link #tanh(float)}: it works on |x| and puts x's
     * sign back (the quotient is odd exactly), and clamps with a compare and a blend where the vector
     * min and max, which keep Java's NaN and signed-zero rules, take several instructions each on
     * AVX2. A NaN passes both clamps (its compares are false) and stays NaN. Measured on a 2-core
     * AVX2 EPYC, one thread, x + h over 64 x 300 floats: 0.59 ns per element against the min/max
     * form's 0.84. The one helper with vector arguments among the stages: small enough that C2
     * inlines it into both call sites (the allocation tests would see a boxed vector).
     */
    private static FloatVector tanhFLanes(FloatVector xv) {
        IntVector bits = xv.reinterpretAsInts();
        FloatVector a = bits.and(Integer.MAX_VALUE).reinterpretAsFloats();
        a = a.blend(VF_CLAMP, a.compare(VectorOperators.GT, VF_CLAMP));
        FloatVector u = a.mul(a);
        FloatVector p = VF_TP5.fma(u, VF_TP4);
        p = p.fma(u, VF_TP3);
        p = p.fma(u, VF_TP2);
        p = p.fma(u, VF_TP1);
        p = p.fma(u, VF_ONE);
        FloatVector q = VF_TQ4.fma(u, VF_TQ3);
        q = q.fma(u, VF_TQ2);
        q = q.fma(u, VF_TQ1);
        q = q.fma(u, VF_ONE);
        FloatVector t = a.mul(p).div(q);
        t = t.blend(VF_ONE, t.compare(VectorOperators.GT, VF_ONE));
        return t.reinterpretAsInts().or(bits.and(Integer.MIN_VALUE)).reinterpretAsFloats();
    }

    /** tanh (double), pass 1: expm1(2|x|) as a double-double eh + el. */
    private static void tanhStage1(double[] x, int xOff, double[] ehA, double[] elA, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector ax = DoubleVector.fromArray(DS, x, xOff + i).abs();
            DoubleVector y = ax.add(ax).min(V_N50);
            DoubleVector t = y.fma(V_INV_LN2, V_SHIFTER);
            DoubleVector kd = t.sub(V_SHIFTER);
            DoubleVector rhi = kd.fma(V_NEG_LN2_HI, y);
            DoubleVector r = kd.fma(V_NEG_LN2_LO, rhi);
            DoubleVector rlo = kd.fma(V_NEG_LN2_LO, rhi.sub(r));
            DoubleVector q = r.fma(V_E13, V_E12);
            q = q.fma(r, V_E11);
            q = q.fma(r, V_E10);
            q = q.fma(r, V_E9);
            q = q.fma(r, V_E8);
            q = q.fma(r, V_E7);
            q = q.fma(r, V_E6);
            q = q.fma(r, V_E5);
            q = q.fma(r, V_E4);
            q = q.fma(r, V_E3);
            q = q.fma(r, V_E2);
            DoubleVector c = r.mul(r).fma(q, rlo);
            DoubleVector s = t.reinterpretAsLongs().add(L_1023).lanewise(VectorOperators.LSHL, 52L)
                    .reinterpretAsDoubles();
            DoubleVector a = s.sub(V_ONE);
            DoubleVector b = s.mul(r);
            DoubleVector h = a.add(b);
            DoubleVector bb = h.sub(a);
            DoubleVector l = a.sub(h.sub(bb)).add(b.sub(bb));
            DoubleVector tail = s.fma(c, l);
            DoubleVector eh = h.add(tail);
            tail.sub(eh.sub(h)).intoArray(elA, i);
            eh.intoArray(ehA, i);
        }
    }

    /** tanh (double), pass 2: (eh + el) / (eh + el + 2) with corrected rounding, saturation, sign. */
    private static void tanhStage2(double[] x, int xOff, double[] ehA, double[] elA, double[] out, int outOff,
                                   int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xv = DoubleVector.fromArray(DS, x, xOff + i);
            DoubleVector eh = DoubleVector.fromArray(DS, ehA, i);
            DoubleVector el = DoubleVector.fromArray(DS, elA, i);
            DoubleVector d = eh.add(V_TWO);
            DoubleVector bv = d.sub(eh);
            DoubleVector dErr = eh.sub(d.sub(bv)).add(V_TWO.sub(bv)).add(el);
            DoubleVector q = eh.div(d);
            DoubleVector rem = q.neg().fma(d, eh).add(el.sub(q.mul(dErr)));
            DoubleVector th = q.add(rem.div(d));
            th = th.blend(V_ONE, xv.abs().compare(VectorOperators.GT, V_N22));
            th.reinterpretAsLongs().or(xv.reinterpretAsLongs().and(L_SIGN)).reinterpretAsDoubles()
                    .intoArray(out, outOff + i);
        }
    }

    /** log of positive, normal, finite values, as {@code logCore(x, 0)}; in place allowed. */
    private static void logCoreStage(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            LongVector bits = DoubleVector.fromArray(DS, src, i).reinterpretAsLongs();
            DoubleVector ed = bits.lanewise(VectorOperators.LSHR, 52L).or(L_EXP_MAGIC).reinterpretAsDoubles()
                    .sub(V_BIAS);
            DoubleVector m = bits.and(L_MANTISSA).or(L_ONE_BITS).reinterpretAsDoubles();
            VectorMask<Double> big = m.compare(VectorOperators.GT, V_SQRT2);
            m = m.blend(m.mul(V_HALF), big);
            ed = ed.blend(ed.add(V_ONE), big);
            DoubleVector f = m.sub(V_ONE);
            DoubleVector s = f.div(f.add(V_TWO));
            DoubleVector z = s.mul(s);
            DoubleVector q = z.fma(V_G10, V_G9);
            q = q.fma(z, V_G8);
            q = q.fma(z, V_G7);
            q = q.fma(z, V_G6);
            q = q.fma(z, V_G5);
            q = q.fma(z, V_G4);
            q = q.fma(z, V_G3);
            q = q.fma(z, V_G2);
            q = q.fma(z, V_G1);
            DoubleVector rr = q.mul(z);
            DoubleVector hfsq = f.mul(f).mul(V_HALF);
            DoubleVector inner = s.fma(hfsq.add(rr), ed.mul(V_LN2_LO));
            ed.fma(V_LN2_HI, f.sub(hfsq.sub(inner))).intoArray(dst, i);
        }
    }

    /** The same with the float-length series, as {@link #logCoreF(double)}; in place allowed. */
    private static void logCoreFStage(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i += L) {
            LongVector bits = DoubleVector.fromArray(DS, src, i).reinterpretAsLongs();
            DoubleVector ed = bits.lanewise(VectorOperators.LSHR, 52L).or(L_EXP_MAGIC).reinterpretAsDoubles()
                    .sub(V_BIAS);
            DoubleVector m = bits.and(L_MANTISSA).or(L_ONE_BITS).reinterpretAsDoubles();
            VectorMask<Double> big = m.compare(VectorOperators.GT, V_SQRT2);
            m = m.blend(m.mul(V_HALF), big);
            ed = ed.blend(ed.add(V_ONE), big);
            DoubleVector f = m.sub(V_ONE);
            DoubleVector s = f.div(f.add(V_TWO));
            DoubleVector z = s.mul(s);
            DoubleVector q = z.fma(V_G6, V_G5);
            q = q.fma(z, V_G4);
            q = q.fma(z, V_G3);
            q = q.fma(z, V_G2);
            q = q.fma(z, V_G1);
            DoubleVector rr = q.mul(z);
            DoubleVector hfsq = f.mul(f).mul(V_HALF);
            DoubleVector inner = s.fma(hfsq.add(rr), ed.mul(V_LN2_LO));
            ed.fma(V_LN2_HI, f.sub(hfsq.sub(inner))).intoArray(dst, i);
        }
    }

    /** log (double) with subnormals and special values, as {@link #log(double)}. */
    private static void logStage(double[] x, int xOff, double[] out, int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xv = DoubleVector.fromArray(DS, x, xOff + i);
            VectorMask<Double> sub = xv.compare(VectorOperators.LT, V_MIN_NORMAL);
            LongVector bits = xv.blend(xv.mul(V_TWO_P54), sub).reinterpretAsLongs();
            DoubleVector ed = bits.lanewise(VectorOperators.LSHR, 52L).or(L_EXP_MAGIC).reinterpretAsDoubles()
                    .sub(V_BIAS);
            DoubleVector m = bits.and(L_MANTISSA).or(L_ONE_BITS).reinterpretAsDoubles();
            VectorMask<Double> big = m.compare(VectorOperators.GT, V_SQRT2);
            m = m.blend(m.mul(V_HALF), big);
            ed = ed.blend(ed.add(V_ONE), big).add(V_ZERO.blend(V_M54, sub));
            DoubleVector f = m.sub(V_ONE);
            DoubleVector s = f.div(f.add(V_TWO));
            DoubleVector z = s.mul(s);
            DoubleVector q = z.fma(V_G10, V_G9);
            q = q.fma(z, V_G8);
            q = q.fma(z, V_G7);
            q = q.fma(z, V_G6);
            q = q.fma(z, V_G5);
            q = q.fma(z, V_G4);
            q = q.fma(z, V_G3);
            q = q.fma(z, V_G2);
            q = q.fma(z, V_G1);
            DoubleVector rr = q.mul(z);
            DoubleVector hfsq = f.mul(f).mul(V_HALF);
            DoubleVector inner = s.fma(hfsq.add(rr), ed.mul(V_LN2_LO));
            DoubleVector res = ed.fma(V_LN2_HI, f.sub(hfsq.sub(inner)));
            res = res.blend(V_NAN, xv.compare(VectorOperators.GT, V_ZERO).not());
            res = res.blend(V_NEG_INF, xv.compare(VectorOperators.EQ, V_ZERO));
            res.blend(V_INF, xv.compare(VectorOperators.EQ, V_INF)).intoArray(out, outOff + i);
        }
    }

    /** log (float): special values of x over the core result lc, rounded to float. */
    private static void logFinishFStage(double[] xd, double[] lc, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xv = DoubleVector.fromArray(DS, xd, i);
            DoubleVector res = DoubleVector.fromArray(DS, lc, i);
            res = res.blend(V_NAN, xv.compare(VectorOperators.GT, V_ZERO).not());
            res = res.blend(V_NEG_INF, xv.compare(VectorOperators.EQ, V_ZERO));
            res = res.blend(V_INF, xv.compare(VectorOperators.EQ, V_INF));
            ((FloatVector) res.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, outOff + i);
        }
    }

    /** softplus: from u = exp(-|x|) and lw = log(1 + u) (rounded w), add the rounding of w and max(x, 0). */
    private static void softplusFinishStage(double[] x, int xOff, double[] uA, double[] lwA, double[] out,
                                            int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector u = DoubleVector.fromArray(DS, uA, i);
            DoubleVector w = u.add(V_ONE);
            DoubleVector c = u.sub(w.sub(V_ONE)).div(w);
            DoubleVector l = DoubleVector.fromArray(DS, lwA, i).add(c);
            DoubleVector.fromArray(DS, x, xOff + i).max(V_ZERO).add(l).intoArray(out, outOff + i);
        }
    }

    private static void softplusFinishFStage(float[] x, int xOff, double[] uA, double[] lwA, float[] out,
                                             int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector u = DoubleVector.fromArray(DS, uA, i);
            DoubleVector w = u.add(V_ONE);
            DoubleVector c = u.sub(w.sub(V_ONE)).div(w);
            DoubleVector l = DoubleVector.fromArray(DS, lwA, i).add(c);
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FH, x, xOff + i)
                    .convertShape(VectorOperators.F2D, DS, 0);
            ((FloatVector) xv.max(V_ZERO).add(l).convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, outOff + i);
        }
    }

    /** sigmoid from e = exp(-|x|): 1/(1+e) or e/(1+e), the division corrected for the rounding of 1+e. */
    private static void sigmoidFinishStage(double[] x, int xOff, double[] eA, double[] out, int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xv = DoubleVector.fromArray(DS, x, xOff + i);
            DoubleVector e = DoubleVector.fromArray(DS, eA, i);
            DoubleVector d = e.add(V_ONE);
            DoubleVector dErr = V_ONE.sub(d).add(e);
            DoubleVector num = V_ONE.blend(e, xv.compare(VectorOperators.LT, V_ZERO));
            DoubleVector q = num.div(d);
            DoubleVector rem = q.neg().fma(d, num).sub(q.mul(dErr));
            q.add(rem.div(d)).intoArray(out, outOff + i);
        }
    }

    private static void sigmoidFinishFStage(float[] x, int xOff, double[] eA, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector xv = (DoubleVector) FloatVector.fromArray(FH, x, xOff + i)
                    .convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector e = DoubleVector.fromArray(DS, eA, i);
            DoubleVector d = e.add(V_ONE);
            DoubleVector num = V_ONE.blend(e, xv.compare(VectorOperators.LT, V_ZERO));
            ((FloatVector) num.div(d).convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, outOff + i);
        }
    }

    /** k * max(x, 0)^n for n = 1, 2, 3, 4 (products) or 1/2 (square root), as {@link #powerD}. */
    private static void powerSimpleStage(double[] x, int xOff, double[] out, int outOff, int n, int mode, double k) {
        DoubleVector vk = DoubleVector.broadcast(DS, k);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = DoubleVector.fromArray(DS, x, xOff + i).max(V_ZERO);
            DoubleVector p;
            switch (mode) {
                case 1 -> p = v;
                case 2 -> p = v.mul(v);
                case 3 -> p = v.mul(v).mul(v);
                case 4 -> {
                    DoubleVector v2 = v.mul(v);
                    p = v2.mul(v2);
                }
                default -> p = v.sqrt();
            }
            p.mul(vk).intoArray(out, outOff + i);
        }
    }

    private static void powerSimpleFStage(float[] x, int xOff, float[] out, int outOff, int n, int mode, double k) {
        DoubleVector vk = DoubleVector.broadcast(DS, k);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = ((DoubleVector) FloatVector.fromArray(FH, x, xOff + i)
                    .convertShape(VectorOperators.F2D, DS, 0)).max(V_ZERO);
            DoubleVector p;
            switch (mode) {
                case 1 -> p = v;
                case 2 -> p = v.mul(v);
                case 3 -> p = v.mul(v).mul(v);
                case 4 -> {
                    DoubleVector v2 = v.mul(v);
                    p = v2.mul(v2);
                }
                default -> p = v.sqrt();
            }
            ((FloatVector) p.mul(vk).convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, outOff + i);
        }
    }

    /** General power, pass 1: exponent ed (subnormals scaled) and f = m - 1 of v = max(x, 0). */
    private static void powSetupStage(double[] x, int xOff, double[] edA, double[] fA, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector v = DoubleVector.fromArray(DS, x, xOff + i).max(V_ZERO);
            VectorMask<Double> sub = v.compare(VectorOperators.LT, V_MIN_NORMAL);
            LongVector bits = v.blend(v.mul(V_TWO_P54), sub).reinterpretAsLongs();
            DoubleVector ed = bits.lanewise(VectorOperators.LSHR, 52L).or(L_EXP_MAGIC).reinterpretAsDoubles()
                    .sub(V_BIAS);
            DoubleVector m = bits.and(L_MANTISSA).or(L_ONE_BITS).reinterpretAsDoubles();
            VectorMask<Double> big = m.compare(VectorOperators.GT, V_SQRT2);
            m = m.blend(m.mul(V_HALF), big);
            ed = ed.blend(ed.add(V_ONE), big).add(V_ZERO.blend(V_M54, sub));
            ed.intoArray(edA, i);
            m.sub(V_ONE).intoArray(fA, i);
        }
    }

    /** General power, pass 2: n log v as a double-double yh + yl, written over ed and f. */
    private static void powLogStage(double[] edA, double[] fA, int n, double pn) {
        DoubleVector vn = DoubleVector.broadcast(DS, pn);
        for (int i = 0; i < n; i += L) {
            DoubleVector ed = DoubleVector.fromArray(DS, edA, i);
            DoubleVector f = DoubleVector.fromArray(DS, fA, i);
            DoubleVector s = f.div(f.add(V_TWO));
            DoubleVector z = s.mul(s);
            DoubleVector q = z.fma(V_G10, V_G9);
            q = q.fma(z, V_G8);
            q = q.fma(z, V_G7);
            q = q.fma(z, V_G6);
            q = q.fma(z, V_G5);
            q = q.fma(z, V_G4);
            q = q.fma(z, V_G3);
            q = q.fma(z, V_G2);
            q = q.fma(z, V_G1);
            DoubleVector rr = q.mul(z);
            DoubleVector ff = f.mul(f);
            DoubleVector ffErr = f.fma(f, ff.neg());
            DoubleVector hfsq = ff.mul(V_HALF);
            DoubleVector inner = s.fma(hfsq.add(rr), ed.mul(V_LN2_LO));
            DoubleVector small = inner.sub(hfsq).sub(ffErr.mul(V_HALF));
            DoubleVector a = ed.mul(V_LN2_HI);
            DoubleVector hs = a.add(f);
            DoubleVector bb = hs.sub(a);
            DoubleVector lo = a.sub(hs.sub(bb)).add(f.sub(bb)).add(small);
            DoubleVector hi = hs.add(lo);
            lo = lo.sub(hi.sub(hs));
            DoubleVector yh = hi.mul(vn);
            hi.fma(vn, yh.neg()).add(lo.mul(vn)).intoArray(fA, i);
            yh.intoArray(edA, i);
        }
    }

    /** General power, pass 3: from e = exp(yh), e (1 + yl) with the special cases of v, times k. */
    private static void powFinishStage(double[] x, int xOff, double[] eA, double[] ylA, double[] out, int outOff,
                                       int n, double k) {
        DoubleVector vk = DoubleVector.broadcast(DS, k);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = DoubleVector.fromArray(DS, x, xOff + i).max(V_ZERO);
            DoubleVector e = DoubleVector.fromArray(DS, eA, i);
            DoubleVector res = e.fma(DoubleVector.fromArray(DS, ylA, i), e);
            res = res.blend(e, e.compare(VectorOperators.EQ, V_INF));
            res = res.blend(V_ZERO, v.compare(VectorOperators.EQ, V_ZERO));
            res = res.blend(V_INF, v.compare(VectorOperators.EQ, V_INF));
            res.blend(v, v.compare(VectorOperators.NE, v)).mul(vk).intoArray(out, outOff + i);
        }
    }

    /** General power of float values: special cases of v = max(x, 0) over e = exp(n log v), times k. */
    private static void powFinishFStage(double[] vA, double[] eA, float[] out, int outOff, int n, double k) {
        DoubleVector vk = DoubleVector.broadcast(DS, k);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = DoubleVector.fromArray(DS, vA, i);
            DoubleVector res = DoubleVector.fromArray(DS, eA, i);
            res = res.blend(V_ZERO, v.compare(VectorOperators.EQ, V_ZERO));
            res = res.blend(V_INF, v.compare(VectorOperators.EQ, V_INF));
            res = res.blend(v, v.compare(VectorOperators.NE, v)).mul(vk);
            ((FloatVector) res.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, outOff + i);
        }
    }
}
