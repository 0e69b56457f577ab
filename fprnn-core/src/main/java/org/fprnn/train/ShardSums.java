package org.fprnn.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.solve.Equilibrium;

/**
 * The results of {@link BatchStep} on the shards of one batch, added up, so that a batch split over
 * workers gives the directions of the whole batch. Rule directions and losses are batch means (MATH
 * section 0), so a shard of B_s samples contributes B_s times its directions and its loss; the sums
 * over all shards divided by the batch size B = sum_s B_s are the batch's means. With one shard this
 * is the shard's own result up to rounding.
 *
 * <p>Sums are kept in double whatever the network's precision. Serializable: fprnn-spark adds them up
 * with treeAggregate. Adding is commutative, so the result does not depend on which shard comes first
 * when two are added; with more than two shards the grouping (and so the last bits) follows the order
 * in which Spark's tasks finish.
 */
public final class ShardSums implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Samples times directions, by parameter name; null when some shard blocked the update. */
    private LinkedHashMap<String, double[]> directionSums;
    private boolean blocked;
    private int samples;
    private double lossSum;
    private long correct;
    private int notConverged;
    private int iterationsMax;
    /** Per-sample forward iteration counts of every shard (for the batch's exact median). */
    private int[] iterations;

    private ShardSums() {
        directionSums = new LinkedHashMap<>();
        iterations = new int[0];
    }

    /** The sums of no shard at all (the zero to add shards to). */
    public static ShardSums empty() {
        return new ShardSums();
    }

    /** The sums of one shard: its sample count times its directions and loss, and its counts. */
    public static ShardSums of(BatchStep.Result shard) {
        ShardSums s = new ShardSums();
        s.samples = shard.samples();
        s.lossSum = shard.loss() * shard.samples();
        s.correct = shard.correct();
        s.notConverged = shard.notConverged();
        s.iterationsMax = shard.iterationsMax();
        s.iterations = shard.iterations().clone();
        if (shard.directions() == null) {
            s.blocked = true;
            s.directionSums = null;
        } else {
            for (Map.Entry<String, Matrix> e : shard.directions().asMap().entrySet()) {
                double[] v = e.getValue().toDoubleArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] *= shard.samples();
                }
                s.directionSums.put(e.getKey(), v);
            }
        }
        return s;
    }

    /** Adds {@code other} into these sums and returns them (for treeAggregate's combine). */
    public ShardSums add(ShardSums other) {
        if (other.samples == 0) {
            return this;
        }
        if (samples == 0) {
            copyFrom(other);
            return this;
        }
        blocked |= other.blocked;
        if (blocked) {
            directionSums = null;
        } else {
            if (!directionSums.keySet().equals(other.directionSums.keySet())) {
                throw new IllegalArgumentException("shards disagree on the trained parameters: "
                        + directionSums.keySet() + " and " + other.directionSums.keySet());
            }
            for (Map.Entry<String, double[]> e : directionSums.entrySet()) {
                double[] a = e.getValue();
                double[] b = other.directionSums.get(e.getKey());
                if (a.length != b.length) {
                    throw new IllegalArgumentException("shards disagree on the size of direction " + e.getKey()
                            + ": " + a.length + " and " + b.length);
                }
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
            }
        }
        samples += other.samples;
        lossSum += other.lossSum;
        correct += other.correct;
        notConverged += other.notConverged;
        iterationsMax = Math.max(iterationsMax, other.iterationsMax);
        int[] it = Arrays.copyOf(iterations, iterations.length + other.iterations.length);
        System.arraycopy(other.iterations, 0, it, iterations.length, other.iterations.length);
        iterations = it;
        return this;
    }

    private void copyFrom(ShardSums o) {
        blocked = o.blocked;
        directionSums = null;
        if (o.directionSums != null) {
            directionSums = new LinkedHashMap<>();
            o.directionSums.forEach((k, v) -> directionSums.put(k, v.clone()));
        }
        samples = o.samples;
        lossSum = o.lossSum;
        correct = o.correct;
        notConverged = o.notConverged;
        iterationsMax = o.iterationsMax;
        iterations = o.iterations.clone();
    }

    public int samples() {
        return samples;
    }

    /**
     * The whole batch's result: directions, loss and counts of all shards, with sums divided by the
     * batch size. Directions are written into {@code directions} (the network's trained parameters'
     * shapes, in its precision, e.g. from {@code net.params().zerosLike(net.trained())}) and returned
     * in the result, or null there if a shard blocked the update ({@link BatchStep#blocksUpdate}).
     */
    public BatchStep.Result toResult(Params directions) {
        if (samples == 0) {
            throw new IllegalStateException("no shard held any sample of the batch");
        }
        Params out = null;
        if (!blocked) {
            if (!directionSums.keySet().equals(directions.names())) {
                throw new IllegalArgumentException("the shards computed directions for " + directionSums.keySet()
                        + " but the network trains " + directions.names());
            }
            for (Map.Entry<String, double[]> e : directionSums.entrySet()) {
                Matrix m = directions.get(e.getKey());
                double[] v = e.getValue();
                if (v.length != m.size()) {
                    throw new IllegalArgumentException("direction " + e.getKey() + " has " + v.length
                            + " values, the network's parameter " + m.size());
                }
                for (int i = 0; i < v.length; i++) {
                    m.setFlat(i, v[i] / samples);
                }
            }
            out = directions;
        }
        return new BatchStep.Result(out, samples, lossSum / samples, (int) correct, notConverged, iterations.clone(),
                iterationsMax, Equilibrium.median(iterations), null);
    }
}
