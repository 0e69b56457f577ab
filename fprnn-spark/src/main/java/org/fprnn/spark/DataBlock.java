package org.fprnn.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.train.Trainer;

/**
 * One partition's part of the training set: the rows [first, first + count) of the whole set, with
 * their labels. The training RDD holds exactly one block per partition and is cached, so that the
 * executor that holds a block also keeps its {@link Worker} (network and workspaces) between steps.
 */
final class DataBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    /** Samples in the whole training set. */
    final int total;
    /** Global index of this block's first row. */
    final int first;
    final int count;
    private final String name;
    private final float[] x;
    private final int[] labels;
    private final int classes;
    private final int channels;
    private final int height;
    private final int width;

    private transient Dataset view;
    private transient Worker worker;

    private DataBlock(int partition, int total, int first, Dataset rows) {
        this.partition = partition;
        this.total = total;
        this.first = first;
        this.count = rows.size();
        this.name = rows.name();
        this.x = rows.x().data;
        this.labels = rows.labels();
        this.classes = rows.classes();
        this.channels = rows.channels();
        this.height = rows.height();
        this.width = rows.width();
    }

    /** First global row of partition {@code p} of {@code partitions} over {@code n} rows. */
    static int start(int n, int p, int partitions) {
        return (int) ((long) n * p / partitions);
    }

    /** The block of partition {@code p}: rows [n p / P, n (p + 1) / P) of {@code data}. */
    static DataBlock slice(Dataset data, int p, int partitions) {
        int from = start(data.size(), p, partitions);
        int to = start(data.size(), p + 1, partitions);
        return new DataBlock(p, data.size(), from, data.subset(from, to));
    }

    boolean holds(int row) {
        return row >= first && row < first + count;
    }

    /** Features per sample. */
    int features() {
        return channels * height * width;
    }

    int classes() {
        return classes;
    }

    /** This block's rows as a data set (a view, made once). */
    private Dataset view() {
        if (view == null) {
            view = new Dataset(name, new FMatrix(count, features(), x), labels, classes, channels, height, width);
        }
        return view;
    }

    /**
     * This block's shard of a batch: those of {@code rows} (global indices, in batch order) that it
     * holds, in the same order, gathered as the single-process trainer gathers a batch; null if it
     * holds none of them.
     */
    Batch shard(int[] rows, Precision p) {
        int[] local = new int[rows.length];
        int k = 0;
        for (int r : rows) {
            if (holds(r)) {
                local[k++] = r - first;
            }
        }
        if (k == 0) {
            return null;
        }
        return Trainer.gather(view(), Arrays.copyOf(local, k), 0, k, p);
    }

    /** The worker of run {@code run} on this executor, made on first use. */
    synchronized Worker worker(RunSpec run) {
        if (worker == null || !worker.runId().equals(run.runId())) {
            worker = new Worker(run);
        }
        return worker;
    }
}
