package org.fprnn.rule;

import org.fprnn.model.Loss;
import org.fprnn.solve.SolverConfig;

/**
 * What a rule needs besides the network and the batch.
 *
 * @param loss the per-sample loss (MATH section 0)
 * @param gains where the gains come from
 * @param adjoint solver for the adjoint equation of the gradient rule (default Anderson, relative
 *     residual 1e-8)
 * @param forward the forward solver's settings; bptt unrolls exactly its alpha and maxIter steps
 * @param lr the step size of the reparam rule (its direction depends on it); ignored by the others
 * @param meanGainPreconditioner whether the gradient rule's float adjoint rounds are preconditioned by
 *     the batch's mean gains where that pays ({@link org.fprnn.solve.MeanGainPreconditioner}; the
 *     default): the same tolerance is met either way
 */
public record RuleSettings(Loss loss, GainMode gains, SolverConfig adjoint, SolverConfig forward, double lr,
                           boolean meanGainPreconditioner) implements java.io.Serializable {

    /** Settings with the mean-gain preconditioner on (the default). */
    public RuleSettings(Loss loss, GainMode gains, SolverConfig adjoint, SolverConfig forward, double lr) {
        this(loss, gains, adjoint, forward, lr, true);
    }

    public static final SolverConfig DEFAULT_ADJOINT = SolverConfig.anderson(6, 0.5, 2000, 1e-8);

    public static RuleSettings of(Loss loss, SolverConfig forward) {
        return new RuleSettings(loss, GainMode.DERIVATIVE, DEFAULT_ADJOINT, forward, Double.NaN);
    }

    public RuleSettings withGains(GainMode g) {
        return new RuleSettings(loss, g, adjoint, forward, lr, meanGainPreconditioner);
    }

    public RuleSettings withAdjoint(SolverConfig a) {
        return new RuleSettings(loss, gains, a, forward, lr, meanGainPreconditioner);
    }

    public RuleSettings withLr(double l) {
        return new RuleSettings(loss, gains, adjoint, forward, l, meanGainPreconditioner);
    }

    public RuleSettings withMeanGainPreconditioner(boolean on) {
        return new RuleSettings(loss, gains, adjoint, forward, lr, on);
    }
}
