package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.fprnn.linalg.KernelFixture.DKernel;
import org.fprnn.linalg.KernelFixture.FKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Accuracy of the {@link VectorMath} kernels against StrictMath (fdlibm) over dense sweeps, a
 * sample of all magnitudes and special values; the array kernels against their scalar twins bit
 * for bit, with offsets, odd lengths and in place.
 */
class VectorMathTest {

    // ------------------------------------------------------------------ ulp distance

    /** Distance in units in the last place (0 if both NaN, huge if one is). */
    static long ulps(double got, double want) {
        if (Double.isNaN(got) || Double.isNaN(want)) {
            return Double.isNaN(got) && Double.isNaN(want) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordered(got) - ordered(want));
    }

    static long ulps(float got, float want) {
        if (Float.isNaN(got) || Float.isNaN(want)) {
            return Float.isNaN(got) && Float.isNaN(want) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordered(got) - ordered(want));
    }

    private static long ordered(double d) {
        long b = Double.doubleToLongBits(d);
        return b < 0 ? Long.MIN_VALUE - b : b;
    }

    private static long ordered(float f) {
        long b = Float.floatToIntBits(f);
        return b < 0 ? Integer.MIN_VALUE - b : b;
    }

    // ------------------------------------------------------------------ inputs

    /** count points evenly spaced on [lo, hi]. */
    static double[] sweep(double lo, double hi, int count) {
        double[] x = new double[count];
        for (int i = 0; i < count; i++) {
            x[i] = lo + (hi - lo) * i / (count - 1);
        }
        return x;
    }

    /** Bit patterns spread evenly over all doubles of one sign: every binade is sampled. */
    static double[] allMagnitudes(int count, boolean negative) {
        double[] x = new double[count];
        long step = 0x7FF0_0000_0000_0000L / count;
        for (int i = 0; i < count; i++) {
            double v = Double.longBitsToDouble(i * step + 12345);
            x[i] = negative ? -v : v;
        }
        return x;
    }

    static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] r = new double[n];
        int o = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, r, o, p.length);
            o += p.length;
        }
        return r;
    }

    static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** Every 512th float bit pattern of both signs (2^23 values, all binades) plus a sweep. */
    static float[] floatSample(double lo, double hi) {
        float[] a = new float[1 << 23];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.intBitsToFloat(i << 9 | 0x55);
        }
        float[] s = toFloat(sweep(lo, hi, 1 << 20));
        float[] r = new float[a.length + s.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(s, 0, r, a.length, s.length);
        return r;
    }

    // ------------------------------------------------------------------ references

    static double softplusRef(double x) {
        return Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }

    static double sigmoidRef(double x) {
        double e = StrictMath.exp(-Math.abs(x));
        return x < 0 ? e / (1 + e) : 1 / (1 + e);
    }

    static double powRef(double x, double k, double n) {
        return Double.isNaN(x) ? x : x > 0 ? k * StrictMath.pow(x, n) : 0.0;
    }

    private static final List<String> REPORT = new ArrayList<>();

    private static long maxUlpD(String name, DKernel k, DoubleUnaryOperator ref, double[] x, long bound) {
        double[] out = new double[x.length];
        k.run(x, 0, out, 0, x.length);
        long worst = 0;
        double at = Double.NaN;
        for (int i = 0; i < x.length; i++) {
            long u = ulps(out[i], ref.applyAsDouble(x[i]));
            if (u > worst) {
                worst = u;
                at = x[i];
            }
        }
        String line = String.format("%-28s double  max %d ulp (at %s)", name, worst, at);
        REPORT.add(line);
        System.out.println(line);
        assertTrue(worst <= bound, line + " > " + bound + " ulp");
        return worst;
    }

    private static long maxUlpF(String name, FKernel k, DoubleUnaryOperator ref, float[] x, long bound) {
        float[] out = new float[x.length];
        k.run(x, 0, out, 0, x.length);
        long worst = 0;
        float at = Float.NaN;
        for (int i = 0; i < x.length; i++) {
            long u = ulps(out[i], (float) ref.applyAsDouble(x[i]));
            if (u > worst) {
                worst = u;
                at = x[i];
            }
        }
        String line = String.format("%-28s float   max %d ulp (at %s)", name, worst, at);
        REPORT.add(line);
        System.out.println(line);
        assertTrue(worst <= bound, line + " > " + bound + " ulp");
        return worst;
    }

    // ------------------------------------------------------------------ accuracy

    @Test
    void doubleKernelsAreWithinAFewUlpOfStrictMath() {
        double[] wide = concat(allMagnitudes(1 << 18, false), allMagnitudes(1 << 18, true));
        maxUlpD("tanh [-25, 25]", VectorMath::tanh, StrictMath::tanh, sweep(-25, 25, 1 << 21), 3);
        maxUlpD("tanh [-1, 1]", VectorMath::tanh, StrictMath::tanh, sweep(-1, 1, 1 << 21), 3);
        maxUlpD("tanh all magnitudes", VectorMath::tanh, StrictMath::tanh, wide, 3);
        maxUlpD("tanh [-1, 1] vs Math.tanh", VectorMath::tanh, Math::tanh, sweep(-1, 1, 1 << 20), 3);
        maxUlpD("exp [-745.2, 709.8]", VectorMath::exp, StrictMath::exp, sweep(-745.2, 709.8, 1 << 21), 2);
        maxUlpD("exp [-1, 1]", VectorMath::exp, StrictMath::exp, sweep(-1, 1, 1 << 20), 2);
        maxUlpD("exp all magnitudes", VectorMath::exp, StrictMath::exp, wide, 2);
        maxUlpD("exp [-1, 1] vs Math.exp", VectorMath::exp, Math::exp, sweep(-1, 1, 1 << 20), 2);
        maxUlpD("log all magnitudes", VectorMath::log, StrictMath::log, wide, 2);
        maxUlpD("log [0.5, 2]", VectorMath::log, StrictMath::log, sweep(0.5, 2, 1 << 21), 2);
        maxUlpD("softplus [-50, 50]", VectorMath::softplus, VectorMathTest::softplusRef, sweep(-50, 50, 1 << 21), 3);
        maxUlpD("softplus all magnitudes", VectorMath::softplus, VectorMathTest::softplusRef, wide, 3);
        maxUlpD("sigmoid [-50, 50]", VectorMath::sigmoid, VectorMathTest::sigmoidRef, sweep(-50, 50, 1 << 21), 4);
        maxUlpD("sigmoid all magnitudes", VectorMath::sigmoid, VectorMathTest::sigmoidRef, wide, 4);
        for (double n : new double[] {0.3, 1.5, 2.5, 3.7, 7.3}) {
            DKernel k = (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 1.0, n);
            maxUlpD("powerLaw n=" + n + " [-1, 100]", k, v -> powRef(v, 1, n), sweep(-1, 100, 1 << 19), 3);
            maxUlpD("powerLaw n=" + n + " (0, 1e-3]", k, v -> powRef(v, 1, n), sweep(1e-300, 1e-3, 1 << 18), 3);
        }
        // large |n log x|: the error grows like |n log x| / 16 ulp
        DKernel k = (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 1.0, 2.7);
        maxUlpD("powerLaw n=2.7 all magnitudes", k, v -> powRef(v, 1, 2.7), allMagnitudes(1 << 18, false), 40);
        // integer n by products: each product rounds, (x^2)^2 ends within 4 ulp of k * pow(x, 4)
        for (double n : new double[] {1, 2, 3, 4, 0.5}) {
            DKernel kk = (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.75, n);
            maxUlpD("powerLaw n=" + n + " [-1, 100]", kk, v -> powRef(v, 0.75, n), sweep(-1, 100, 1 << 18), 4);
        }
    }

    /**
     * tanh's float rational (VectorMath.tanh(float)) trades the 1 ulp of the other float kernels for
     * speed: a few ulp, as ARCHITECTURE.md allows.
     */
    @Test
    void floatTanhIsWithinAFewUlpOfTheRoundedReference() {
        maxUlpF("tanh", VectorMath::tanh, StrictMath::tanh, floatSample(-12, 12), 6);
        float[] central = floatSample(-1, 1);
        int n = 0;
        for (float v : central) {
            if (Math.abs(v) <= 1) {
                central[n++] = v;
            }
        }
        maxUlpF("tanh [-1, 1]", VectorMath::tanh, StrictMath::tanh, java.util.Arrays.copyOf(central, n), 3);
    }

    /**
     * The bound VectorMath.tanh(float)'s Javadoc states, on every non-negative float (and its
     * negative): about 2^31 values, a minute and a half, so only with -Dfprnn.exhaustive=true.
     */
    @Test
    @EnabledIfSystemProperty(named = "fprnn.exhaustive", matches = "true")
    void floatTanhOnEveryFloat() {
        double worst = 0;
        float at = Float.NaN;
        long within1 = 0;
        long count = 0;
        int end = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
        for (int bits = 0; bits <= end; bits++) {
            float x = Float.intBitsToFloat(bits);
            float y = VectorMath.tanh(x);
            assertEquals(Float.floatToRawIntBits(-y), Float.floatToRawIntBits(VectorMath.tanh(-x)), "odd at " + x);
            double exact = StrictMath.tanh((double) x);
            // the ulp of the float below 1 where the exact value rounds to 1
            double ulp = (float) exact == 1f ? Math.ulp(0.75f) : Math.ulp((float) exact);
            double e = Math.abs(y - exact) / ulp;
            if (e > worst) {
                worst = e;
                at = x;
            }
            within1 += e <= 1 ? 1 : 0;
            count++;
        }
        double share = (double) within1 / count;
        System.out.printf("float tanh on every float: at most %.2f ulp from the exact value (at %s), %.2f%% within 1 ulp%n",
                worst, at, 100 * share);
        assertTrue(worst <= 5.5, "float tanh " + worst + " ulp from tanh at " + at);
        assertTrue(share >= 0.985, "float tanh within 1 ulp on only " + share + " of the floats");
    }

    @Test
    void floatKernelsAreWithinOneUlpOfTheRoundedReference() {
        maxUlpF("exp", VectorMath::exp, StrictMath::exp, floatSample(-104, 89), 1);
        maxUlpF("log", VectorMath::log, StrictMath::log, floatSample(0, 4), 1);
        maxUlpF("softplus", VectorMath::softplus, VectorMathTest::softplusRef, floatSample(-110, 110), 1);
        maxUlpF("sigmoid", VectorMath::sigmoid, VectorMathTest::sigmoidRef, floatSample(-110, 110), 1);
        for (double n : new double[] {0.3, 1, 1.5, 2, 2.5, 3, 3.7, 4, 0.5}) {
            FKernel k = (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 1.25, n);
            maxUlpF("powerLaw n=" + n, k, v -> powRef(v, 1.25, n), floatSample(-1, 100), 1);
        }
    }

    // ------------------------------------------------------------------ special values

    @Test
    void specialValues() {
        double inf = Double.POSITIVE_INFINITY;
        double nan = Double.NaN;
        // tanh
        assertEquals(1.0, VectorMath.tanh(inf));
        assertEquals(-1.0, VectorMath.tanh(-inf));
        assertEquals(1.0, VectorMath.tanh(30.0));
        assertEquals(0x8000_0000_0000_0000L, Double.doubleToRawLongBits(VectorMath.tanh(-0.0)));
        assertEquals(Double.MIN_VALUE, VectorMath.tanh(Double.MIN_VALUE));
        assertEquals(1e-300, VectorMath.tanh(1e-300));
        assertEquals(1f, VectorMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, VectorMath.tanh(-12f));
        assertEquals(Float.MIN_VALUE, VectorMath.tanh(Float.MIN_VALUE));
        // exp
        assertEquals(0.0, VectorMath.exp(-inf));
        assertEquals(inf, VectorMath.exp(inf));
        assertEquals(inf, VectorMath.exp(709.79));
        assertEquals(Math.exp(709.78), VectorMath.exp(709.78), Math.ulp(Math.exp(709.78)));
        assertEquals(Double.MIN_VALUE, VectorMath.exp(-745.0));
        assertEquals(0.0, VectorMath.exp(-746.0));
        assertEquals(1.0, VectorMath.exp(0.0));
        assertEquals(1.0, VectorMath.exp(-0.0));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertEquals(0f, VectorMath.exp(-104f));
        assertEquals(Float.MIN_VALUE, VectorMath.exp(-103.2f));
        // log
        assertEquals(Double.NEGATIVE_INFINITY, VectorMath.log(0.0));
        assertEquals(Double.NEGATIVE_INFINITY, VectorMath.log(-0.0));
        assertTrue(Double.isNaN(VectorMath.log(-1.0)));
        assertTrue(Double.isNaN(VectorMath.log(-inf)));
        assertEquals(inf, VectorMath.log(inf));
        assertEquals(0.0, VectorMath.log(1.0));
        assertEquals(StrictMath.log(Double.MIN_VALUE), VectorMath.log(Double.MIN_VALUE), 1e-12);
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.log(0f));
        assertTrue(Float.isNaN(VectorMath.log(-2f)));
        // log1p
        assertEquals(1e-300, VectorMath.log1p(1e-300));
        assertEquals(Double.NEGATIVE_INFINITY, VectorMath.log1p(-1.0));
        assertTrue(Double.isNaN(VectorMath.log1p(-2.0)));
        assertEquals(inf, VectorMath.log1p(inf));
        for (double u : sweep(-0.999, 1e6, 100_001)) {
            assertTrue(ulps(VectorMath.log1p(u), StrictMath.log1p(u)) <= 2, "log1p(" + u + ")");
        }
        // softplus, sigmoid
        assertEquals(inf, VectorMath.softplus(inf));
        assertEquals(0.0, VectorMath.softplus(-inf));
        assertEquals(1000.0, VectorMath.softplus(1000.0));
        assertEquals(Math.log(2), VectorMath.softplus(0.0), 1e-16);
        assertEquals(StrictMath.exp(-700.0), VectorMath.softplus(-700.0), Math.ulp(StrictMath.exp(-700.0)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.softplus(Float.POSITIVE_INFINITY));
        assertEquals(0f, VectorMath.softplus(-200f));
        assertEquals(1.0, VectorMath.sigmoid(inf));
        assertEquals(0.0, VectorMath.sigmoid(-inf));
        assertEquals(0.5, VectorMath.sigmoid(0.0));
        assertEquals(0.5, VectorMath.sigmoid(-0.0));
        assertEquals(StrictMath.exp(-740.0), VectorMath.sigmoid(-740.0)); // subnormal, not 0
        assertEquals(1f, VectorMath.sigmoid(Float.POSITIVE_INFINITY));
        assertEquals(0f, VectorMath.sigmoid(Float.NEGATIVE_INFINITY));
        // power law
        for (double n : new double[] {1, 2, 3, 4, 0.5, 1.7}) {
            assertEquals(0.0, VectorMath.powerLaw(-3.0, 2.0, n), "n=" + n);
            assertEquals(0.0, VectorMath.powerLaw(0.0, 2.0, n), "n=" + n);
            assertEquals(0.0, VectorMath.powerLaw(-inf, 2.0, n), "n=" + n);
            assertEquals(inf, VectorMath.powerLaw(inf, 2.0, n), "n=" + n);
            assertTrue(Double.isNaN(VectorMath.powerLaw(nan, 2.0, n)), "n=" + n);
            assertTrue(Float.isNaN(VectorMath.powerLaw(Float.NaN, 2.0, n)), "n=" + n);
            assertEquals(Float.POSITIVE_INFINITY, VectorMath.powerLaw(Float.POSITIVE_INFINITY, 2.0, n), "n=" + n);
        }
        assertEquals(4.5, VectorMath.powerLaw(3.0, 0.5, 2));
        assertEquals(13.5, VectorMath.powerLaw(3.0, 0.5, 3));
        assertEquals(40.5, VectorMath.powerLaw(3.0, 0.5, 4));
        assertEquals(1.5, VectorMath.powerLaw(9.0, 0.5, 0.5));
        assertEquals(Math.pow(Double.MIN_VALUE, 0.25), VectorMath.powerLaw(Double.MIN_VALUE, 1, 0.25),
                Math.ulp(Math.pow(Double.MIN_VALUE, 0.25)));
        // NaN in, NaN out, everywhere
        for (DKernel k : List.<DKernel>of(VectorMath::tanh, VectorMath::exp, VectorMath::log, VectorMath::softplus,
                VectorMath::sigmoid)) {
            double[] x = new double[9];
            java.util.Arrays.fill(x, nan);
            double[] out = new double[9];
            k.run(x, 0, out, 0, 9);
            for (double v : out) {
                assertTrue(Double.isNaN(v));
            }
        }
        for (FKernel k : List.<FKernel>of(VectorMath::tanh, VectorMath::exp, VectorMath::log, VectorMath::softplus,
                VectorMath::sigmoid)) {
            float[] x = new float[9];
            java.util.Arrays.fill(x, Float.NaN);
            float[] out = new float[9];
            k.run(x, 0, out, 0, 9);
            for (float v : out) {
                assertTrue(Float.isNaN(v));
            }
        }
    }

    // ------------------------------------------------------------------ vector lanes = scalar twins

    private static double scalarD(String name, double x) {
        return switch (name) {
            case "tanh" -> VectorMath.tanh(x);
            case "exp" -> VectorMath.exp(x);
            case "log" -> VectorMath.log(x);
            case "softplus" -> VectorMath.softplus(x);
            case "sigmoid" -> VectorMath.sigmoid(x);
            case "pow1.7" -> VectorMath.powerLaw(x, 0.7, 1.7);
            case "pow2" -> VectorMath.powerLaw(x, 0.7, 2);
            case "pow0.5" -> VectorMath.powerLaw(x, 0.7, 0.5);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static float scalarF(String name, float x) {
        return switch (name) {
            case "tanh" -> VectorMath.tanh(x);
            case "exp" -> VectorMath.exp(x);
            case "log" -> VectorMath.log(x);
            case "softplus" -> VectorMath.softplus(x);
            case "sigmoid" -> VectorMath.sigmoid(x);
            case "pow1.7" -> VectorMath.powerLaw(x, 0.7, 1.7);
            case "pow2" -> VectorMath.powerLaw(x, 0.7, 2);
            case "pow0.5" -> VectorMath.powerLaw(x, 0.7, 0.5);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static DKernel arrayD(String name) {
        return switch (name) {
            case "tanh" -> VectorMath::tanh;
            case "exp" -> VectorMath::exp;
            case "log" -> VectorMath::log;
            case "softplus" -> VectorMath::softplus;
            case "sigmoid" -> VectorMath::sigmoid;
            case "pow1.7" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 1.7);
            case "pow2" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 2);
            case "pow0.5" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 0.5);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static FKernel arrayF(String name) {
        return switch (name) {
            case "tanh" -> VectorMath::tanh;
            case "exp" -> VectorMath::exp;
            case "log" -> VectorMath::log;
            case "softplus" -> VectorMath::softplus;
            case "sigmoid" -> VectorMath::sigmoid;
            case "pow1.7" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 1.7);
            case "pow2" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 2);
            case "pow0.5" -> (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, 0.5);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static final String[] KERNELS = {"tanh", "exp", "log", "softplus", "sigmoid", "pow1.7", "pow2", "pow0.5"};

    @Test
    void arrayKernelsEqualTheirScalarTwinsBitForBit() {
        double[] xd = KernelFixture.doubleInputs();
        float[] xf = KernelFixture.floatInputs();
        for (String name : KERNELS) {
            double[] od = new double[xd.length];
            arrayD(name).run(xd, 0, od, 0, xd.length);
            for (int i = 0; i < xd.length; i++) {
                assertEquals(Double.doubleToLongBits(scalarD(name, xd[i])), Double.doubleToLongBits(od[i]),
                        name + "(" + xd[i] + ") double");
            }
            float[] of = new float[xf.length];
            arrayF(name).run(xf, 0, of, 0, xf.length);
            for (int i = 0; i < xf.length; i++) {
                assertEquals(Float.floatToIntBits(scalarF(name, xf[i])), Float.floatToIntBits(of[i]),
                        name + "(" + xf[i] + ") float");
            }
        }
    }

    @Test
    void offsetsOddLengthsAndInPlace() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (String name : KERNELS) {
            for (int len : new int[] {0, 1, 3, 4, 5, 7, 8, 9, 31, 511, 512, 513, 1029, 2049}) {
                int xOff = rnd.nextInt(5), outOff = rnd.nextInt(5);
                double[] x = new double[xOff + len + 3];
                float[] xf = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextDouble(-30, 30);
                    xf[i] = (float) x[i];
                }
                double[] out = new double[outOff + len + 2];
                java.util.Arrays.fill(out, -7.0);
                arrayD(name).run(x, xOff, out, outOff, len);
                float[] outf = new float[out.length];
                java.util.Arrays.fill(outf, -7f);
                arrayF(name).run(xf, xOff, outf, outOff, len);
                for (int i = 0; i < out.length; i++) {
                    int j = i - outOff;
                    if (j < 0 || j >= len) {
                        assertEquals(-7.0, out[i], name + ": wrote outside the range");
                        assertEquals(-7f, outf[i], name + ": wrote outside the range");
                    } else {
                        assertEquals(scalarD(name, x[xOff + j]), out[i], 0.0, name + " len " + len + " at " + j);
                        assertEquals(scalarF(name, xf[xOff + j]), outf[i], 0f, name + " len " + len + " at " + j);
                    }
                }
                // in place
                double[] y = x.clone();
                arrayD(name).run(y, xOff, y, xOff, len);
                float[] yf = xf.clone();
                arrayF(name).run(yf, xOff, yf, xOff, len);
                for (int j = 0; j < len; j++) {
                    assertEquals(out[outOff + j], y[xOff + j], 0.0, name + " in place");
                    assertEquals(outf[outOff + j], yf[xOff + j], 0f, name + " in place");
                }
            }
        }
    }

    @Test
    void badRangesAndExponentsThrow() {
        double[] x = new double[10];
        assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.tanh(x, 5, x, 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.exp(x, 0, new double[3], 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.softplus(x, -1, x, 0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> VectorMath.sigmoid(new float[4], 0, new float[4], 1, 4));
        for (double n : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> VectorMath.powerLaw(x, 0, x, 0, 10, 1, n));
            assertThrows(IllegalArgumentException.class, () -> VectorMath.powerLaw(1.0, 1, n));
        }
    }

    @Test
    void axpyAndMul() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int len : new int[] {0, 1, 7, 8, 9, 33, 100}) {
            double[] x = new double[len + 2], y = new double[len + 3];
            float[] xf = new float[x.length], yf = new float[y.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextDouble(-2, 2);
                xf[i] = (float) x[i];
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = rnd.nextDouble(-2, 2);
                yf[i] = (float) y[i];
            }
            double[] y0 = y.clone();
            float[] yf0 = yf.clone();
            VectorMath.axpy(0.3, x, 2, y, 1, len);
            VectorMath.axpy(0.3f, xf, 2, yf, 1, len);
            for (int i = 0; i < y.length; i++) {
                boolean in = i >= 1 && i < 1 + len;
                assertEquals(in ? Math.fma(x[i + 1], 0.3, y0[i]) : y0[i], y[i], 0.0);
                assertEquals(in ? Math.fma(xf[i + 1], 0.3f, yf0[i]) : yf0[i], yf[i], 0f);
            }
            double[] out = new double[len];
            float[] outf = new float[len];
            VectorMath.mul(x, 1, y, 2, out, 0, len);
            VectorMath.mul(xf, 1, yf, 2, outf, 0, len);
            for (int i = 0; i < len; i++) {
                assertEquals(x[i + 1] * y[i + 2], out[i], 0.0);
                assertEquals(xf[i + 1] * yf[i + 2], outf[i], 0f);
            }
        }
    }

    @Test
    void shiftedTanhHasTheBitsOfAddingThenTanh() {
        SplittableRandom rnd = new SplittableRandom(21);
        float[] x = new float[700];
        float[] h = new float[700];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble(-3, 3) * Math.exp(rnd.nextDouble(-6, 3)));
            h[i] = (float) (rnd.nextDouble(-3, 3) * Math.exp(rnd.nextDouble(-6, 3)));
        }
        x[10] = Float.NaN;
        x[11] = Float.POSITIVE_INFINITY;
        h[12] = Float.NEGATIVE_INFINITY;
        for (int len = 0; len <= 140; len++) {
            float[] want = x.clone();
            VectorMath.axpy(1f, h, 3, want, 5, len);
            VectorMath.tanh(want, 5, want, 5, len);
            float[] got = x.clone();
            VectorMath.tanhShifted(got, 5, h, 3, got, 5, len);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "len " + len + ", element " + i);
            }
        }
    }

    /**
     * The float sech^2 kernel (tanh's derivative) against the formula it replaced, element by element:
     * -2|x| in float, the float exp kernel, then 4 u / (1 + u)^2 in float; at every length and offset,
     * with NaN, infinities, zeros and saturated inputs.
     */
    @Test
    void sech2HasTheBitsOfItsScalarFormula() {
        SplittableRandom rnd = new SplittableRandom(23);
        float[] x = new float[700];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble(-3, 3) * Math.exp(rnd.nextDouble(-8, 4)));
        }
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE, 44f, -44.5f, 10f, 3.8f};
        System.arraycopy(specials, 0, x, 20, specials.length);
        for (int len = 0; len <= 140; len++) {
            float[] want = new float[x.length];
            for (int i = 0; i < len; i++) {
                want[5 + i] = -2f * Math.abs(x[3 + i]);
            }
            VectorMath.exp(want, 5, want, 5, len);
            for (int i = 0; i < len; i++) {
                float u = want[5 + i];
                float t = 1f + u;
                want[5 + i] = 4f * u / (t * t);
            }
            float[] got = new float[x.length];
            VectorMath.sech2(x, 3, got, 5, len);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "len " + len + ", element " + i);
            }
        }
        float[] all = new float[x.length];
        VectorMath.sech2(x, 0, all, 0, x.length);
        for (int i = 0; i < x.length; i++) { // the scalar method, which the array kernel uses for its tail
            assertEquals(Float.floatToIntBits(all[i]), Float.floatToIntBits(VectorMath.sech2(x[i])), "x = " + x[i]);
        }
    }
}
