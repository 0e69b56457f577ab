package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** ProductTally counts each product's m n k once, by precision, and only while its work runs. */
class ProductTallyTest {
    @Test
    void countsTheMultiplyAddsOfEachProductByPrecision() {
        float[] a = new float[7 * 5];
        float[] b = new float[5 * 3];
        float[] c = new float[7 * 3];
        double[] ad = new double[4 * 6];
        double[] bd = new double[2 * 6];
        double[] cd = new double[4 * 2];
        Blas blas = Blas.get();
        blas.sgemm(false, false, 7, 3, 5, 1f, a, 0, 5, b, 0, 3, 0f, c, 0, 3); // before the tally: not counted
        ProductTally.Counts counts = ProductTally.of(() -> {
            blas.sgemm(false, false, 7, 3, 5, 1f, a, 0, 5, b, 0, 3, 0f, c, 0, 3);
            blas.sgemm(true, false, 5, 3, 7, 1f, a, 0, 5, c, 0, 3, 1f, b, 0, 3);
            blas.dgemm(false, true, 4, 2, 6, 1.0, ad, 0, 6, bd, 0, 6, 0.0, cd, 0, 2);
            blas.sgemm(false, false, 7, 3, 5, 0f, a, 0, 5, b, 0, 3, 0f, c, 0, 3); // alpha 0: no product
        });
        assertEquals(7 * 3 * 5 + 5 * 3 * 7, counts.floatMultiplyAdds());
        assertEquals(4 * 2 * 6, counts.doubleMultiplyAdds());
        assertEquals(2.0 * (7 * 3 * 5 + 5 * 3 * 7 + 4 * 2 * 6), counts.flops(), "two flops per multiply-add, both precisions");
        assertEquals(new ProductTally.Counts(0, 0), ProductTally.of(() -> { }));
    }

    /** A large product split into blocks over the threads counts as the one product it is. */
    @Test
    void aSplitProductCountsOnce() {
        int m = 512;
        int n = 300;
        float[] a = new float[m * n];
        float[] w = new float[n * n];
        float[] c = new float[m * n];
        ProductTally.Counts counts = ProductTally.of(
                () -> Blas.get().sgemm(false, true, m, n, n, 1f, a, 0, n, w, 0, n, 0f, c, 0, n));
        assertEquals((long) m * n * n, counts.floatMultiplyAdds());
    }
}
