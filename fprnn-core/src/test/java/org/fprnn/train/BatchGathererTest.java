package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import org.fprnn.TestNets;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.junit.jupiter.api.Test;

/**
 * The training loop's batches gathered into kept buffers (BatchGatherer) hold the values and labels of
 * Trainer.gather's new batches, at 1 and 2 threads, for an epoch's full batches and its shorter last
 * one in turn, in float and double; the buffers are reused.
 */
class BatchGathererTest {
    @Test
    void gatheredBatchesAreThoseOfTrainerGather() {
        SplittableRandom rnd = new SplittableRandom(4);
        int size = 300;
        byte[] px = new byte[size * 784];
        byte[] labels = new byte[size];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) rnd.nextInt(256);
        }
        for (int i = 0; i < size; i++) {
            labels[i] = (byte) rnd.nextInt(10);
        }
        Dataset d = Dataset.fromBytes("random", px, labels, 10, 1, 28, 28);
        int before = org.fprnn.linalg.RowParallel.threads();
        try {
            for (Precision p : Precision.values()) {
                for (int threads = 1; threads <= 2; threads++) {
                    Blas.setThreads(threads);
                    BatchGatherer g = new BatchGatherer(d, p);
                    Batch firstFull = null;
                    for (int step = 0; step < 6; step++) {
                        int n = step % 3 == 2 ? 44 : 128;
                        int[] rows = new int[n];
                        for (int i = 0; i < n; i++) {
                            rows[i] = rnd.nextInt(size);
                        }
                        Batch got = g.gather(rows);
                        Batch want = Trainer.gather(d, rows, 0, n, p);
                        assertArrayEquals(TestNets.bits(want.x()), TestNets.bits(got.x()), p + ", step " + step);
                        assertArrayEquals(want.labels(), got.labels(), p + ", step " + step);
                        if (n == 128) {
                            if (firstFull == null) {
                                firstFull = got;
                            }
                            assertSame(firstFull.x(), got.x(), "the full batches' buffer is kept");
                        }
                    }
                }
            }
        } finally {
            Blas.setThreads(before);
        }
    }
}
