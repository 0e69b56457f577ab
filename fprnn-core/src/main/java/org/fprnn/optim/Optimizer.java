package org.fprnn.optim;

import org.fprnn.linalg.Params;

/**
 * Applies a rule's directions to parameters (optax-style: the rule transforms the loss into
 * directions, the optimizer turns directions into updates). With plain SGD a step is
 * P <- P - lr D_P (MATH section 0). Optimizers keep per-parameter state, sized on first use.
 * Transformations compose with them as optax chains do: {@link ClipByGlobalNorm} scales the
 * direction before the optimizer sees it, {@link Scheduled} sets its learning rate at every step.
 */
public interface Optimizer {

    /** Updates every parameter of {@code params} named in {@code directions}. */
    void step(Params params, Params directions);

    /**
     * Called by the training loop before step {@code step} (0-based) of a run of {@code totalSteps}
     * steps, whether or not its update is applied; schedules ({@link Scheduled}) set the learning
     * rate here. Nothing by default.
     */
    default void beginStep(long step, long totalSteps) {
    }

    double learningRate();

    /**
     * Sets the learning rate (a schedule sets it before every step).
     *
     * @throws IllegalArgumentException if lr is negative or not finite (0 is allowed: a schedule may end there)
     */
    void setLearningRate(double lr);

    /** Optimizer state (momentum buffers, moments, step count) for checkpoints, by name. */
    Params state();

    /**
     * The state {@link #state()} gives, as read-only views of the optimizer's own buffers where it
     * keeps them (no copy): for a backup taken before every step, which copies it into buffers of its
     * own (GuardedUpdate). Valid until the next step; {@link #restore} accepts a copy of it.
     */
    default Params liveState() {
        return state();
    }

    /** Restores what {@link #state()} returned. */
    void restore(Params state);
}
