package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.model.FixedPointNetwork;
import org.junit.jupiter.api.Test;

/** Checks a hostile review (stop 48) found missing: each used to pass silently or give a wrong message. */
class MatrixChecksTest {
    @Test
    void anArrayIsCheckedAgainstTheShapeWithoutIntOverflow() {
        // 65536 x 65537 overflows an int to 65536: the array of 65536 values was accepted.
        assertThrows(IllegalArgumentException.class, () -> new FMatrix(65536, 65537, new float[65536]));
        assertThrows(IllegalArgumentException.class, () -> new DMatrix(65536, 65537, new double[65536]));
    }

    @Test
    void copyRowNeedsRowsOfTheSameWidth() {
        DMatrix src = new DMatrix(2, 5);
        for (Matrix dst : new Matrix[] {new DMatrix(2, 3), new FMatrix(2, 3)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dst.copyRow(src, 1, 1));
            assertTrue(e.getMessage().contains("a row of 5 values into rows of 3"), e.getMessage());
        }
    }

    @Test
    void eigenvaluesOfANonFiniteMatrixFailAsDocumented() {
        DMatrix m = new DMatrix(2, 2);
        m.set(0, 1, Double.NaN);
        assertThrows(IllegalStateException.class, () -> Decompositions.eigenvalues(m));
    }

    /** Mixed precisions failed with a ClassCastException deep inside the product. */
    @Test
    void aProductOfTwoPrecisionsIsRefusedWithWhatToDo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.gemm(false, false, 1, new FMatrix(2, 3), new DMatrix(3, 4), 0, new FMatrix(2, 4)));
        assertTrue(e.getMessage().contains("Matrix.to(precision)"), e.getMessage());
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(2).units(4).outputs(3).precision(Precision.FLOAT)
                .seed(1).build();
        assertThrows(IllegalArgumentException.class, () -> net.readout(new DMatrix(5, 4), new FMatrix(5, 3)));
    }
}
