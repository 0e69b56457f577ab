package org.fprnn.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;

/**
 * The training set as a cached RDD with one block of consecutive rows per partition (partition p
 * holds rows [n p / P, n (p + 1) / P)). Either shipped from the driver, which has read the data set,
 * or read by every executor from its own disk.
 */
public final class TrainingData implements AutoCloseable {
    private final JavaRDD<DataBlock> blocks;
    /** The broadcasts the blocks were shipped in (kept while the blocks may be recomputed), or empty. */
    private final List<Broadcast<DataBlock>> shipped;
    private final int size;
    private final int partitions;
    private final int features;
    private final int classes;

    private TrainingData(JavaRDD<DataBlock> blocks, List<Broadcast<DataBlock>> shipped, int size, int partitions,
                         int features, int classes) {
        this.blocks = blocks;
        this.shipped = shipped;
        this.size = size;
        this.partitions = partitions;
        this.features = features;
        this.classes = classes;
    }

    /**
     * Splits a data set the driver holds into {@code partitions} blocks and sends them to the
     * executors, each block as a broadcast of its own (fetched once by the executor that computes that
     * partition, then cached there). Tasks therefore carry only a partition number: with
     * sc.parallelize of the blocks themselves every task of every step would carry its block again.
     */
    public static TrainingData ship(JavaSparkContext sc, Dataset train, int partitions) {
        checkPartitions(train.size(), partitions);
        List<Broadcast<DataBlock>> parts = new ArrayList<>(partitions);
        List<Integer> ids = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            parts.add(sc.broadcast(DataBlock.slice(train, p, partitions)));
            ids.add(p);
        }
        JavaRDD<DataBlock> rdd = sc.parallelize(ids, partitions).map(p -> parts.get(p).value())
                .setName("fprnn training data (" + train.name() + ")").persist(StorageLevel.MEMORY_ONLY());
        rdd.count();   // materialize the cache now, so that the first step's time is the step's
        return new TrainingData(rdd, parts, train.size(), partitions, train.features(), train.classes());
    }

    /**
     * Every executor reads the training split of a registered data set (mnist, fashion-mnist,
     * cifar10) itself, from {@code dir} on its own disk (or, when dir is null, from the places
     * {@link DataSets} looks in: FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist, ...), and keeps
     * its partition's rows; nothing but the data set's name crosses the network.
     *
     * @param limit use only the first {@code limit} samples (0: all)
     */
    public static TrainingData readOnExecutors(JavaSparkContext sc, String dataset, String dir, int limit,
                                               int partitions) {
        return readOnExecutors(sc, dataset, null, dir, limit, partitions);
    }

    /**
     * As {@link #readOnExecutors(JavaSparkContext, String, String, int, int)}, for any data set a
     * config names, "idx" folders included.
     *
     * @param classes data.classes of an "idx" folder, or null
     */
    public static TrainingData readOnExecutors(JavaSparkContext sc, String dataset, Integer classes, String dir,
                                               int limit, int partitions) {
        DataSets.source(dataset, classes);   // fail on the driver for an unknown name
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ids.add(p);
        }
        JavaRDD<DataBlock> rdd = sc.parallelize(ids, partitions).map(p -> {
            Dataset d = loadTrain(dataset, classes, dir, limit);
            checkPartitions(d.size(), partitions);
            return DataBlock.slice(d, p, partitions);
        }).setName("fprnn training data (" + dataset + ", read on the executors)").persist(StorageLevel.MEMORY_ONLY());
        List<int[]> shapes = rdd.map(b -> new int[] {b.partition, b.total, b.features(), b.classes()}).collect();
        int[] first = shapes.getFirst();
        for (int[] s : shapes) {
            if (s[1] != first[1] || s[2] != first[2] || s[3] != first[3]) {
                throw new IllegalStateException("executors read different copies of " + dataset + ": partition "
                        + first[0] + " has " + first[1] + " samples of " + first[2] + " features and " + first[3]
                        + " classes, partition " + s[0] + " has " + s[1] + ", " + s[2] + " and " + s[3]
                        + "; give every executor the same files");
            }
        }
        return new TrainingData(rdd, List.of(), first[1], partitions, first[2], first[3]);
    }

    /** The training split as {@link #readOnExecutors} reads it (on the driver, for the same data). */
    public static Dataset loadTrain(String dataset, String dir, int limit) {
        return loadTrain(dataset, null, dir, limit);
    }

    /** As {@link #loadTrain(String, String, int)}, with data.classes of an "idx" folder (or null). */
    public static Dataset loadTrain(String dataset, Integer classes, String dir, int limit) {
        try {
            DataOptions opts = DataOptions.defaults();
            if (dir != null) {
                opts = opts.withDir(Path.of(dir));
            }
            Dataset d = DataSets.load(DataSets.source(dataset, classes), Split.TRAIN, opts);
            if (limit > 0 && limit < d.size()) {
                d = d.subset(0, limit);
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static void checkPartitions(int size, int partitions) {
        if (partitions < 1 || partitions > size) {
            throw new IllegalArgumentException("partitions must be between 1 and the training set's " + size
                    + " samples, got " + partitions);
        }
    }

    JavaRDD<DataBlock> blocks() {
        return blocks;
    }

    public int size() {
        return size;
    }

    public int partitions() {
        return partitions;
    }

    public int features() {
        return features;
    }

    public int classes() {
        return classes;
    }

    /**
     * Drops the cached blocks (and the broadcasts that shipped them) from the executors; nothing when
     * the context has stopped (a signal: Spark's shutdown hook), which dropped them all, and whose
     * block managers would only log failures with stack traces.
     */
    @Override
    public void close() {
        if (blocks.context().isStopped()) {
            return;
        }
        blocks.unpersist(false);
        for (Broadcast<DataBlock> b : shipped) {
            b.destroy();
        }
    }
}
