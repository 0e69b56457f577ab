package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.fprnn.linalg.DMatrix;
import org.junit.jupiter.api.Test;

/** Shift augmentation on a small known image. */
class ShiftAugmentTest {

    /** One row holding the 3 x 3 image 1..9 (row by row). */
    private static DMatrix image() {
        DMatrix x = new DMatrix(1, 9);
        for (int k = 0; k < 9; k++) {
            x.data[k] = k + 1;
        }
        return x;
    }

    @Test
    void shiftsAKnownImageWithZerosMovedIn() {
        ShiftAugment a = new ShiftAugment(1, 3, 3, 1);
        DMatrix down = image();
        a.shift(down, 0, 1, 0);
        assertArrayEquals(new double[] {0, 0, 0, 1, 2, 3, 4, 5, 6}, down.data);
        DMatrix left = image();
        a.shift(left, 0, 0, -1);
        assertArrayEquals(new double[] {2, 3, 0, 5, 6, 0, 8, 9, 0}, left.data);
        DMatrix diag = image();
        a.shift(diag, 0, -1, 1);
        assertArrayEquals(new double[] {0, 4, 5, 0, 7, 8, 0, 0, 0}, diag.data);
        DMatrix none = image();
        a.shift(none, 0, 0, 0);
        assertArrayEquals(image().data, none.data);
    }

    @Test
    void channelsMoveTogetherAndTheDrawsAreDeterministic() {
        // Two channels of 2 x 2: the same shift (down 1) for both.
        ShiftAugment a = new ShiftAugment(2, 2, 2, 1);
        DMatrix x = new DMatrix(1, 8);
        for (int k = 0; k < 8; k++) {
            x.data[k] = k + 1;
        }
        a.shift(x, 0, 1, 0);
        assertArrayEquals(new double[] {0, 0, 1, 2, 0, 0, 5, 6}, x.data);

        DMatrix b1 = new DMatrix(4, 9);
        DMatrix b2 = new DMatrix(4, 9);
        for (int k = 0; k < 36; k++) {
            b1.data[k] = k;
            b2.data[k] = k;
        }
        ShiftAugment s = new ShiftAugment(1, 3, 3, 1);
        s.apply(b1, new SplittableRandom(42));
        s.apply(b2, new SplittableRandom(42));
        assertArrayEquals(b1.data, b2.data, "the same draws give the same batch");
        assertThrows(IllegalArgumentException.class, () -> new ShiftAugment(1, 1, 1, 2), "flat samples");
    }

    /** At most half the shorter side: a larger shift would leave most of the image outside its frame. */
    @Test
    void shiftsAboveHalfTheShorterSideAreRefused() {
        org.junit.jupiter.api.Assertions.assertEquals(14, ShiftAugment.largestShift(28, 28));
        org.junit.jupiter.api.Assertions.assertEquals(2, ShiftAugment.largestShift(32, 5));
        new ShiftAugment(1, 28, 28, 14);
        for (int s : new int[] {15, 28, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ShiftAugment(1, 28, 28, s));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("give at most 14"), e.getMessage());
        }
    }
}
