package org.fprnn.rule;

import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;

/**
 * A learning rule (MATH section 3): for a batch at its equilibrium, a direction for every trained
 * parameter with the sign of a gradient, as a batch mean. Rules hold workspaces and are not
 * thread-safe; make one per thread.
 */
public interface Rule {

    /** Registry name: gradient, bptt, linearized, linearized_alt or reparam. */
    String name();

    RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq);

    /**
     * True if the direction is the mean over the batch of per-sample terms, so that the directions of
     * the shards of a batch, weighted by shard size, add up to the batch's direction (data-parallel
     * training relies on it). All rules but reparam, whose step inverts a matrix built from the batch.
     */
    default boolean meanOverSamples() {
        return true;
    }
}
