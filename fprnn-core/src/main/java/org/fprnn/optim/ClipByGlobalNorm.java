package org.fprnn.optim;

import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * Gradient-norm clipping before an optimizer (optax's clip_by_global_norm chained with it): when the
 * step's direction D has a Frobenius norm ||D|| over all trained parameters above {@code maxNorm},
 * every parameter's direction is scaled by maxNorm / ||D||, keeping its orientation. For the
 * gradient rule D is the gradient; for the linearized rules it is the rule's own direction. The
 * directions are scaled in place (they belong to the rule and are recomputed at the next step).
 */
public final class ClipByGlobalNorm extends ForwardingOptimizer {
    private final double maxNorm;

    public ClipByGlobalNorm(Optimizer inner, double maxNorm) {
        super(inner);
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("the clipping norm must be a finite number > 0, got " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    /**
     * Scales {@code directions} in place so that their global norm is at most {@code maxNorm};
     * returns the factor applied (1 when the norm is within it).
     */
    public static double clip(Params directions, double maxNorm) {
        double norm = directions.norm();
        if (!(norm > maxNorm)) {
            return 1.0;
        }
        double f = maxNorm / norm;
        for (String name : directions.names()) {
            Ops.scale(f, directions.get(name));
        }
        return f;
    }

    @Override
    public void step(Params params, Params directions) {
        clip(directions, maxNorm);
        inner.step(params, directions);
    }
}
