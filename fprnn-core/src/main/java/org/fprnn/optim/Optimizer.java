package org.fprnn.optim;

import org.fprnn.linalg.Params;

/**
 * Applies a rule's directions to parameters (optax-style: the rule transforms the loss into
 * directions, the optimizer turns directions into updates). With plain SGD a step is
 * P <- P - lr D_P (MATH section 0). Optimizers keep per-parameter state, sized on first use.
 */
public interface Optimizer {

    /** Updates every parameter of {@code params} named in {@code directions}. */
    void step(Params params, Params directions);

    double learningRate();

    void setLearningRate(double lr);

    /** Optimizer state (momentum buffers, moments, step count) for checkpoints, by name. */
    Params state();

    /** Restores what {@link #state()} returned. */
    void restore(Params state);
}
