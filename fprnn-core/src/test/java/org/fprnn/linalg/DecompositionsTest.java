package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The decompositions facade on small matrices whose answers are worked out by hand in the comments. */
class DecompositionsTest {
    private static DMatrix m(int rows, int cols, double... v) {
        return new DMatrix(rows, cols, v);
    }

    @Test
    void solveAndLuSolveEachRow() {
        // 2x + y = 3, x + 3y = 5: x = 0.8, y = 1.4; and with b = (2, 1): x = 1, y = 0.
        DMatrix rows = m(2, 2, 3, 5, 2, 1);
        Decompositions.solve(m(2, 2, 2, 1, 1, 3), rows);
        assertArrayEquals(new double[] {0.8, 1.4, 1, 0}, rows.data, 1e-15);
        // A^T = [[2, 1], [1, 3]] too (symmetric), and [[1, 2], [0, 1]]^T x = (1, 4): x = (1, 2).
        DMatrix t = m(1, 2, 1, 4);
        Decompositions.lu(m(2, 2, 1, 2, 0, 1)).solveRowsTransposed(t);
        assertArrayEquals(new double[] {1, 2}, t.data, 1e-15);
        assertThrows(IllegalStateException.class, () -> Decompositions.lu(m(2, 2, 1, 2, 2, 4)));
    }

    @Test
    void invertTwoByTwo() {
        // [[4, 7], [2, 6]]^{-1} = [[6, -7], [-2, 4]] / 10
        DMatrix a = m(2, 2, 4, 7, 2, 6);
        Decompositions.invert(a);
        assertArrayEquals(new double[] {0.6, -0.7, -0.2, 0.4}, a.data, 1e-15);
    }

    @Test
    void eigenvaluesOfADiagonalMatrixAndARotation() {
        double[][] d = Decompositions.eigenvalues(m(2, 2, 2, 0, 0, 3));
        double[] re = {d[0][0], d[1][0]};
        Arrays.sort(re);
        assertArrayEquals(new double[] {2, 3}, re, 1e-14);
        assertEquals(0, d[0][1], 0);
        // [[0, -1], [1, 0]] turns by 90 degrees: eigenvalues +i and -i.
        double[][] r = Decompositions.eigenvalues(m(2, 2, 0, -1, 1, 0));
        assertEquals(0, r[0][0], 1e-15);
        assertEquals(1, Math.abs(r[0][1]), 1e-15);
        assertEquals(-r[0][1], r[1][1], 1e-15);
    }

    @Test
    void singularValuesInDecreasingOrder() {
        assertArrayEquals(new double[] {4, 3}, Decompositions.singularValues(m(2, 2, 3, 0, 0, -4)), 1e-14);
        // [[1, 0, 0], [0, 2, 0]] (2 x 3): singular values 2 and 1.
        assertArrayEquals(new double[] {2, 1}, Decompositions.singularValues(m(2, 3, 1, 0, 0, 0, 2, 0)), 1e-14);
    }

    @Test
    void choleskyKernelFactorsAndSolves() {
        // [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]; the diagonal holds 1/2 and 1/sqrt 2.
        double[] a = {4, 2, 2, 3};
        double[] l = new double[4];
        double[] work = new double[2];
        assertTrue(Decompositions.cholesky(a, 0, 2, 1, 0, l, 0, 2, work, 0, 2));
        assertArrayEquals(new double[] {0.5, 1, 1 / Math.sqrt(2)}, new double[] {l[0], l[2], l[3]}, 1e-15);
        // 4 y1 + 2 y2 = 1, 2 y1 + 3 y2 = 1: y = (1/8, 1/4).
        double[] y = {1, 1};
        Decompositions.choleskySolve(l, 0, 2, y, 0, 2);
        assertArrayEquals(new double[] {0.125, 0.25}, y, 1e-15);
        // Scale and ridge, at offsets and strides: 0.5 A + I = [[3, 1], [1, 2.5]]; b = (4, 3.5) gives y = (1, 1).
        double[] big = {9, 9, 9, 4, 2, 9, 2, 3};   // A at offset 3, row stride 3 (A[1][0] at 6, A[1][1] at 7)
        big[6] = 2;
        double[] l2 = new double[7];
        double[] w2 = new double[3];
        assertTrue(Decompositions.cholesky(big, 3, 3, 0.5, 1, l2, 1, 3, w2, 1, 2));
        double[] y2 = {0, 4, 3.5};
        Decompositions.choleskySolve(l2, 1, 3, y2, 1, 2);
        assertArrayEquals(new double[] {1, 1}, new double[] {y2[1], y2[2]}, 1e-14);
        // [[1, 2], [2, 1]] is indefinite (eigenvalues 3 and -1).
        assertFalse(Decompositions.cholesky(new double[] {1, 2, 2, 1}, 0, 2, 1, 0, new double[4], 0, 2, new double[2], 0, 2));
    }

    @Test
    void luKernelPivotsAndSolves() {
        // [[0, 1], [2, 0]] needs a row swap; (x, y) with y = 1, 2x = 4: (2, 1).
        double[] a = {0, 1, 2, 0};
        int[] piv = new int[2];
        assertTrue(Decompositions.luInPlace(a, 2, piv));
        assertEquals(1, piv[0]);
        double[] b = {1, 4};
        Decompositions.luSolve(a, 2, piv, b);
        assertArrayEquals(new double[] {2, 1}, b, 1e-15);
        assertFalse(Decompositions.luInPlace(new double[] {1, 2, 2, 4}, 2, new int[2]));
    }

    /**
     * Anderson's coefficients minimize a^T H a on sum a = 1: for H = diag(d), a_j = (1 / d_j) / sum_k
     * 1 / d_k; only the first hist rows and columns of the m x m block are read; a zero or non-finite
     * H is refused.
     */
    @Test
    void affineMinimizerOfADiagonalGramMatrix() {
        int m = 4;
        int hist = 3;
        int g0 = m * m; // the second sample's block
        double[] gram = new double[2 * m * m];
        Arrays.fill(gram, Double.NaN); // entries outside the hist x hist block must not be read
        double[] d = {1, 2, 4};
        for (int j = 0; j < hist; j++) {
            for (int k = 0; k < hist; k++) {
                gram[g0 + j * m + k] = j == k ? d[j] : 0;
            }
        }
        double[] sys = new double[2 * m * m];
        double[] coef = new double[2 * m];
        assertTrue(Decompositions.affineMinimizer(gram, g0, m, hist, sys, coef, m));
        double sumInv = 1 + 0.5 + 0.25;
        for (int j = 0; j < hist; j++) {
            assertEquals(1 / d[j] / sumInv, coef[m + j], 1e-9);
        }
        double[] zero = new double[m * m];
        assertFalse(Decompositions.affineMinimizer(zero, 0, m, hist, sys, coef, 0));
        double[] inf = new double[m * m];
        inf[0] = Double.POSITIVE_INFINITY;
        assertFalse(Decompositions.affineMinimizer(inf, 0, m, hist, sys, coef, 0));
    }
}
