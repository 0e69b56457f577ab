package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.junit.jupiter.api.Test;

class LapackTest {

    @Test
    void solveRowsSolvesEachRowAsASystem() {
        Random rng = new Random(1);
        int n = 37;
        DMatrix a = TestNets.randn(n, n, 1, rng);
        for (int i = 0; i < n; i++) {
            a.data[i * n + i] += 5;
        }
        DMatrix x = TestNets.randn(9, n, 1, rng);
        // b_i = A x_i, rows: B = X A^T
        DMatrix b = new DMatrix(9, n);
        Ops.gemm(false, true, 1, x, a, 0, b);
        Lapack.lu(a).solveRows(b);
        assertTrue(TestNets.relErr(b, x) < 1e-12, "solve error " + TestNets.relErr(b, x));
    }

    @Test
    void transposedSolveSolvesWithTheTranspose() {
        Random rng = new Random(4);
        int n = 29;
        DMatrix a = TestNets.randn(n, n, 1, rng);
        DMatrix x = TestNets.randn(3, n, 1, rng);
        DMatrix b = new DMatrix(3, n);
        Ops.gemm(false, false, 1, x, a, 0, b);   // rows: b_i = A^T x_i
        Lapack.lu(a).solveRowsTransposed(b);
        assertTrue(TestNets.relErr(b, x) < 1e-11);
    }

    @Test
    void invertGivesTheInverse() {
        Random rng = new Random(2);
        int n = 23;
        DMatrix a = TestNets.randn(n, n, 1, rng);
        DMatrix inv = a.copy();
        Lapack.invert(inv);
        DMatrix prod = new DMatrix(n, n);
        Ops.gemm(false, false, 1, a, inv, 0, prod);
        DMatrix eye = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            eye.data[i * n + i] = 1;
        }
        assertTrue(TestNets.relErr(prod, eye) < 1e-10);
    }

    @Test
    void singularMatrixIsReported() {
        DMatrix a = new DMatrix(3, 3);
        a.data[0] = 1;
        assertThrows(IllegalStateException.class, () -> Lapack.lu(a));
        assertThrows(IllegalStateException.class, () -> Lapack.invert(a.copy()));
    }

    /** Under -Dfprnn.blas=java both BLAS and LAPACK must be the pure-Java ones, and native otherwise if present. */
    @Test
    void implementationFollowsTheSwitch() {
        boolean javaOnly = "java".equalsIgnoreCase(System.getProperty("fprnn.blas"));
        if (javaOnly) {
            assertTrue(!Lapack.isNative(), "LAPACK should be EJML under fprnn.blas=java");
            assertTrue(Blas.get() instanceof JavaBlas, "BLAS should be Java under fprnn.blas=java");
        } else if (NativeBlas.isAvailable()) {
            assertTrue(Lapack.isNative(), "OpenBLAS is present, so LAPACK should be native");
        }
    }
}
