package org.fprnn.optim;

import org.fprnn.linalg.Params;

/**
 * An optimizer that hands every call to an inner one: the base of the transformations that wrap an
 * optimizer ({@link ClipByGlobalNorm}, {@link Scheduled}), which override only what they change.
 * Its state is the inner optimizer's, so checkpoints hold the same tensors with or without them.
 */
abstract class ForwardingOptimizer implements Optimizer {
    protected final Optimizer inner;

    ForwardingOptimizer(Optimizer inner) {
        this.inner = inner;
    }

    @Override
    public void step(Params params, Params directions) {
        inner.step(params, directions);
    }

    @Override
    public void beginStep(long step, long totalSteps) {
        inner.beginStep(step, totalSteps);
    }

    @Override
    public double learningRate() {
        return inner.learningRate();
    }

    @Override
    public void setLearningRate(double lr) {
        inner.setLearningRate(lr);
    }

    @Override
    public Params state() {
        return inner.state();
    }

    @Override
    public Params liveState() {
        return inner.liveState();
    }

    @Override
    public void restore(Params state) {
        inner.restore(state);
    }
}
