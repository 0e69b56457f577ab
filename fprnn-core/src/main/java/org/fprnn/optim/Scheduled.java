package org.fprnn.optim;

/**
 * An optimizer whose learning rate follows a {@link LearningRateSchedule} (optax's
 * inject-hyperparams over a schedule): at the start of step t of a run of T steps the inner
 * optimizer's learning rate is set to lr * factor(t, T). The step comes from the training loop
 * ({@link Optimizer#beginStep}), not from a count of updates, so refused steps still advance the
 * schedule and a resumed run needs no extra state.
 */
public final class Scheduled extends ForwardingOptimizer {
    private final LearningRateSchedule schedule;
    private double lr;

    public Scheduled(Optimizer inner, LearningRateSchedule schedule) {
        super(inner);
        this.schedule = java.util.Objects.requireNonNull(schedule, "schedule");
        this.lr = inner.learningRate();
    }

    @Override
    public void beginStep(long step, long totalSteps) {
        inner.setLearningRate(lr * schedule.factor(step, totalSteps));
        inner.beginStep(step, totalSteps);
    }

    /** The base learning rate (the schedule's factor multiplies it). */
    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = OptimizerChecks.requireRunningRate(lr);
    }
}
