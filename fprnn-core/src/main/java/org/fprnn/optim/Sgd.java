package org.fprnn.optim;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay,
 * P being the parameters before the step:
 * d = D + wd P;  v = mu v + d;  P -= lr (nesterov ? d + mu v : v). With mu = 0 (no velocity is kept)
 * this is P -= lr d, and with mu = wd = 0 the plain P -= lr D of MATH section 0. Directions are not
 * modified.
 */
public final class Sgd implements Optimizer {
    private double lr;
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private Params velocity = new Params();

    public Sgd(double lr, double momentum, double weightDecay, boolean nesterov) {
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** Plain SGD: P -= lr D. */
    public static Sgd plain(double lr) {
        return new Sgd(lr, 0, 0, false);
    }

    @Override
    public void step(Params params, Params directions) {
        for (String name : directions.names()) { // before anything changes
            OptimizerChecks.requireShape(velocity, name, "Sgd", name, params.get(name));
        }
        for (String name : directions.names()) {
            OptimizerChecks.toPrecisionOf(velocity, name, params.get(name));
        }
        for (String name : directions.names()) {
            Matrix p = params.get(name);
            Matrix d = directions.get(name);
            if (momentum == 0) {
                if (weightDecay != 0) {
                    Ops.scale(1 - lr * weightDecay, p);        // P -= lr wd P
                }
                Ops.axpy(-lr, d, p);
                continue;
            }
            if (!velocity.has(name)) {
                velocity.put(name, d.zerosLike());
            }
            Matrix v = velocity.get(name);
            Ops.lincomb(momentum, v, 1, d, v);                 // v = mu v + D
            if (weightDecay != 0) {
                Ops.axpy(weightDecay, p, v);                    //   + wd P
            }
            if (nesterov) {
                // P -= lr (D + wd P + mu v): the decay uses P before this step, so it goes first.
                if (weightDecay != 0) {
                    Ops.scale(1 - lr * weightDecay, p);
                }
                Ops.axpy(-lr, d, p);
                Ops.axpy(-lr * momentum, v, p);
            } else {
                Ops.axpy(-lr, v, p);
            }
        }
    }

    @Override public double learningRate() { return lr; }
    @Override public void setLearningRate(double lr) { this.lr = OptimizerChecks.requireRunningRate(lr); }
    @Override public Params state() { return velocity; }
    /** Restores velocities saved by {@link #state()}, one per parameter, named as the parameter. */
    @Override
    public void restore(Params state) {
        for (String n : state.names()) {
            if (n.equals("step") || n.startsWith("m.") || n.startsWith("v.")) {
                throw new IllegalArgumentException("Sgd: state " + state.names() + " is not an Sgd's (its velocities"
                        + " are named as the parameters; " + n + " is Adam's): restore it into the optimizer"
                        + " that saved it");
            }
        }
        velocity = state.copy();
    }
}
