package org.fprnn.optim;

import org.fprnn.model.Params;

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

    static Optimizer parse(String name, double lr, double momentum, double weightDecay) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "sgd" -> new Sgd(lr, momentum, weightDecay, false);
            case "nesterov" -> new Sgd(lr, momentum, weightDecay, true);
            case "adam" -> new Adam(lr, 0.9, 0.999, 1e-8, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "': use sgd, nesterov or adam");
        };
    }
}
