package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The one-pass Anderson kernels give the same bits as the passes they replace: the history step with
 * its Gram row ({@link RowKernels#residualGram}) as {@link RowKernels#residualStep} followed by one
 * {@link RowKernels#dot} per row, and the mixing of five rows as the term-by-term mixing. Lengths
 * cover every remainder of the vector widths, offsets are odd, the values are of mixed magnitudes.
 */
class RowKernelsTest {
    private static final int LEN = 700;

    @Test
    void historyStepWithItsGramRowHasTheBitsOfTheSeparatePasses() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] p = random(rnd, 1);
        float[] s = random(rnd, 1);
        float[][] r = new float[4][];
        for (int c = 0; c < 4; c++) {
            r[c] = random(rnd, 1e-3);
        }
        double[] lanes = RowKernels.laneScratch();
        for (int n = 0; n <= 330; n++) {
            int off = 7 + n % 5;
            float[] f1 = new float[LEN];
            float[] y1 = new float[LEN];
            float[] f2 = new float[LEN];
            float[] y2 = new float[LEN];
            double want = RowKernels.residualStep(p, s, f1, y1, 0.7f, off, n);
            double[] d = new double[5];
            double got = RowKernels.residualGram(p, s, f2, y2, 0.7f, r[0], r[1], r[2], r[3], d, off, n, lanes);
            assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got), "max at n = " + n);
            assertArrayBits(f1, f2, "f at n = " + n);
            assertArrayBits(y1, y2, "y at n = " + n);
            assertEquals(Double.doubleToLongBits(RowKernels.dot(f1, off, f1, off, n, lanes)),
                    Double.doubleToLongBits(d[0]), "f . f at n = " + n);
            for (int c = 0; c < 4; c++) {
                assertEquals(Double.doubleToLongBits(RowKernels.dot(f1, off, r[c], off, n, lanes)),
                        Double.doubleToLongBits(d[1 + c]), "f . r" + c + " at n = " + n);
            }
        }
    }

    /**
     * The float-lane dot product of two float rows is within its rounding bound of the exact sum: each
     * lane rounds its running sum to float once per product, so the error is at most about
     * (len / lanes + 2) * 2^-24 * sum |x_j y_j|; checked with the bound len * 2^-24 * sum |x_j y_j|
     * against the sum of the exact products (the products of floats are exact in double) added in
     * double, and the error must not be zero on every length (float lanes do round).
     */
    @Test
    void floatDotIsWithinItsRoundingBound() {
        SplittableRandom rnd = new SplittableRandom(8);
        float[] x = random(rnd, 1);
        float[] y = random(rnd, 1);
        double[] lanes = RowKernels.laneScratch();
        int rounded = 0;
        for (int n = 0; n <= 600; n++) {
            int off = 5 + n % 3;
            double exact = 0;
            double abs = 0;
            for (int j = off; j < off + n; j++) {
                exact += (double) x[j] * y[j];
                abs += Math.abs((double) x[j] * y[j]);
            }
            double got = RowKernels.dot(x, off, y, off, n, lanes);
            double err = Math.abs(got - exact);
            assertTrue(err <= n * 0x1p-24 * abs + 1e-300, "n = " + n + ": error " + err + " over the bound "
                    + n * 0x1p-24 * abs);
            if (err > 1e-12 * abs) {
                rounded++;
            }
        }
        assertTrue(rounded > 100, "float lanes should round on most lengths, rounded on " + rounded);
    }

    @Test
    void mixingFiveRowsHasTheBitsOfTheTermByTermSum() {
        SplittableRandom rnd = new SplittableRandom(6);
        float[][] ys = new float[5][];
        for (int h = 0; h < 5; h++) {
            ys[h] = random(rnd, 1);
        }
        double[] coef = {0, 0, 3.25, -1.5, 0.0625, -0.8125, 0.000123};
        for (int n = 0; n <= 330; n++) {
            int off = 3 + n % 7;
            for (int last = 0; last < 5; last++) {
                float[] got = new float[LEN];
                RowKernels.combine(got, ys, last, coef, 2, 5, off, n);
                // reference: out = y_last, then out = fma(y_h - y_last, a_h, out) for h != last in order
                float[] want = new float[LEN];
                for (int j = off; j < off + n; j++) {
                    float acc = ys[last][j];
                    for (int h = 0; h < 5; h++) {
                        if (h != last) {
                            acc = Math.fma(ys[h][j] - ys[last][j], (float) coef[2 + h], acc);
                        }
                    }
                    want[j] = acc;
                }
                assertArrayBits(want, got, "n = " + n + ", last = " + last);
            }
        }
    }

    /**
     * The Euler step of a row (its tail one masked vector) has the bits of the scalar loop
     * next = s + alpha (p - s), each operation rounded, alpha = 1 copying p, per-unit steps alike;
     * nothing outside the row is written; the max is NaN when the row's last entry is.
     */
    @Test
    void eulerStepHasTheBitsOfItsScalarLoop() {
        SplittableRandom rnd = new SplittableRandom(9);
        float[] p = random(rnd, 1);
        float[] s = random(rnd, 1);
        float[] alphas = new float[LEN];
        for (int j = 0; j < LEN; j++) {
            alphas[j] = (float) rnd.nextDouble(0.001, 1);
        }
        for (int n = 0; n <= 330; n++) {
            int off = 5 + n % 3;
            for (int mode = 0; mode < 3; mode++) {
                float alpha = mode == 1 ? 1f : 0.01f;
                float[] got = new float[LEN];
                double max = mode == 2 ? RowKernels.eulerStep(p, s, got, alphas, off, n)
                        : RowKernels.eulerStep(p, s, got, alpha, off, n);
                float[] want = new float[LEN];
                float m = 0;
                for (int j = 0; j < n; j++) {
                    int o = off + j;
                    float d = p[o] - s[o];
                    want[o] = mode == 1 ? p[o] : s[o] + (mode == 2 ? alphas[j] : alpha) * d;
                    m = Math.max(m, Math.abs(d));
                }
                assertArrayBits(want, got, "n = " + n + ", mode " + mode);
                assertEquals(Double.doubleToLongBits(m), Double.doubleToLongBits(max), "max at n = " + n);
            }
            if (n > 0) {
                float[] withNaN = p.clone();
                withNaN[off + n - 1] = Float.NaN;
                assertTrue(Double.isNaN(RowKernels.eulerStep(withNaN, s, new float[LEN], 0.01f, off, n)), "n = " + n);
            }
        }
    }

    /**
     * The rows' largest magnitude (the adjoint's residual scale), and of their difference from another
     * row (Ops.rowMaxAbsDiff), at every length and offset, NaN kept.
     */
    @Test
    void maxAbsIsTheScalarMaximum() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int len = 0; len <= 70; len++) {
            for (int special = -1; special < 3; special++) {
                int off = rnd.nextInt(5);
                float[] xf = new float[off + len + 2];
                double[] xd = new double[xf.length];
                for (int i = 0; i < xf.length; i++) {
                    xd[i] = rnd.nextDouble(-3, 3) * Math.exp(rnd.nextDouble(-5, 5));
                    xf[i] = (float) xd[i];
                }
                if (special >= 0 && len > 0) { // NaN, an infinity or -0 somewhere in the row
                    int at = off + rnd.nextInt(len);
                    double v = special == 0 ? Double.NaN : special == 1 ? Double.NEGATIVE_INFINITY : -0.0;
                    xd[at] = v;
                    xf[at] = (float) v;
                }
                xf[off + len] = 1e30f; // past the row: never read
                xd[off + len] = 1e300;
                double wantF = 0;
                double wantD = 0;
                for (int j = 0; j < len; j++) {
                    wantF = Math.max(wantF, Math.abs(xf[off + j]));
                    wantD = Math.max(wantD, Math.abs(xd[off + j]));
                }
                assertEquals(wantF, RowKernels.maxAbs(xf, off, len), 0.0, "float, length " + len);
                float[] yf = new float[xf.length];
                double wantDiff = 0;
                for (int j = 0; j < len; j++) {
                    yf[off + j] = (float) rnd.nextDouble(-1, 1);
                    wantDiff = Math.max(wantDiff, Math.abs(xf[off + j] - yf[off + j]));
                }
                assertEquals(wantDiff, RowKernels.maxAbsDiff(xf, off, yf, off, len), 0.0, "float difference, length " + len);
                assertEquals(wantD, RowKernels.maxAbs(xd, off, len), 0.0, "double, length " + len);
            }
        }
    }

    @Test
    void refinementRowsHaveTheBitsOfTheirScalarLoops() {
        SplittableRandom rnd = new SplittableRandom(8);
        double[] p = new double[LEN];
        double[] s = new double[LEN];
        float[] x = random(rnd, 1e-2);
        for (int i = 0; i < LEN; i++) {
            p[i] = rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-9, 2));
            s[i] = p[i] + rnd.nextDouble(-1, 1) * 1e-9;
        }
        for (int n = 0; n <= 100; n++) {
            int off = 5 + n % 3;
            float[] got = new float[LEN];
            double max = RowKernels.residualToFloat(p, s, got, off, n);
            double want = 0;
            for (int j = off; j < off + n; j++) {
                double d = p[j] - s[j];
                want = Math.max(want, Math.abs(d));
                assertEquals(Float.floatToIntBits((float) d), Float.floatToIntBits(got[j]), "n = " + n + ", j = " + j);
            }
            assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(max), "max at n = " + n);
            double[] y = p.clone();
            RowKernels.addWidened(y, x, off, n);
            for (int j = 0; j < LEN; j++) {
                double w = j >= off && j < off + n ? p[j] + x[j] : p[j];
                assertEquals(Double.doubleToLongBits(w), Double.doubleToLongBits(y[j]), "n = " + n + ", j = " + j);
            }
        }
        float[] nan = new float[LEN];
        double[] pn = p.clone();
        pn[9] = Double.NaN;
        assertTrue(Double.isNaN(RowKernels.residualToFloat(pn, s, nan, 0, 40)));
    }

    private static float[] random(SplittableRandom rnd, double scale) {
        float[] a = new float[LEN];
        for (int i = 0; i < LEN; i++) {
            a[i] = (float) (scale * rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-4, 4)));
        }
        return a;
    }

    private static void assertArrayBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), what + ", element " + i);
        }
    }
}
