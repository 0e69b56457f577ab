package org.fprnn.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.fprnn.linalg.Matrix;
import org.fprnn.operator.ForwardingOperator;
import org.fprnn.operator.RecurrentOperator;

/**
 * A recurrent operator that counts the flops of its products with the state (2 B N^2 per apply or
 * applyTranspose on B rows, or a given count per row) and otherwise does what the operator it wraps
 * does. It may be applied on several threads at once when the operator it wraps may (the counter is
 * atomic), so that the solvers take the same path with it as without it (chunks of a batch on
 * several threads for dense weights).
 */
final class CountingOperator extends ForwardingOperator {
    private final long flopsPerRow;
    private final AtomicLong flops = new AtomicLong();

    CountingOperator(RecurrentOperator inner) {
        this(inner, 2L * inner.inputs() * inner.outputs());
    }

    /** Counting {@code flopsPerRow} per row of each product (a structured operator's true count). */
    CountingOperator(RecurrentOperator inner, long flopsPerRow) {
        super(inner);
        this.flopsPerRow = flopsPerRow;
    }

    long flops() {
        return flops.get();
    }

    void reset() {
        flops.set(0);
    }

    @Override
    public boolean concurrentProducts() {
        return inner.concurrentProducts();
    }

    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        flops.addAndGet(x.rows * flopsPerRow);
        inner.apply(x, out, alpha, beta);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        flops.addAndGet(a.rows * flopsPerRow);
        inner.applyTranspose(a, out, alpha, beta);
    }
}
