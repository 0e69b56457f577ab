package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Params;
import org.junit.jupiter.api.Test;

/** The convolution against its defining sum, written out independently of im2col. */
class Conv2dMapTest {

    /** out[co, oy, ox] = sum K[co, ci, dy, dx] in[ci, oy s + dy - p, ox s + dx - p], by nested loops. */
    private static DMatrix naive(DMatrix kernel, DMatrix x, FeatureShape in, int k, int stride, int pad) {
        int co = kernel.rows;
        int ho = (in.height() + 2 * pad - k) / stride + 1;
        int wo = (in.width() + 2 * pad - k) / stride + 1;
        DMatrix out = new DMatrix(x.rows, co * ho * wo);
        for (int s = 0; s < x.rows; s++) {
            for (int o = 0; o < co; o++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double v = 0;
                        for (int c = 0; c < in.channels(); c++) {
                            for (int dy = 0; dy < k; dy++) {
                                for (int dx = 0; dx < k; dx++) {
                                    int iy = oy * stride + dy - pad;
                                    int ix = ox * stride + dx - pad;
                                    if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                                        v += kernel.get(o, (c * k + dy) * k + dx)
                                                * x.get(s, (c * in.height() + iy) * in.width() + ix);
                                    }
                                }
                            }
                        }
                        out.set(s, (o * ho + oy) * wo + ox, v);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Random shapes, strides and paddings, and batches split into chunks of a few samples: apply
     * equals the defining sum, the transpose satisfies <a, conv(x)> = <conv^T(a), x>, and the
     * projection equals the derivative of sum_i <a_i, conv_K(b_i)> in K (it is linear in K, so the
     * derivative along kernel entry q is that sum with K = e_q).
     */
    @Property(tries = 25)
    void convolutionMatchesItsDefinition(@ForAll @IntRange(min = 1, max = 3) int cin,
                                         @ForAll @IntRange(min = 1, max = 3) int cout,
                                         @ForAll @IntRange(min = 3, max = 7) int h,
                                         @ForAll @IntRange(min = 3, max = 6) int w,
                                         @ForAll @IntRange(min = 0, max = 2) int kHalf,
                                         @ForAll @IntRange(min = 1, max = 3) int stride,
                                         @ForAll @IntRange(min = 1, max = 9) int batch,
                                         @ForAll @IntRange(min = 0, max = 1000) int seed) {
        int k = 2 * kHalf + 1 - (seed % 2 == 0 && kHalf > 0 ? 1 : 0);   // odd and even kernels
        int pad = seed % 3 == 0 ? 0 : Math.min(k / 2 + seed % 2, k - 1);
        FeatureShape in = new FeatureShape(cin, h, w);
        if (h + 2 * pad < k || w + 2 * pad < k) {
            return;
        }
        Random rng = new Random(seed);
        DMatrix kern = TestNets.randn(cout, cin * k * k, 1, rng);
        int positions = ((h + 2 * pad - k) / stride + 1) * ((w + 2 * pad - k) / stride + 1);
        // A budget of 3 samples' columns forces chunking whenever batch > 3.
        Conv2dMap conv = new Conv2dMap("K", kern, in, k, stride, pad, 3 * positions * Math.max(cin * k * k, cout));
        DMatrix x = TestNets.randn(batch, in.size(), 1, rng);
        DMatrix want = naive(kern, x, in, k, stride, pad);
        DMatrix got = new DMatrix(batch, conv.outputs());
        got.fill(Double.NaN);
        conv.apply(x, got, 1, 0);
        assertTrue(TestNets.relErr(got, want) < 1e-14, "apply " + TestNets.relErr(got, want));
        DMatrix a = TestNets.randn(batch, conv.outputs(), 1, rng);
        DMatrix xt = new DMatrix(batch, conv.inputs());
        conv.applyTranspose(a, xt, 1, 0);
        double lhs = Ops.dot(a, want);
        double rhs = Ops.dot(xt, x);
        assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)), "adjoint identity");
        Params into = new Params().put("K", new DMatrix(cout, cin * k * k));
        conv.project(a, x, 1.0 / batch, into, false);
        for (int q = 0; q < cin * k * k; q += Math.max(1, cin * k * k / 5)) {
            for (int o = 0; o < cout; o++) {
                DMatrix e = new DMatrix(cout, cin * k * k);
                e.set(o, q, 1);
                double d = Ops.dot(a, naive(e, x, in, k, stride, pad)) / batch;
                assertEquals(d, into.get("K").get(o, q), 1e-12 * Math.max(1, Math.abs(d)), "project " + o + "," + q);
            }
        }
    }

    /** Float maps use the float products and agree with double to float accuracy. */
    @Test
    void floatAgreesWithDouble() {
        Random rng = new Random(1);
        FeatureShape in = new FeatureShape(3, 6, 5);
        DMatrix kern = TestNets.randn(4, 27, 1, rng);
        Conv2dMap d = new Conv2dMap("K", kern, in, 3, 2, 1);
        FMatrix kf = new FMatrix(4, 27);
        kf.copyFrom(kern);
        Conv2dMap f = new Conv2dMap("K", kf, in, 3, 2, 1);
        DMatrix x = TestNets.randn(7, in.size(), 1, rng);
        Matrix xf = x.to(org.fprnn.linalg.Precision.FLOAT);
        DMatrix yd = new DMatrix(7, d.outputs());
        Matrix yf = xf.like(7, f.outputs());
        d.apply(x, yd, 1, 0);
        f.apply(xf, yf, 1, 0);
        assertTrue(TestNets.relErr(yd, yf) < 1e-6);
        DMatrix td = new DMatrix(7, d.inputs());
        Matrix tf = xf.like(7, f.inputs());
        d.applyTranspose(yd, td, 1, 0);
        f.applyTranspose(yf, tf, 1, 0);
        assertTrue(TestNets.relErr(td, tf) < 1e-6);
        Params pd = new Params().put("K", new DMatrix(4, 27));
        Params pf = new Params().put("K", new FMatrix(4, 27));
        d.project(yd, x, 0.5, pd, false);
        f.project(yf, xf, 0.5, pf, false);
        assertTrue(TestNets.relErr(pd.get("K"), pf.get("K")) < 1e-6);
        assertThrows(IllegalArgumentException.class, () -> d.apply(xf, yd, 1, 0));
    }

    /** conv^T(a)[ci, iy, ix] = sum of K[co, ci, dy, dx] a[co, oy, ox] over the taps that read (iy, ix), by scattering. */
    private static DMatrix naiveTranspose(DMatrix kernel, DMatrix a, FeatureShape in, int k, int stride, int pad) {
        int co = kernel.rows;
        int ho = (in.height() + 2 * pad - k) / stride + 1;
        int wo = (in.width() + 2 * pad - k) / stride + 1;
        DMatrix out = new DMatrix(a.rows, in.size());
        for (int s = 0; s < a.rows; s++) {
            for (int o = 0; o < co; o++) {
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        double v = a.get(s, (o * ho + oy) * wo + ox);
                        for (int c = 0; c < in.channels(); c++) {
                            for (int dy = 0; dy < k; dy++) {
                                for (int dx = 0; dx < k; dx++) {
                                    int iy = oy * stride + dy - pad;
                                    int ix = ox * stride + dx - pad;
                                    if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                                        int j = (c * in.height() + iy) * in.width() + ix;
                                        out.set(s, j, out.get(s, j) + kernel.get(o, (c * k + dy) * k + dx) * v);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The direct kernels on edge cases, in double and float, against the defining sums: one channel,
     * a 1x1 image, odd sizes, channel counts around the block of four, strides 1 to 3, no padding and
     * padding k - 1, even kernels, a kernel as large as the padded image, and P3c's own maps; with
     * alpha and beta (beta = 0 overwrites NaN).
     */
    @Test
    void directKernelsMatchTheDefiningSumsOnEdgeCases() {
        int[][] cases = {
            // cin, cout, h, w, k, stride, pad
            {1, 1, 1, 1, 1, 1, 0}, {1, 1, 1, 1, 3, 1, 1}, {1, 1, 5, 7, 3, 1, 1}, {1, 4, 28, 28, 3, 2, 1},
            {4, 4, 14, 14, 3, 1, 1}, {4, 8, 14, 14, 3, 2, 1}, {8, 8, 7, 7, 3, 1, 1}, {3, 5, 9, 4, 3, 2, 1},
            {2, 1, 6, 6, 5, 3, 2}, {5, 3, 4, 6, 2, 2, 0}, {2, 6, 5, 5, 4, 1, 3}, {3, 7, 3, 3, 7, 1, 2},
            {6, 2, 11, 13, 3, 3, 0}, {1, 9, 8, 3, 1, 2, 0},
        };
        Random rng = new Random(11);
        for (int[] c : cases) {
            FeatureShape in = new FeatureShape(c[0], c[2], c[3]);
            int k = c[4];
            int stride = c[5];
            int pad = c[6];
            String what = java.util.Arrays.toString(c);
            DMatrix kern = TestNets.randn(c[1], c[0] * k * k, 1, rng);
            Conv2dMap conv = new Conv2dMap("K", kern, in, k, stride, pad);
            int batch = 5;
            DMatrix x = TestNets.randn(batch, in.size(), 1, rng);
            DMatrix a = TestNets.randn(batch, conv.outputs(), 1, rng);
            DMatrix y0 = TestNets.randn(batch, conv.outputs(), 1, rng);
            DMatrix t0 = TestNets.randn(batch, conv.inputs(), 1, rng);
            DMatrix wantY = naive(kern, x, in, k, stride, pad);
            DMatrix wantT = naiveTranspose(kern, a, in, k, stride, pad);
            DMatrix y = new DMatrix(batch, conv.outputs());
            y.fill(Double.NaN);
            conv.apply(x, y, 1, 0);
            assertTrue(TestNets.relErr(y, wantY) < 1e-14, what + " apply " + TestNets.relErr(y, wantY));
            DMatrix t = new DMatrix(batch, conv.inputs());
            t.fill(Double.NaN);
            conv.applyTranspose(a, t, 1, 0);
            assertTrue(TestNets.relErr(t, wantT) < 1e-14, what + " transpose " + TestNets.relErr(t, wantT));
            // alpha and beta: y = -0.5 conv(x) + 2 y0
            DMatrix yab = y0.copy();
            conv.apply(x, yab, -0.5, 2);
            DMatrix wantYab = y0.copy();
            Ops.scale(2, wantYab);
            Ops.axpy(-0.5, wantY, wantYab);
            assertTrue(TestNets.relErr(yab, wantYab) < 1e-14, what + " apply alpha beta");
            DMatrix tab = t0.copy();
            conv.applyTranspose(a, tab, 3, -1);
            DMatrix wantTab = t0.copy();
            Ops.scale(-1, wantTab);
            Ops.axpy(3, wantT, wantTab);
            assertTrue(TestNets.relErr(tab, wantTab) < 1e-14, what + " transpose alpha beta");
            // float: the float kernels against the double sums
            FMatrix kf = new FMatrix(kern.rows, kern.cols);
            kf.copyFrom(kern);
            Conv2dMap convF = new Conv2dMap("K", kf, in, k, stride, pad);
            Matrix yf = new FMatrix(batch, conv.outputs());
            yf.fill(Double.NaN);
            convF.apply(x.to(org.fprnn.linalg.Precision.FLOAT), yf, 1, 0);
            assertTrue(TestNets.relErr(yf.toDouble(), wantY) < 1e-5, what + " float apply " + TestNets.relErr(yf.toDouble(), wantY));
            Matrix tf = new FMatrix(batch, conv.inputs());
            tf.fill(Double.NaN);
            convF.applyTranspose(a.to(org.fprnn.linalg.Precision.FLOAT), tf, 1, 0);
            assertTrue(TestNets.relErr(tf.toDouble(), wantT) < 1e-5, what + " float transpose " + TestNets.relErr(tf.toDouble(), wantT));
        }
    }

    /**
     * A sample's result has the same bits whatever its batch and however many threads share the
     * batch (the samples are split over RowParallel's threads), in float and double.
     */
    @Test
    void resultsDoNotDependOnThreadsOrBatch() {
        Random rng = new Random(3);
        FeatureShape in = new FeatureShape(4, 14, 14);
        int before = RowParallel.threads();
        try {
            for (org.fprnn.linalg.Precision p : org.fprnn.linalg.Precision.values()) {
                for (int stride = 1; stride <= 2; stride++) {
                    Matrix kern = TestNets.randn(8, 4 * 9, 1, rng).to(p);
                    Conv2dMap conv = new Conv2dMap("K", kern, in, 3, stride, 1);
                    Matrix x = TestNets.randn(37, in.size(), 1, rng).to(p);
                    Matrix a = TestNets.randn(37, conv.outputs(), 1, rng).to(p);
                    Matrix[] y = new Matrix[2];
                    Matrix[] t = new Matrix[2];
                    for (int threads = 1; threads <= 2; threads++) {
                        RowParallel.setThreads(threads);
                        y[threads - 1] = x.like(37, conv.outputs());
                        t[threads - 1] = x.like(37, conv.inputs());
                        conv.apply(x, y[threads - 1], 1, 0);
                        conv.applyTranspose(a, t[threads - 1], 1, 0);
                    }
                    assertTrue(java.util.Arrays.equals(y[0].toDoubleArray(), y[1].toDoubleArray()), p + " apply, 1 vs 2 threads");
                    assertTrue(java.util.Arrays.equals(t[0].toDoubleArray(), t[1].toDoubleArray()), p + " transpose, 1 vs 2 threads");
                    Matrix one = x.like(1, in.size());
                    one.copyRow(x, 30, 0);
                    Matrix y1 = x.like(1, conv.outputs());
                    conv.apply(one, y1, 1, 0);
                    for (int j = 0; j < conv.outputs(); j++) {
                        assertEquals(y[1].get(30, j), y1.get(0, j), 0.0, p + " sample 30 alone, unit " + j);
                    }
                }
            }
        } finally {
            RowParallel.setThreads(before);
        }
    }

    /** The recurrent convolution keeps the feature shape and refuses even kernels. */
    @Test
    void recurrentConvolutionIsSamePadded() {
        FeatureShape s = new FeatureShape(2, 5, 4);
        Conv2dOperator op = new Conv2dOperator("K", new DMatrix(2, 2 * 25), s, 5);
        assertEquals(40, op.units());
        assertThrows(IllegalArgumentException.class, () -> new Conv2dOperator("K", new DMatrix(2, 2 * 16), s, 4));
        assertThrows(IllegalArgumentException.class, () -> new Conv2dOperator("K", new DMatrix(3, 2 * 9), s, 3));
    }
}
