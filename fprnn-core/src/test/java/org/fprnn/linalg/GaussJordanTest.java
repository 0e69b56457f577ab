package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.junit.jupiter.api.Test;

class GaussJordanTest {

    /** M = I + scale randn / sqrt(n), well conditioned for scale 0.5. */
    private static FMatrix system(int n, double scale, Random rng) {
        FMatrix m = new FMatrix(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m.data[i * n + j] = (float) ((i == j ? 1.0 : 0.0) + scale * rng.nextGaussian() / Math.sqrt(n));
            }
        }
        return m;
    }

    private static FMatrix randn(int rows, int cols, Random rng) {
        FMatrix x = new FMatrix(rows, cols);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = (float) rng.nextGaussian();
        }
        return x;
    }

    /** M^{-1} R in double, by LU with partial pivoting, from the same float entries. */
    private static DMatrix reference(FMatrix m, FMatrix r) {
        int n = m.rows;
        DMatrix rowsT = new DMatrix(r.cols, n);
        Ops.transpose(r.toDouble(), rowsT);
        Lapack.lu(m.toDouble()).solveRows(rowsT); // rows x_j of X^T solve M x_j = r_j
        DMatrix x = new DMatrix(n, r.cols);
        Ops.transpose(rowsT, x);
        return x;
    }

    @Test
    void solvesSystemsOfEveryBlockShape() {
        Random rng = new Random(3);
        // sizes below, at and across the block of 16 columns, right-hand sides narrower and wider
        int[][] shapes = {{1, 1}, {5, 3}, {16, 16}, {17, 40}, {33, 7}, {70, 97}, {300, 300}};
        GaussJordan gj = new GaussJordan(); // one instance for all: buffers reused at every size
        for (int[] shape : shapes) {
            FMatrix m = system(shape[0], 0.5, rng);
            FMatrix r = randn(shape[0], shape[1], rng);
            DMatrix expected = reference(m, r);
            FMatrix mBefore = (FMatrix) m.copy();
            FMatrix x = (FMatrix) r.copy();
            gj.solve(m, x);
            double rel = TestNets.relErr(expected, x);
            assertTrue(rel < 2e-6, shape[0] + " x " + shape[1] + ": relative error " + rel);
            assertArrayEquals(mBefore.data, m.data, "M was changed");
        }
    }

    /**
     * A zero and a tiny entry at (0, 0) and (20, 20) (the first pivot of the first and second
     * blocks): without row exchanges the first would stop the solve, the second lose every digit.
     */
    @Test
    void pivotsOnTheLargestEntryOfEachColumn() {
        Random rng = new Random(5);
        int n = 40;
        for (float lead : new float[] {0f, 1e-7f}) {
            FMatrix m = system(n, 0.5, rng);
            m.data[0] = lead;
            m.data[20 * n + 20] = lead;
            FMatrix r = randn(n, 9, rng);
            DMatrix expected = reference(m, r);
            FMatrix x = (FMatrix) r.copy();
            new GaussJordan().solve(m, x);
            double rel = TestNets.relErr(expected, x);
            assertTrue(rel < 2e-6, "entry " + lead + " on the diagonal: relative error " + rel);
        }
    }

    /** Each row's arithmetic is its own: the same bits at 1 and 2 threads, and after other solves. */
    @Test
    void bitsDoNotDependOnTheThreadCountOrOnEarlierSolves() {
        Random rng = new Random(7);
        FMatrix m = system(150, 0.5, rng);
        FMatrix r = randn(150, 61, rng);
        GaussJordan gj = new GaussJordan();
        int before = RowParallel.threads();
        FMatrix[] got = new FMatrix[3];
        try {
            for (int t = 1; t <= 2; t++) {
                RowParallel.setThreads(t);
                got[t - 1] = (FMatrix) r.copy();
                gj.solve(m, got[t - 1]);
            }
            gj.solve(system(37, 0.5, rng), randn(37, 300, rng)); // other sizes in the buffers
            got[2] = (FMatrix) r.copy();
            gj.solve(m, got[2]);
        } finally {
            RowParallel.setThreads(before);
        }
        assertArrayEquals(got[0].data, got[1].data, "bits differ between 1 and 2 threads");
        assertArrayEquals(got[0].data, got[2].data, "bits differ after solves of other sizes");
    }

    @Test
    void singularOrNonFiniteSystemsAndWrongShapesAreRefused() {
        Random rng = new Random(9);
        GaussJordan gj = new GaussJordan();
        FMatrix zero = new FMatrix(20, 20);
        var e = assertThrows(IllegalStateException.class, () -> gj.solve(zero, randn(20, 3, rng)));
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
        // a zero row (row 17, in the second block) stays zero and is the last pivot left
        FMatrix zeroRow = system(20, 0.5, rng);
        java.util.Arrays.fill(zeroRow.data, 17 * 20, 18 * 20, 0f);
        assertThrows(IllegalStateException.class, () -> gj.solve(zeroRow, randn(20, 3, rng)));
        FMatrix nan = system(20, 0.5, rng);
        nan.data[5 * 20 + 5] = Float.NaN;
        FMatrix rhs = randn(20, 3, rng);
        FMatrix kept = (FMatrix) rhs.copy();
        assertThrows(IllegalStateException.class, () -> gj.solve(nan, rhs));
        assertArrayEquals(kept.data, rhs.data, "a refused solve changed the right-hand sides");
        assertThrows(IllegalArgumentException.class, () -> gj.solve(new FMatrix(4, 5), new FMatrix(4, 2)));
        assertThrows(IllegalArgumentException.class, () -> gj.solve(new FMatrix(4, 4), new FMatrix(5, 2)));
        // and the instance still solves afterwards
        FMatrix m = system(20, 0.5, rng);
        FMatrix r = randn(20, 3, rng);
        FMatrix x = (FMatrix) r.copy();
        gj.solve(m, x);
        assertTrue(TestNets.relErr(reference(m, r), x) < 2e-6);
    }
}
