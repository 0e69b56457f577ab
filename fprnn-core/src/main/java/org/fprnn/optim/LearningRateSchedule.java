package org.fprnn.optim;

import java.io.Serializable;

/**
 * A learning-rate schedule: the factor that multiplies a run's learning rate at each step, a
 * function of the step (0-based) and the run's length only, so that a resumed run follows it
 * exactly. Every schedule may open with a linear warm-up: over the first {@code warmup} steps the
 * factor is (t + 1) / warmup. Applied to an optimizer by {@link Scheduled}.
 */
public sealed interface LearningRateSchedule extends Serializable {

    /** The factor at step {@code t} (0-based) of a run of {@code total} steps. */
    double factor(long t, long total);

    /** No schedule: factor 1 at every step (the default). */
    LearningRateSchedule CONSTANT = new Constant(0);

    /** True if the factor is 1 at every step. */
    default boolean isConstant() {
        return this instanceof Constant c && c.warmup() == 0;
    }

    /** Factor (t + 1) / warmup during the warm-up, 1 after. */
    record Constant(int warmup) implements LearningRateSchedule {
        public Constant {
            check(warmup);
        }

        @Override
        public double factor(long t, long total) {
            return t < warmup ? warmupFactor(t, warmup) : 1.0;
        }
    }

    /**
     * Cosine decay to 0 over the steps after the warm-up: with w warm-up steps and T steps in the
     * run, factor(t) = (1 + cos(pi (t - w) / (T - w))) / 2 for t >= w, so 1 at t = w and close to 0
     * at the last step t = T - 1.
     */
    record Cosine(int warmup) implements LearningRateSchedule {
        public Cosine {
            check(warmup);
        }

        @Override
        public double factor(long t, long total) {
            if (t < warmup) {
                return warmupFactor(t, warmup);
            }
            long span = Math.max(1, total - warmup);
            return 0.5 * (1 + Math.cos(Math.PI * (t - warmup) / span));
        }
    }

    /** Step decay: factor gamma^floor((t - w) / every) for t >= w (w warm-up steps). */
    record StepDecay(int warmup, int every, double gamma) implements LearningRateSchedule {
        public StepDecay {
            check(warmup);
            if (every < 1 || !(gamma > 0 && gamma <= 1)) {
                throw new IllegalArgumentException("step decay needs every >= 1 and gamma in (0, 1], got every = "
                        + every + ", gamma = " + gamma);
            }
        }

        @Override
        public double factor(long t, long total) {
            return t < warmup ? warmupFactor(t, warmup) : Math.pow(gamma, (t - warmup) / every);
        }
    }

    private static double warmupFactor(long t, int warmup) {
        return (t + 1) / (double) warmup;
    }

    private static void check(int warmup) {
        if (warmup < 0) {
            throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmup);
        }
    }
}
