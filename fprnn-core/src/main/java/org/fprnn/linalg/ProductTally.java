package org.fprnn.linalg;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the multiply-adds of every matrix product the process makes while a piece of work runs, in
 * float and in double: for benchmarks that compare a step's time with the time its products alone
 * would take at the raw product's speed (its floor). Every product of {@link Blas} is checked by
 * {@link GemmArgs}, which tells this class of it (one volatile read when no tally runs). The count
 * is process-wide: products made by other threads meanwhile count too, so run one tally at a time
 * on otherwise idle work.
 */
public final class ProductTally {
    /**
     * The multiply-adds (m n k per product) of one tally.
     *
     * @param floatMultiplyAdds the sgemm products'
     * @param doubleMultiplyAdds the dgemm products'
     */
    public record Counts(long floatMultiplyAdds, long doubleMultiplyAdds) {
        /** The flops of all the products, float and double: two per multiply-add. */
        public double flops() {
            return 2.0 * ((double) floatMultiplyAdds + doubleMultiplyAdds);
        }
    }

    private static final Object LOCK = new Object();
    private static volatile boolean counting;
    private static final LongAdder FLOAT = new LongAdder();
    private static final LongAdder DOUBLE = new LongAdder();

    private ProductTally() {
    }

    /**
     * Runs {@code work} once and returns the multiply-adds of the products made meanwhile (products of
     * no work, with m, n or k zero or alpha zero, count nothing).
     */
    public static Counts of(Runnable work) {
        synchronized (LOCK) {
            FLOAT.reset();
            DOUBLE.reset();
            counting = true;
            try {
                work.run();
            } finally {
                counting = false;
            }
            return new Counts(FLOAT.sum(), DOUBLE.sum());
        }
    }

    /** Called for every product that does work: m x k by k x n, in double or float. */
    static void product(boolean dbl, int m, int n, int k) {
        if (counting) {
            (dbl ? DOUBLE : FLOAT).add((long) m * n * k);
        }
    }
}
