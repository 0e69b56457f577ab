package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packed product r W^T ({@link PackedProduct}): the sums of the product to float rounding, each
 * row's bits independent of the rows beside it, of its place and of the thread count, alpha and
 * beta as in gemm (beta = 0 never reads out), wrong shapes refused, and every product tallied.
 * Runs where the Vector API has 512-bit vectors (elsewhere the solvers use OpenBLAS, and this is
 * skipped).
 */
class PackedProductTest {
    @BeforeEach
    void onlyWithWideVectors() {
        assumeTrue(PackedProduct.supported(), "no 512-bit float vectors on this machine");
    }

    private static FMatrix random(int rows, int cols, long seed) {
        Random rng = new Random(seed);
        FMatrix m = new FMatrix(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = (float) rng.nextGaussian();
        }
        return m;
    }

    /** Products r w^T. */
    private static PackedProduct packed(FMatrix w) {
        PackedProduct p = new PackedProduct(w.rows, w.cols);
        p.packTransposed(w);
        return p;
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    /** Each entry within float rounding of the sum in double: |error| <= k 2^-23 sum_j |r_ij W_cj|. */
    @Test
    void givesTheProductToFloatRounding() {
        for (int[] s : new int[][] {{1, 1, 1}, {37, 29, 13}, {300, 300, 64}, {33, 300, 9}, {64, 7, 70}, {50, 20, 19}}) {
            int n = s[0];
            int k = s[1];
            int b = s[2];
            FMatrix w = random(n, k, n);
            FMatrix r = random(b, k, k + 1);
            FMatrix out = new FMatrix(b, n);
            packed(w).product(r, out, 1, 0);
            for (int i = 0; i < b; i++) {
                for (int c = 0; c < n; c++) {
                    double sum = 0;
                    double abs = 0;
                    for (int j = 0; j < k; j++) {
                        double t = (double) r.data[i * k + j] * w.data[c * k + j];
                        sum += t;
                        abs += Math.abs(t);
                    }
                    assertEquals(sum, out.data[i * n + c], k * 0x1p-23 * abs + 1e-30,
                            Arrays.toString(s) + ": row " + i + ", column " + c);
                }
            }
        }
    }

    /**
     * Each entry is the chain of float fused multiply-adds over j in order from zero, whichever tile
     * made it: widths whose last panel is full (64), 16 wide (300, 37, 48) or 32 wide (50); rows in
     * tiles of 8, then the last 3 one by one (19 = 2 x 8 + 3) or the last 5 in a padded tile (21), or
     * in tiles of 12 and 8 (45 = 12 + 12 + 8 + 8 + 5, 36 = 12 + 12 + 8 + 4).
     */
    @Test
    void eachEntryIsTheFmaChainInOrder() {
        for (int n : new int[] {64, 300, 37, 48, 50}) {
            for (int b : new int[] {19, 21, 45, 36}) {
                fmaChainInOrder(n, b);
            }
        }
    }

    private static void fmaChainInOrder(int n, int b) {
        int k = 23;
        FMatrix w = random(n, k, n + 100);
        FMatrix r = random(b, k, n + 200);
        FMatrix out = new FMatrix(b, n);
        packed(w).product(r, out, 1, 0);
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < n; c++) {
                float sum = 0f;
                for (int j = 0; j < k; j++) {
                    sum = Math.fma(r.data[i * k + j], w.data[c * k + j], sum);
                }
                assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(out.data[i * n + c]),
                        "n " + n + ", " + b + " rows: row " + i + ", column " + c);
            }
        }
    }

    /**
     * M packed as stored ({@link PackedProduct#pack}, the adjoint's a W) makes the bits of M packed
     * from its transpose, at widths whose last panel is full, 16 or 32 wide; other shapes are refused.
     */
    @Test
    void packingMAsStoredEqualsPackingItsTranspose() {
        for (int[] s : new int[][] {{64, 23}, {300, 300}, {37, 5}, {50, 41}}) {
            int n = s[0];
            int k = s[1];
            FMatrix m = random(k, n, n + 300);
            FMatrix mt = new FMatrix(n, k);
            for (int j = 0; j < k; j++) {
                for (int c = 0; c < n; c++) {
                    mt.data[c * k + j] = m.data[j * n + c];
                }
            }
            FMatrix r = random(21, k, n + 400);
            FMatrix want = new FMatrix(21, n);
            packed(mt).product(r, want, 1, 0);
            PackedProduct p = new PackedProduct(n, k);
            assertTrue(p.fits(m));
            p.pack(m);
            FMatrix got = new FMatrix(21, n);
            p.product(r, got, 1, 0);
            assertArrayEquals(bits(want.data), bits(got.data), n + " x " + k);
        }
        PackedProduct p = new PackedProduct(30, 20);
        assertFalse(p.fits(new FMatrix(30, 20)));
        assertThrows(IllegalArgumentException.class, () -> p.pack(new FMatrix(30, 20)));
        assertThrows(IllegalArgumentException.class, () -> p.pack(new DMatrix(20, 30)));
    }

    /** A row's bits are the same computed with all rows, alone, or among a few at another place. */
    @Test
    void aRowsBitsDoNotDependOnTheRowsBesideIt() {
        int n = 300;
        int k = 300;
        int b = 70;
        FMatrix w = random(n, k, 1);
        FMatrix r = random(b, k, 2);
        PackedProduct p = packed(w);
        FMatrix all = new FMatrix(b, n);
        p.product(r, all, 1, 0);
        for (int i : new int[] {0, 5, 63, 69}) {
            FMatrix one = new FMatrix(1, k, Arrays.copyOfRange(r.data, i * k, (i + 1) * k));
            FMatrix out = new FMatrix(1, n);
            p.product(one, out, 1, 0);
            assertArrayEquals(bits(Arrays.copyOfRange(all.data, i * n, (i + 1) * n)), bits(out.data), "row " + i);
        }
        // rows 3 .. 13 as rows 0 .. 10 of their own batch (a tile of 8, then 3 single rows); the 70 rows end in a padded tile of 6
        FMatrix some = new FMatrix(11, k, Arrays.copyOfRange(r.data, 3 * k, 14 * k));
        FMatrix out = new FMatrix(11, n);
        p.product(some, out, 1, 0);
        assertArrayEquals(bits(Arrays.copyOfRange(all.data, 3 * n, 14 * n)), bits(out.data), "rows 3 .. 13");
    }

    @Test
    void theBitsDoNotDependOnTheThreadCount() {
        FMatrix w = random(300, 300, 3);
        FMatrix r = random(512, 300, 4);
        PackedProduct p = packed(w);
        int before = RowParallel.threads();
        try {
            RowParallel.setThreads(1);
            FMatrix one = new FMatrix(512, 300);
            p.product(r, one, 1, 0);
            RowParallel.setThreads(2);
            FMatrix two = new FMatrix(512, 300);
            p.product(r, two, 1, 0);
            assertArrayEquals(bits(one.data), bits(two.data));
        } finally {
            RowParallel.setThreads(before);
        }
    }

    /** out = alpha t + beta out in float, t the plain product; beta = 0 does not read out (NaN stays out). */
    @Test
    void alphaAndBetaAsInGemm() {
        int n = 45;
        int k = 20;
        int b = 19;
        PackedProduct p = packed(random(n, k, 5));
        FMatrix r = random(b, k, 6);
        FMatrix plain = new FMatrix(b, n);
        p.product(r, plain, 1, 0);
        FMatrix c0 = random(b, n, 7);
        FMatrix out = c0.copy();
        p.product(r, out, -0.5, 2);
        for (int i = 0; i < out.data.length; i++) {
            assertEquals(Float.floatToRawIntBits(-0.5f * plain.data[i] + 2f * c0.data[i]),
                    Float.floatToRawIntBits(out.data[i]), "entry " + i);
        }
        FMatrix nan = new FMatrix(b, n);
        Arrays.fill(nan.data, Float.NaN);
        p.product(r, nan, 1, 0);
        assertArrayEquals(bits(plain.data), bits(nan.data), "beta = 0 must not read out");
    }

    @Test
    void wrongShapesAreRefusedAndProductsTallied() {
        PackedProduct p = packed(random(10, 6, 8));
        assertThrows(IllegalArgumentException.class, () -> p.product(random(3, 7, 9), new FMatrix(3, 10), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.product(random(3, 6, 9), new FMatrix(3, 11), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.product(random(3, 6, 9), new FMatrix(4, 10), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.product(random(3, 6, 9).to(Precision.DOUBLE),
                new FMatrix(3, 10), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> p.packTransposed(random(6, 10, 1)));
        assertFalse(p.fitsTransposed(random(6, 10, 1)));
        assertTrue(p.fitsTransposed(random(10, 6, 1)));
        ProductTally.Counts counts = ProductTally.of(() -> p.product(random(3, 6, 9), new FMatrix(3, 10), 1, 0));
        assertEquals(new ProductTally.Counts(3 * 10 * 6, 0), counts);
    }

    /** Turned off, no packed product is made; the setting is restored. */
    @Test
    void canBeTurnedOff() {
        boolean before = PackedProduct.setEnabled(false);
        try {
            assertFalse(PackedProduct.supported());
            assertThrows(UnsupportedOperationException.class, () -> new PackedProduct(3, 3));
        } finally {
            PackedProduct.setEnabled(before);
        }
        assertTrue(PackedProduct.supported());
    }
}
