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
import org.fprnn.model.Params;
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
