package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The batches of a run: a permutation per epoch cut into batches, a function of (seed, step) only. */
class BatchScheduleTest {

    @Test
    void everyEpochVisitsEverySampleOnceAndTheLastBatchKeepsTheRemainder() {
        BatchSchedule s = new BatchSchedule(103, 10, 7);
        assertEquals(11, s.stepsPerEpoch());
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[103];
            for (int k = 0; k < 11; k++) {
                int step = epoch * 11 + k;
                int[] rows = s.rows(step);
                assertEquals(k < 10 ? 10 : 3, rows.length, "step " + step);
                assertEquals(epoch, s.epoch(step));
                for (int r : rows) {
                    seen[r]++;
                }
            }
            for (int i = 0; i < 103; i++) {
                assertEquals(1, seen[i], "epoch " + epoch + ", sample " + i);
            }
        }
    }

    @Test
    void aStepsBatchDependsOnlyOnSeedAndStep() {
        BatchSchedule sequential = new BatchSchedule(50, 8, 3);
        int[][] rows = new int[20][];
        for (int step = 0; step < 20; step++) {
            rows[step] = sequential.rows(step);
        }
        for (int step = 19; step >= 0; step--) {   // a fresh schedule, visited backwards
            assertArrayEquals(rows[step], new BatchSchedule(50, 8, 3).rows(step), "step " + step);
        }
        BatchSchedule other = new BatchSchedule(50, 8, 4);
        assertNotEquals(Arrays.toString(rows[0]), Arrays.toString(other.rows(0)));
        // Epochs are shuffled afresh: epoch 1 does not repeat epoch 0.
        assertNotEquals(Arrays.toString(rows[0]), Arrays.toString(rows[7]));
        assertTrue(Arrays.stream(rows[0]).allMatch(r -> r >= 0 && r < 50));
    }

    @Test
    void rejectsEmptyTrainingSets() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchSchedule(0, 8, 1));
        assertTrue(e.getMessage().contains("at least one sample"), e.getMessage());
    }
}
