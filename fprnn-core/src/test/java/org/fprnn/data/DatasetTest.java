package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.linalg.FMatrix;
import org.junit.jupiter.api.Test;

class DatasetTest {
    /** Four 1 x 2 x 2 images; image i has pixels 10 i, 10 i + 1, ... and label i % 3. */
    static Dataset small() {
        byte[] px = new byte[16];
        for (int i = 0; i < 16; i++) {
            px[i] = (byte) (10 * (i / 4) + i % 4);
        }
        return Dataset.fromBytes("small", px, new byte[] {0, 1, 2, 0}, 3, 1, 2, 2);
    }

    @Test
    void pixelsAreScaledToTheUnitInterval() {
        Dataset d = Dataset.fromBytes("px", new byte[] {0, (byte) 255, 51, (byte) 128}, new byte[] {1},
                2, 1, 2, 2);
        assertArrayEquals(new float[] {0f, 1f, 0.2f, 128f / 255f}, d.x().data);
        assertEquals(1, d.size());
        assertEquals(4, d.features());
    }

    @Test
    void labelCounts() {
        assertArrayEquals(new int[] {2, 1, 1}, small().labelCounts());
    }

    @Test
    void subsetByRangeCopiesRowsAndLabels() {
        Dataset d = small();
        Dataset s = d.subset(1, 3);
        assertEquals(2, s.size());
        assertArrayEquals(new int[] {1, 2}, s.labels());
        assertEquals(10 / 255f, s.x().data[0]);
        assertEquals(23 / 255f, s.x().data[7]);
        s.x().data[0] = 99;
        assertEquals(10 / 255f, d.x().data[4], "a subset is a copy");
        assertEquals(0, d.subset(2, 2).size());
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(3, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> d.subset(2, 1));
    }

    @Test
    void subsetByIndicesKeepsOrderAndRepeats() {
        Dataset s = small().subset(new int[] {3, 0, 3});
        assertArrayEquals(new int[] {0, 0, 0}, s.labels());
        assertEquals(30 / 255f, s.x().data[0]);
        assertEquals(0f, s.x().data[4]);
        assertEquals(33 / 255f, s.x().data[11]);
        assertArrayEquals(new int[] {3, 0, 0}, s.labelCounts());
        assertThrows(IndexOutOfBoundsException.class, () -> small().subset(new int[] {4}));
    }

    @Test
    void invalidDatasetsAreRefused() {
        FMatrix x = new FMatrix(2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("bad", x, new int[] {0, 3}, 3, 1, 2, 2));
        assertTrue(e.getMessage().contains("label 3 of sample 1") && e.getMessage().contains("[0, 3)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("neg", x, new int[] {0, -1}, 3, 1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("shape", x, new int[] {0, 1}, 3, 3, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("count", x, new int[] {0}, 3, 1, 2, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.fromBytes("bytes", new byte[5], new byte[] {0}, 3, 1, 2, 2));
    }

    @Test
    void splitNames() {
        assertEquals(Split.TRAIN, Split.parse("Train"));
        assertEquals(Split.TEST, Split.parse("test"));
        assertThrows(IllegalArgumentException.class, () -> Split.parse("validation"));
    }
}
