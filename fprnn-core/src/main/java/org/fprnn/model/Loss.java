package org.fprnn.model;

import org.fprnn.linalg.Matrix;

/** Per-sample losses of MATH section 0; the loss of a batch is their mean. */
public enum Loss {
    /** l_i = -log softmax(y_hat_i)[y_i]. */
    CROSS_ENTROPY,
    /** l_i = ||y_hat_i - t_i||^2, summed over outputs, no factor 1/2. */
    MSE;

    public static Loss parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "cross_entropy", "cross-entropy", "crossentropy", "ce" -> CROSS_ENTROPY;
            case "mse" -> MSE;
            default -> throw new IllegalArgumentException("unknown loss '" + s + "': use cross_entropy or mse");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Evaluates the loss of outputs y_hat (B x n_out) against the batch's labels or targets.
     *
     * @param eps if not null, receives eps_i = dl_i/dy_hat_i per sample (B x n_out), not divided by B
     * @param perSample if not null (length B), receives l_i
     * @return the mean loss over the batch, accumulated in double
     */
    public double evaluate(Matrix yhat, Batch batch, Matrix eps, double[] perSample) {
        check(yhat, batch, eps, 0, yhat.rows);
        int b = yhat.rows;
        double total = 0;
        for (int i = 0; i < b; i++) {
            double li = rowLoss(yhat, batch, eps, i);
            total += li;
            if (perSample != null) {
                perSample[i] = li;
            }
        }
        return total / b;
    }

    /**
     * l_i of rows [from, to) into perSample[i] and, if eps is not null, their eps_i: a row's work reads
     * only that row, so rows may run on different threads; the batch's loss is then the sum of
     * perSample in row order over B, as {@link #evaluate} adds it (the same bits).
     */
    public void evaluateRows(Matrix yhat, Batch batch, Matrix eps, double[] perSample, int from, int to) {
        check(yhat, batch, eps, from, to);
        for (int i = from; i < to; i++) {
            perSample[i] = rowLoss(yhat, batch, eps, i);
        }
    }

    /**
     * Shapes, and the labels of rows [from, to): a label outside [0, n_out) would read another
     * sample's output (or fail only in the last row), so it is an error here.
     */
    private void check(Matrix yhat, Batch batch, Matrix eps, int from, int to) {
        if (this == CROSS_ENTROPY && batch.labels() == null) {
            throw new IllegalArgumentException("cross_entropy needs integer labels");
        }
        if (this == MSE && batch.targets() == null) {
            throw new IllegalArgumentException("mse needs real-valued targets");
        }
        if (yhat.rows != batch.size()) {
            throw new IllegalArgumentException("outputs for " + yhat.rows + " samples but a batch of " + batch.size());
        }
        if (eps != null && (eps.rows != yhat.rows || eps.cols != yhat.cols)) {
            throw new IllegalArgumentException("eps is " + eps.rows + " x " + eps.cols + " but the outputs are "
                    + yhat.rows + " x " + yhat.cols);
        }
        if (this == MSE && batch.targets().cols != yhat.cols) {
            throw new IllegalArgumentException("targets with " + batch.targets().cols + " columns for a network of "
                    + yhat.cols + " outputs: a target row needs one value per output");
        }
        if (this == CROSS_ENTROPY) {
            int[] y = batch.labels();
            for (int i = from; i < to; i++) {
                if (y[i] < 0 || y[i] >= yhat.cols) {
                    throw new IllegalArgumentException("label " + y[i] + " of sample " + i
                            + " is not a class of a network with " + yhat.cols + " outputs (classes 0.."
                            + (yhat.cols - 1) + "): give the network one output per class");
                }
            }
        }
    }

    /** l_i of row i, and eps_i into eps if it is not null. */
    private double rowLoss(Matrix yhat, Batch batch, Matrix eps, int i) {
        int k = yhat.cols;
        int o = i * k;
        if (this == CROSS_ENTROPY) {
            int[] y = batch.labels();
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, yhat.getFlat(o + j));
            }
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(yhat.getFlat(o + j) - max);
            }
            double logZ = max + Math.log(sum);
            if (eps != null) {
                for (int j = 0; j < k; j++) {
                    double p = Math.exp(yhat.getFlat(o + j) - logZ);
                    eps.setFlat(o + j, p - (j == y[i] ? 1.0 : 0.0));
                }
            }
            return logZ - yhat.getFlat(o + y[i]);
        }
        Matrix t = batch.targets();
        double li = 0;
        for (int j = o, e = j + k; j < e; j++) {
            double d = yhat.getFlat(j) - t.getFlat(j);
            li += d * d;
            if (eps != null) {
                eps.setFlat(j, 2 * d);
            }
        }
        return li;
    }

    /** Number of rows whose arg-max output equals the label (cross-entropy batches only). */
    public static int correct(Matrix yhat, int[] labels) {
        int c = 0;
        for (int i = 0; i < yhat.rows; i++) {
            int best = 0;
            double bv = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < yhat.cols; j++) {
                double v = yhat.get(i, j);
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
            if (best == labels[i]) {
                c++;
            }
        }
        return c;
    }
}
