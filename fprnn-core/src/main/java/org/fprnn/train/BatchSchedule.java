package org.fprnn.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which training samples make up the batch of each step: every epoch is a fresh permutation of the
 * training set drawn from (seed, epoch), cut into consecutive batches of {@code batchSize}; the last
 * batch of an epoch keeps the remainder (60,000 / 512 gives 117 batches of 512 and one of 96). A
 * step's batch depends only on (seed, size, batch size, step), so a resumed run, and a data-parallel
 * run that splits each batch over workers (fprnn-spark), use exactly the batches of an uninterrupted
 * single-process run. Not thread-safe (it keeps the current epoch's permutation).
 */
public final class BatchSchedule {
    private final int size;
    private final int batchSize;
    private final long seed;
    private int[] order;
    private int orderEpoch = -1;

    /**
     * @param size samples in the training set
     * @param batchSize samples per step, at least 1
     * @param seed the run's seed ({@link TrainSettings#seed()})
     */
    public BatchSchedule(int size, int batchSize, long seed) {
        if (size < 1 || batchSize < 1) {
            throw new IllegalArgumentException("a batch schedule needs a training set of at least one sample and"
                    + " a batch size >= 1, got " + size + " samples and batch size " + batchSize);
        }
        this.size = size;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** The schedule of a training run. */
    public static BatchSchedule of(TrainSettings settings, int trainSize) {
        return new BatchSchedule(trainSize, settings.batchSize(), settings.seed());
    }

    public int size() {
        return size;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Steps per epoch: ceil(size / batchSize). */
    public int stepsPerEpoch() {
        return (size + batchSize - 1) / batchSize;
    }

    /** The 0-based epoch of a step. */
    public int epoch(int step) {
        return step / stepsPerEpoch();
    }

    /** The rows of the training set that form the batch of {@code step}, in batch order (a new array). */
    public int[] rows(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        int perEpoch = stepsPerEpoch();
        int epoch = step / perEpoch;
        if (epoch != orderEpoch) {
            order = Trainer.permutation(size, new SplittableRandom(Trainer.mix(seed, 1, epoch)));
            orderEpoch = epoch;
        }
        int from = (step % perEpoch) * batchSize;
        int to = Math.min(size, from + batchSize);
        return Arrays.copyOfRange(order, from, to);
    }
}
