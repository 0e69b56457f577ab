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

    /** Registry name, one of {@link Rules#NAMES}. */
    String name();

    RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq);

    /**
     * As {@link #compute(FixedPointNetwork, Batch, Equilibrium)}, with the adjoint solve started from,
     * and its solution kept in, {@code adjointStart} (warm starts across epochs; null for the cold
     * start). Rules without an adjoint solve ignore it.
     */
    default RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq, AdjointStart adjointStart) {
        return compute(net, batch, eq);
    }

    /** True if the rule solves an adjoint equation (the gradient rule), whose start can be warm. */
    default boolean solvesAdjoint() {
        return false;
    }

    /**
     * True if the direction is the mean over the batch of per-sample terms, so that the directions of
     * the shards of a batch, weighted by shard size, add up to the batch's direction (data-parallel
     * training relies on it). All rules but reparam, whose step inverts a matrix built from the batch.
     */
    default boolean meanOverSamples() {
        return true;
    }
}
