package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The row-block executor: every row exactly once, in contiguous blocks, errors passed on. */
class RowParallelTest {

    /** Runs body with the given thread count, restoring the previous one. */
    private static void withThreads(int n, Runnable body) {
        int before = RowParallel.threads();
        RowParallel.setThreads(n);
        try {
            body.run();
        } finally {
            RowParallel.setThreads(before);
        }
    }

    @Test
    void everyRowOnceInContiguousBlocks() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            for (int rows : new int[] {1, 2, 7, 64, 513}) {
                withThreads(threads, () -> {
                    int[] hits = new int[rows];
                    int[] partOf = new int[rows];
                    AtomicInteger parts = new AtomicInteger();
                    for (int rep = 0; rep < 20; rep++) {
                        java.util.Arrays.fill(hits, 0);
                        parts.set(0);
                        RowParallel.forRows(rows, (part, from, to) -> {
                            assertTrue(part >= 0 && part < RowParallel.threads(), "part " + part);
                            assertTrue(from < to, "empty block " + from + ".." + to);
                            parts.incrementAndGet();
                            for (int i = from; i < to; i++) {
                                hits[i]++;
                                partOf[i] = part;
                            }
                        });
                        for (int i = 0; i < rows; i++) {
                            assertEquals(1, hits[i], "row " + i + " of " + rows + " with " + threads + " threads");
                            if (i > 0) {
                                assertTrue(partOf[i] >= partOf[i - 1], "blocks in row order");
                            }
                        }
                        assertEquals(Math.min(threads, rows), parts.get(), rows + " rows, " + threads + " threads");
                    }
                });
            }
        }
    }

    @Test
    void minRowsKeepsSmallBatchesOnTheCaller() {
        withThreads(2, () -> {
            Thread me = Thread.currentThread();
            RowParallel.forRows(15, 8, (part, from, to) -> {
                assertEquals(0, part);
                assertEquals(0, from);
                assertEquals(15, to);
                assertSame(me, Thread.currentThread());
            });
            AtomicInteger parts = new AtomicInteger();
            RowParallel.forRows(16, 8, (part, from, to) -> parts.incrementAndGet());
            assertEquals(2, parts.get());
        });
    }

    @Test
    void nestedCallsRunOnTheCallingThread() {
        withThreads(2, () -> {
            int[] inner = new int[64];
            RowParallel.forRows(2, (part, from, to) -> {
                Thread t = Thread.currentThread();
                RowParallel.forRows(32, (p2, f2, t2) -> {
                    assertSame(t, Thread.currentThread());
                    for (int i = f2; i < t2; i++) {
                        inner[from * 32 + i]++;
                    }
                });
            });
            for (int v : inner) {
                assertEquals(1, v);
            }
        });
    }

    @Test
    void errorsOfAnyBlockReachTheCaller() {
        withThreads(2, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> RowParallel.forRows(10, (part, from, to) -> {
                        if (part == 1) {
                            throw new IllegalStateException("block 1 failed");
                        }
                    }));
            assertEquals("block 1 failed", e.getMessage());
            // the pool still works afterwards
            AtomicInteger rows = new AtomicInteger();
            RowParallel.forRows(10, (part, from, to) -> rows.addAndGet(to - from));
            assertEquals(10, rows.get());
        });
        assertThrows(IllegalArgumentException.class, () -> RowParallel.setThreads(0));
    }

    /**
     * Ops.copyRowsParallel: every entry copied, float widened to double and double rounded to float
     * as copyRow does, at any thread count; a shape mismatch is refused.
     */
    @Test
    void copyRowsParallelCopiesEveryRowAndConvertsPrecision() {
        java.util.Random rng = new java.util.Random(3);
        for (int threads : new int[] {1, 2, 3}) {
            withThreads(threads, () -> {
                DMatrix d = new DMatrix(257, 37);
                for (int i = 0; i < d.data.length; i++) {
                    d.data[i] = rng.nextGaussian();
                }
                FMatrix f = new FMatrix(257, 37);
                Ops.copyRowsParallel(d, f);
                DMatrix back = new DMatrix(257, 37);
                Ops.copyRowsParallel(f, back);
                for (int i = 0; i < d.data.length; i++) {
                    assertEquals((float) d.data[i], f.data[i], "entry " + i);
                    assertEquals((double) f.data[i], back.data[i], "entry " + i);
                }
            });
        }
        assertThrows(IllegalArgumentException.class, () -> Ops.copyRowsParallel(new FMatrix(3, 4), new FMatrix(4, 3)));
    }
}
