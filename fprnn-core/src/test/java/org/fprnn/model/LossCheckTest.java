package org.fprnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.linalg.DMatrix;
import org.junit.jupiter.api.Test;

/**
 * A loss refuses labels and targets that do not fit the outputs: a label outside [0, n_out) used to
 * read the next sample's outputs (a negative cross-entropy, no error) and failed only in the last row.
 */
class LossCheckTest {
    private static DMatrix outputs() {
        DMatrix y = new DMatrix(2, 3);
        y.set(1, 2, 50);
        return y;
    }

    private static DMatrix inputs() {
        return new DMatrix(2, 4);
    }

    @Test
    void aLabelAtOrAboveTheOutputCountIsRefusedInAnyRow() {
        for (int[] labels : new int[][] {{5, 0}, {0, 3}, {3, 0}}) {
            Batch b = Batch.labelled(inputs(), labels);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Loss.CROSS_ENTROPY.evaluate(outputs(), b, new DMatrix(2, 3), null));
            assertTrue(e.getMessage().contains("is not a class of a network with 3 outputs"), e.getMessage());
        }
    }

    @Test
    void aNegativeLabelIsRefusedAndEvaluateRowsChecksItsRows() {
        Batch b = Batch.labelled(inputs(), new int[] {0, -1});
        double[] perSample = new double[2];
        // Rows [0, 1) hold a good label: that block may run; the block holding row 1 may not.
        Loss.CROSS_ENTROPY.evaluateRows(outputs(), b, null, perSample, 0, 1);
        assertEquals(Math.log(3), perSample[0], 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Loss.CROSS_ENTROPY.evaluateRows(outputs(), b, null, perSample, 1, 2));
        assertTrue(e.getMessage().startsWith("label -1 of sample 1"), e.getMessage());
    }

    @Test
    void targetsMustHaveOneColumnPerOutput() {
        for (int cols : new int[] {2, 5}) {
            Batch b = Batch.regression(inputs(), new DMatrix(2, cols));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Loss.MSE.evaluate(outputs(), b, null, null));
            assertTrue(e.getMessage().startsWith("targets with " + cols + " columns for a network of 3 outputs"),
                    e.getMessage());
        }
        assertEquals(2500 / 2.0, Loss.MSE.evaluate(outputs(), Batch.regression(inputs(), new DMatrix(2, 3)), null, null));
    }

    @Test
    void outputsAndEpsMustMatchTheBatch() {
        Batch b = Batch.labelled(new DMatrix(3, 4), new int[] {0, 1, 2});
        assertThrows(IllegalArgumentException.class, () -> Loss.CROSS_ENTROPY.evaluate(outputs(), b, null, null));
        Batch two = Batch.labelled(inputs(), new int[] {0, 1});
        assertThrows(IllegalArgumentException.class,
                () -> Loss.CROSS_ENTROPY.evaluate(outputs(), two, new DMatrix(2, 2), null));
    }
}
