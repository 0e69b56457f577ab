package org.fprnn.linalg;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits the rows (samples) of a batch's elementwise work over a small fixed pool of threads: rows
 * [0, rows) are cut into at most {@link #threads()} contiguous blocks, the calling thread does the
 * first and the pool's threads the others, and {@link #forRows} returns when all are done.
 *
 * <p>Results do not depend on the thread count as long as the body computes each row from that
 * row's data only (never reducing across rows in block order): every row then gets the same bits
 * whichever block it falls into. Per-block scratch is indexed by the block's {@code part} number,
 * which is below {@link #threads()}.
 *
 * <p>Nothing is allocated per call. Waiting threads spin briefly, then park, so that they leave
 * the cores to OpenBLAS between two bursts of row work. A call made while the pool is busy (from
 * another thread, or from inside a body) runs all rows on the calling thread as part 0.
 *
 * <p>The thread count comes from env FPRNN_THREADS / system property fprnn.threads, else the
 * number of processors; {@link Blas#setThreads(int)} sets it together with the BLAS threads.
 */
public final class RowParallel {
    /** The work on one block of rows. */
    @FunctionalInterface
    public interface RowBlock {
        /**
         * Does rows [from, to).
         *
         * @param part the block's number, 0 for the first block (run by the calling thread), below
         *     {@link #threads()}
         */
        void rows(int part, int from, int to);
    }

    /** How long an idle worker spins for the next block before parking (work comes in bursts). */
    private static final long SPIN_NANOS = 30_000;

    private static volatile int threads = initialThreads();
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Object GROW = new Object();
    private static volatile Worker[] workers = new Worker[0];

    // The current job, published by the volatile write of a worker's generation.
    private static RowBlock body;
    private static int jobRows;
    private static int jobParts;
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static volatile Thread caller;
    private static volatile Throwable failure;

    private RowParallel() {
    }

    private static int initialThreads() {
        int t = GemmArgs.requestedThreads();
        return t > 0 ? t : Runtime.getRuntime().availableProcessors();
    }

    /** The number of blocks a large enough batch is split into (>= 1). */
    public static int threads() {
        return threads;
    }

    /** Sets the number of blocks (n >= 1; 1 runs everything on the calling thread). */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + n);
        }
        threads = n;
    }

    /** {@link #forRows(int, int, RowBlock)} with blocks of at least one row. */
    public static void forRows(int rows, RowBlock block) {
        forRows(rows, 1, block);
    }

    /**
     * Runs {@code block} on rows [0, rows), split into min(threads(), rows / minRows) contiguous
     * blocks of nearly equal size (at least one), and returns when every block is done. An exception
     * thrown by a block is rethrown here after all blocks have finished.
     *
     * @param minRows the fewest rows worth a block of their own (small batches stay on one thread)
     */
    public static void forRows(int rows, int minRows, RowBlock block) {
        if (rows <= 0) {
            return;
        }
        int parts = Math.min(threads, rows / Math.max(minRows, 1));
        if (parts <= 1 || Thread.currentThread() instanceof Worker || !BUSY.compareAndSet(false, true)) {
            block.rows(0, 0, rows);
            return;
        }
        try {
            Worker[] ws = workers(parts - 1);
            body = block;
            jobRows = rows;
            jobParts = parts;
            failure = null;
            caller = Thread.currentThread();
            PENDING.set(parts - 1);
            for (int p = 1; p < parts; p++) {
                ws[p - 1].start(p);
            }
            Throwable mine = null;
            try {
                block.rows(0, 0, end(0, rows, parts));
            } catch (Throwable t) {
                mine = t;
            }
            awaitWorkers();
            body = null;
            Throwable theirs = failure;
            failure = null;
            rethrow(mine != null ? mine : theirs);
        } finally {
            BUSY.set(false);
        }
    }

    /** End of block p of rows split into parts blocks (block p is [end(p - 1), end(p))). */
    private static int end(int p, int rows, int parts) {
        return (int) ((long) rows * (p + 1) / parts);
    }

    private static void awaitWorkers() {
        long start = System.nanoTime();
        while (PENDING.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
    }

    private static void rethrow(Throwable t) {
        if (t == null) {
            return;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("row block failed", t);
    }

    private static Worker[] workers(int needed) {
        Worker[] ws = workers;
        if (ws.length >= needed) {
            return ws;
        }
        synchronized (GROW) {
            ws = workers;
            if (ws.length < needed) {
                Worker[] grown = java.util.Arrays.copyOf(ws, needed);
                for (int i = ws.length; i < needed; i++) {
                    grown[i] = new Worker(i + 1);
                    grown[i].start();
                }
                workers = grown;
                ws = grown;
            }
        }
        return ws;
    }

    /** A pool thread: waits for its generation to move, runs its block, counts down. */
    private static final class Worker extends Thread {
        private volatile long generation;
        private volatile boolean parked;
        private int part;

        Worker(int index) {
            super("fprnn-rows-" + index);
            setDaemon(true);
        }

        /** Hands this worker block p of the current job (called by the caller of forRows). */
        void start(int p) {
            part = p;
            generation = generation + 1;
            if (parked) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long start = System.nanoTime();
                while (generation == seen && System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                while (generation == seen) {
                    parked = true;
                    if (generation == seen) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
                seen = generation;
                int p = part;
                try {
                    body.rows(p, end(p - 1, jobRows, jobParts), end(p, jobRows, jobParts));
                } catch (Throwable t) {
                    failure = t;
                }
                if (PENDING.decrementAndGet() == 0) {
                    Thread c = caller;
                    if (c != null) {
                        LockSupport.unpark(c);
                    }
                }
            }
        }
    }
}
