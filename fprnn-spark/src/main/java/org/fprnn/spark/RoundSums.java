package org.fprnn.spark;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What the partitions report after a round of local SGD, added up by treeAggregate: weights and
 * optimizer state times the samples each partition trained on (so that dividing by the total gives
 * their sample-weighted average), and per step of the round the summed loss, counts and per-sample
 * iterations of every partition's shard.
 */
final class RoundSums implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Samples this partition trained on in the round (the weight of its weights); 0 if none. */
    long weight;
    /** Weight times weights, and weight times optimizer state; null while weight is 0. */
    NamedArrays weightSums;
    NamedArrays stateSums;
    final int[] samples;
    final double[] lossSums;
    final long[] correct;
    final int[] notConverged;
    final int[] iterationsMax;
    final int[][] iterations;
    /** Per step: partitions with samples in it, partitions that updated, refused, or were blocked. */
    final int[] shards;
    final int[] updated;
    final int[] refused;
    final int[] blocked;
    /** Per step: one reason a partition refused, or null. */
    final String[] refusal;

    RoundSums(int steps) {
        samples = new int[steps];
        lossSums = new double[steps];
        correct = new long[steps];
        notConverged = new int[steps];
        iterationsMax = new int[steps];
        iterations = new int[steps][0];
        shards = new int[steps];
        updated = new int[steps];
        refused = new int[steps];
        blocked = new int[steps];
        refusal = new String[steps];
    }

    int steps() {
        return samples.length;
    }

    /** Adds {@code o} (a round of the same length) into these sums; returns this. */
    RoundSums add(RoundSums o) {
        if (o.steps() != steps()) {
            throw new IllegalArgumentException("rounds of " + steps() + " and " + o.steps() + " steps");
        }
        if (o.weight > 0) {
            weightSums = weightSums == null ? copy(o.weightSums) : weightSums.add(o.weightSums);
            stateSums = stateSums == null ? copy(o.stateSums) : stateSums.add(o.stateSums);
            weight += o.weight;
        }
        for (int j = 0; j < steps(); j++) {
            samples[j] += o.samples[j];
            lossSums[j] += o.lossSums[j];
            correct[j] += o.correct[j];
            notConverged[j] += o.notConverged[j];
            iterationsMax[j] = Math.max(iterationsMax[j], o.iterationsMax[j]);
            int[] it = Arrays.copyOf(iterations[j], iterations[j].length + o.iterations[j].length);
            System.arraycopy(o.iterations[j], 0, it, iterations[j].length, o.iterations[j].length);
            iterations[j] = it;
            shards[j] += o.shards[j];
            updated[j] += o.updated[j];
            refused[j] += o.refused[j];
            blocked[j] += o.blocked[j];
            if (refusal[j] == null) {
                refusal[j] = o.refusal[j];
            }
        }
        return this;
    }

    private static NamedArrays copy(NamedArrays a) {
        return new NamedArrays().add(a);
    }
}
