package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.Test;

/**
 * A dense operator's span of fixed weights ({@link RecurrentOperator#beginFixedWeights()}): its
 * products r W^T from the stored W^T, and a W, have the bits of the products outside the span, or,
 * from W packed for {@link PackedProduct} (float, 512-bit vectors), agree with them to float
 * rounding; the copy is the one used inside the span, and a change of W after the span is seen.
 */
class FixedWeightsTest {

    private static Matrix random(Precision p, int rows, int cols, long seed) {
        return TestNets.randn(rows, cols, 1, new Random(seed)).to(p);
    }

    private static DenseOperator dense(Precision p, int n, long seed) {
        return new DenseOperator(new Params().put("W", random(p, n, n, seed)), "W");
    }


    /**
     * Inside the span the products (alpha, beta as the solvers and rules use them) keep their bits, or
     * where packed products serve the span, agree with them to float rounding: within
     * 4 N 2^-23 (N max|r| max|W| |alpha| + max|C| |beta|).
     */
    @Test
    void productsInsideTheSpanMatchThoseOutside() {
        for (Precision p : Precision.values()) {
            for (int n : new int[] {1, 37, 300}) {
                DenseOperator op = dense(p, n, n);
                for (int b : new int[] {1, 7, 64, 130}) {
                    Matrix r = random(p, b, n, 100 + b);
                    Matrix c0 = random(p, b, n, 200 + b);
                    for (double[] ab : new double[][] {{1, 0}, {-1, 1}, {0.5, 2}}) {
                        for (boolean transpose : new boolean[] {false, true}) {
                            Matrix outside = c0.copy();
                            product(op, transpose, r, outside, ab);
                            Matrix inside = c0.copy();
                            op.beginFixedWeights();
                            try {
                                product(op, transpose, r, inside, ab);
                                if (transpose) { // the second product uses the W packed at the first
                                    Matrix again = c0.copy();
                                    product(op, true, r, again, ab);
                                    assertArrayEquals(TestNets.bits(inside), TestNets.bits(again));
                                }
                            } finally {
                                op.endFixedWeights();
                            }
                            String what = p + ", N = " + n + ", B = " + b + ", alpha " + ab[0] + ", beta " + ab[1]
                                    + (transpose ? ", a W" : ", r W^T") + ", " + Blas.get().name();
                            if (p == Precision.FLOAT && PackedProduct.supported()) {
                                double scale = n * maxAbs(r) * maxAbs(op.parameters().get("W")) * Math.abs(ab[0])
                                        + maxAbs(c0) * Math.abs(ab[1]);
                                for (int i = 0; i < inside.size(); i++) {
                                    assertEquals(outside.getFlat(i), inside.getFlat(i), 4 * n * 0x1p-23 * scale,
                                            what + ", packed, entry " + i);
                                }
                            } else {
                                assertArrayEquals(TestNets.bits(outside), TestNets.bits(inside), what);
                            }
                        }
                    }
                }
            }
        }
    }

    /** out = alpha r W^T + beta out, or with W itself (the adjoint's products) if transpose. */
    private static void product(DenseOperator op, boolean transpose, Matrix r, Matrix out, double[] ab) {
        if (transpose) {
            op.applyTranspose(r, out, ab[0], ab[1]);
        } else {
            op.apply(r, out, ab[0], ab[1]);
        }
    }

    private static double maxAbs(Matrix m) {
        double mx = 0;
        for (int i = 0; i < m.size(); i++) {
            mx = Math.max(mx, Math.abs(m.getFlat(i)));
        }
        return mx;
    }

    /** r W^T inside a span of its own. */
    private static Matrix spanProduct(DenseOperator op, Matrix r) {
        Matrix out = Precision.FLOAT.zeros(r.rows, op.units());
        op.beginFixedWeights();
        try {
            op.apply(r, out, 1, 0);
        } finally {
            op.endFixedWeights();
        }
        return out;
    }

    /**
     * The span's products use the W^T stored at its outermost start (a change of W inside the span,
     * which the contract forbids, shows it), nested spans keep it, and after the span W is read again.
     */
    @Test
    void theStoredTransposeServesTheSpanAndOnlyIt() {
        DenseOperator op = dense(Precision.FLOAT, 40, 3);
        Matrix w = op.parameters().get("W");
        Matrix r = random(Precision.FLOAT, 5, 40, 4);
        Matrix before = spanProduct(op, r); // the span's own products (packed ones round differently)
        op.beginFixedWeights();
        op.beginFixedWeights(); // nested: the copy of the outer start stays
        w.setFlat(0, w.getFlat(0) + 1);
        op.endFixedWeights();
        Matrix inside = Precision.FLOAT.zeros(5, 40);
        op.apply(r, inside, 1, 0);
        assertArrayEquals(TestNets.bits(before), TestNets.bits(inside), "inside the span: the W^T stored at its start");
        op.endFixedWeights();
        Matrix after = Precision.FLOAT.zeros(5, 40);
        op.apply(r, after, 1, 0);
        // W[0][0] grew by 1, so out[0][0] grows by r[0][0]
        assertTrue(Math.abs(r.getFlat(0)) > 0.01, "the test needs r[0][0] away from 0");
        assertEquals(r.getFlat(0), after.getFlat(0) - before.getFlat(0), 1e-4, "after the span the changed W must be used");
        // a new span stores the changed W
        Matrix again = spanProduct(op, r);
        for (int i = 0; i < again.size(); i++) {
            assertEquals(after.getFlat(i), again.getFlat(i), 1e-4 * (1 + Math.abs(after.getFlat(i))),
                    "a new span stores W as it is then, entry " + i);
        }
        assertThrows(IllegalStateException.class, op::endFixedWeights, "an end without a begin is a bug");
    }

    /** A W over the size limit is not copied: the products read W itself, inside the span too. */
    @Test
    void aLargeWIsNotCopied() {
        int n = (int) Math.sqrt(DenseOperator.MAX_TRANSPOSED_BYTES / Float.BYTES) + 1;
        DenseOperator op = dense(Precision.FLOAT, n, 5);
        Matrix w = op.parameters().get("W");
        Matrix r = random(Precision.FLOAT, 1, n, 6);
        Matrix before = Precision.FLOAT.zeros(1, n);
        op.apply(r, before, 1, 0);
        op.beginFixedWeights();
        try {
            w.setFlat(0, w.getFlat(0) + 1);
            Matrix inside = Precision.FLOAT.zeros(1, n);
            op.apply(r, inside, 1, 0);
            assertTrue(inside.getFlat(0) != before.getFlat(0), "N = " + n + ": W itself must be read");
        } finally {
            op.endFixedWeights();
        }
    }
}
