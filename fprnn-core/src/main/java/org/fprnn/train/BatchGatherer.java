package org.fprnn.train;

import org.fprnn.data.Dataset;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.model.Batch;

/**
 * Gathers the rows of a step's batch (its training batch, or its test batch) from a data set into
 * buffers kept from one step to the next, the rows copied on row blocks over the cores: the values of
 * {@link Trainer#gather}, without a new B x n_in matrix per step. On P1's batches (512 MNIST rows of
 * 784 values, from 60000) a new matrix and a copy on one thread took about a 512 x 300 by 300 x 300
 * product's time per step. A batch returned is valid until the next call; there are buffers for two
 * batch sizes (an epoch's full batches and its last, shorter one).
 */
final class BatchGatherer implements RowParallel.RowBlock {
    private final Dataset data;
    private final Precision precision;
    private Batch full;
    private Batch other;
    /** The call's batch and rows, for {@link #rows}. */
    private Matrix into;
    private int[] labels;
    private int[] order;

    BatchGatherer(Dataset data, Precision precision) {
        this.data = data;
        this.precision = precision;
    }

    /** True if this gathers batches of precision p. */
    boolean gathers(Precision p) {
        return precision == p;
    }

    /** The samples {@code rows} of the data set, in that order. */
    Batch gather(int[] rows) {
        Batch b = buffer(rows.length);
        into = b.x();
        labels = b.labels();
        order = rows;
        try {
            RowParallel.forRows(rows.length, RowParallel.minRows(data.features()), this);
        } finally {
            into = null;
            labels = null;
            order = null;
        }
        return b;
    }

    private Batch buffer(int n) {
        if (full != null && full.size() == n) {
            return full;
        }
        if (other != null && other.size() == n) {
            return other;
        }
        Batch b = Batch.labelled(precision.zeros(n, data.features()), new int[n]);
        if (full == null || n > full.size()) {
            other = full;
            full = b;
        } else {
            other = b;
        }
        return b;
    }

    @Override
    public void rows(int part, int from, int to) {
        copy(data, order, 0, into, labels, from, to);
    }

    /**
     * Rows i in [lo, hi) of a batch: sample {@code order[start + i]} of {@code d} (sample start + i
     * when order is null) into row i of x and its label into y[i]. The one row copy of
     * {@link Trainer#gather} and of this gatherer's row blocks.
     */
    static void copy(Dataset d, int[] order, int start, Matrix x, int[] y, int lo, int hi) {
        int[] labels = d.labels();
        for (int i = lo; i < hi; i++) {
            int row = order == null ? start + i : order[start + i];
            x.copyRow(d.x(), row, i);
            y[i] = labels[row];
        }
    }
}
