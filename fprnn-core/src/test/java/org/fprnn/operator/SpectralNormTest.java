package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.Test;

/** The power-iteration estimate of ||W||_2 and the bound a recurrent convolution enforces with it. */
class SpectralNormTest {

    /** The largest singular value of a dense matrix, by a full SVD in double. */
    private static double exact(DMatrix m) {
        DMatrixRMaj a = new DMatrixRMaj(m.rows, m.cols);
        for (int i = 0; i < m.rows; i++) {
            for (int j = 0; j < m.cols; j++) {
                a.set(i, j, m.get(i, j));
            }
        }
        var svd = DecompositionFactory_DDRM.svd(m.rows, m.cols, false, false, true);
        assertTrue(svd.decompose(a));
        double best = 0;
        for (double s : svd.getSingularValues()) {
            best = Math.max(best, s);
        }
        return best;
    }

    private static Conv2dOperator conv(Precision p, double scale, double maxNorm, long seed) {
        FeatureShape shape = new FeatureShape(3, 6, 5);
        Matrix kern = Init.gaussian(3, 3 * 9, scale / Math.sqrt(27), p, new Random(seed));
        return new Conv2dOperator("W", kern, shape, 3, maxNorm);
    }

    /** The estimate is a lower bound of the exact norm and, after 50 iterations, within 1% of it. */
    @Test
    void estimateMatchesTheExactNormOfTheDenseOperator() {
        for (long seed = 1; seed <= 5; seed++) {
            Conv2dOperator op = conv(Precision.DOUBLE, 0.8, 0, seed);
            double s = exact(op.dense());
            double e = op.normEstimate();
            assertTrue(e <= s * (1 + 1e-12), "seed " + seed + ": estimate " + e + " above the exact " + s);
            assertTrue(e >= 0.99 * s, "seed " + seed + ": estimate " + e + " more than 1% below the exact " + s);
        }
    }

    /** Above the bound, constrain rescales the kernel onto it; below, it leaves every bit alone. */
    @Test
    void constrainProjectsOntoTheBoundAndOnlyAboveIt() {
        for (Precision p : Precision.values()) {
            Conv2dOperator big = conv(p, 4.0, 0.6, 7);
            double before = exact(big.dense());
            assertTrue(before > 1, "drawn above the bound: " + before);
            double[] k0 = big.kernel().toDoubleArray();
            big.constrain();
            double after = exact(big.dense());
            assertTrue(after <= 0.6 * 1.01 && after >= 0.6, p + ": norm after " + after);
            double f = big.kernel().getFlat(0) / k0[0];
            for (int i = 0; i < k0.length; i++) {
                assertEquals(k0[i] * f, big.kernel().getFlat(i), 1e-6 * Math.abs(k0[i]), p + " entry " + i);
            }

            Conv2dOperator small = conv(p, 0.1, 0.6, 7);
            double[] s0 = small.kernel().toDoubleArray();
            small.constrain();
            assertArrayEquals(s0, small.kernel().toDoubleArray(), 0.0, p + ": below the bound nothing changes");
        }
    }

    /** A bounded dense recurrent matrix (the dense layers above conv layers) is projected the same way. */
    @Test
    void denseOperatorConstrainProjectsOntoTheBoundAndOnlyAboveIt() {
        for (Precision p : Precision.values()) {
            Params params = new Params();
            DenseOperator big = DenseOperator.factory("W", 9, 4.0, 0).create(params, p, new Random(5));
            double before = exact(big.dense());
            assertTrue(before > 1, "drawn above the bound: " + before);
            double[] w0 = params.get("W").toDoubleArray();
            DenseOperator bounded = new DenseOperator(params, "W", 0.6);
            bounded.constrain();
            double after = exact(bounded.dense());
            assertTrue(after <= 0.6 * 1.01 && after >= 0.6 * (1 - 1e-6), p + ": norm after " + after);
            assertEquals(0.6, bounded.normEstimate(), 1e-5);
            double f = params.get("W").getFlat(0) / w0[0];
            for (int i = 0; i < w0.length; i++) {
                assertEquals(w0[i] * f, params.get("W").getFlat(i), 1e-6 * Math.abs(w0[i]), p + " entry " + i);
            }
            assertEquals(0.6, ((DenseOperator) bounded.toDouble()).maxNorm());
            Params smallParams = new Params();
            DenseOperator.factory("W", 9, 0.1, 0.6).create(smallParams, p, new Random(5));
            double[] s0 = smallParams.get("W").toDoubleArray();
            new DenseOperator(smallParams, "W", 0.6).constrain();
            assertArrayEquals(s0, smallParams.get("W").toDoubleArray(), 0.0, p + ": below the bound nothing changes");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DenseOperator.factory("W", 3, 1.0, -1).create(new Params(), Precision.FLOAT, new Random(1)));
        assertTrue(e.getMessage().contains("bound"), e.getMessage());
    }

    /** The estimate starts from a fixed vector: the same bits on every call. */
    @Test
    void estimateIsRepeatable() {
        Conv2dOperator op = conv(Precision.FLOAT, 1.0, 0.5, 3);
        double a = op.normEstimate();
        assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(op.normEstimate()));
        assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(conv(Precision.FLOAT, 1.0, 0.5, 3).normEstimate()));
    }

    /** The estimate, and so the projection, does not depend on the thread count. */
    @Test
    void estimateIsIndependentOfTheThreadCount() {
        int before = org.fprnn.linalg.RowParallel.threads();
        try {
            org.fprnn.linalg.RowParallel.setThreads(1);
            double one = conv(Precision.FLOAT, 1.0, 0.5, 4).normEstimate();
            org.fprnn.linalg.RowParallel.setThreads(2);
            double two = conv(Precision.FLOAT, 1.0, 0.5, 4).normEstimate();
            assertEquals(Double.doubleToLongBits(one), Double.doubleToLongBits(two));
        } finally {
            org.fprnn.linalg.RowParallel.setThreads(before);
        }
    }

    /**
     * A layered operator's recurrent blocks (two convolutions and a dense block, each above its bound)
     * are constrained side by side on 2 threads: the same bits as one after another on 1 thread, and
     * each block ends at its bound.
     */
    @Test
    void blocksConstrainedSideBySideMatchOneAfterAnother() {
        int before = org.fprnn.linalg.RowParallel.threads();
        try {
            java.util.List<Matrix> kernels = new java.util.ArrayList<>();
            for (int threads : new int[] {1, 2}) {
                org.fprnn.linalg.RowParallel.setThreads(threads);
                Conv2dOperator w1 = new Conv2dOperator("W1", Init.gaussian(3, 27, 2.0 / Math.sqrt(27), Precision.FLOAT,
                        new Random(5)), new FeatureShape(3, 6, 5), 3, 0.5);
                Conv2dOperator w2 = new Conv2dOperator("W2", Init.gaussian(4, 36, 2.0 / Math.sqrt(36), Precision.FLOAT,
                        new Random(6)), new FeatureShape(4, 5, 4), 3, 0.5);
                Params dense = new Params();
                dense.put("W3", Init.gaussian(12, 12, 2.0 / Math.sqrt(12), Precision.FLOAT, new Random(7)));
                DenseOperator w3 = new DenseOperator(dense, "W3", 0.5);
                java.util.List<RecurrentOperator> layers = java.util.List.of(w1, w2, w3);
                java.util.List<LinearMap> none = java.util.Arrays.asList(null, null, null);
                double[] above = {w1.normEstimate(), w2.normEstimate(), w3.normEstimate()};
                new BlockOperator(layers, none, none).constrain();
                for (int k = 0; k < 3; k++) {
                    assertTrue(above[k] > 0.6, "block " + (k + 1) + " starts above its bound: " + above[k]);
                }
                assertEquals(0.5, w1.normEstimate(), 1e-5);
                assertEquals(0.5, w2.normEstimate(), 1e-5);
                assertEquals(0.5, w3.normEstimate(), 1e-5);
                kernels.add(w1.kernel());
                kernels.add(w2.kernel());
                kernels.add(dense.get("W3"));
            }
            for (int k = 0; k < 3; k++) {
                assertArrayEquals(kernels.get(k).toDoubleArray(), kernels.get(3 + k).toDoubleArray(), 0.0,
                        "block " + (k + 1) + ": 1 and 2 threads");
            }
        } finally {
            org.fprnn.linalg.RowParallel.setThreads(before);
        }
    }

    @Test
    void badBoundsAreErrors() {
        for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conv(Precision.FLOAT, 1, bad, 1));
            assertTrue(e.getMessage().contains("bound"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new SpectralNorm(conv(Precision.FLOAT, 1, 0, 1), 0));
    }
}
