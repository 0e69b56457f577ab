package org.fprnn.model;

import org.fprnn.linalg.Matrix;

/**
 * A batch of samples, one per row: inputs x (B x n_in) and either integer labels (for
 * cross-entropy) or real targets (B x n_out, for mse).
 */
public record Batch(Matrix x, int[] labels, Matrix targets) {
    public Batch {
        if ((labels == null) == (targets == null)) {
            throw new IllegalArgumentException("a batch needs exactly one of labels or targets");
        }
        if (labels != null && labels.length != x.rows) {
            throw new IllegalArgumentException(labels.length + " labels for " + x.rows + " samples");
        }
        if (targets != null && targets.rows != x.rows) {
            throw new IllegalArgumentException(targets.rows + " target rows for " + x.rows + " samples");
        }
    }

    public static Batch labelled(Matrix x, int[] labels) {
        return new Batch(x, labels, null);
    }

    public static Batch regression(Matrix x, Matrix targets) {
        return new Batch(x, null, targets);
    }

    public int size() {
        return x.rows;
    }

    /** Rows from..to-1 of this batch, as a new batch (copies). */
    public Batch slice(int from, int to) {
        Matrix xs = x.like(to - from, x.cols);
        for (int i = from; i < to; i++) {
            xs.copyRow(x, i, i - from);
        }
        if (labels != null) {
            return labelled(xs, java.util.Arrays.copyOfRange(labels, from, to));
        }
        Matrix ts = targets.like(to - from, targets.cols);
        for (int i = from; i < to; i++) {
            ts.copyRow(targets, i, i - from);
        }
        return regression(xs, ts);
    }
}
