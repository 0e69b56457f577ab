package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.config.Keys;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;

/**
 * The [rule] table of a classification config: settings shared by every rule of the sweep.
 *
 * @param gains derivative (f'(W r + h) at the returned state; default) or from_rates (1 - r^2, tanh
 *     only, as the published code does)
 * @param adjointTol relative residual of the gradient rule's adjoint solve (default 1e-8)
 * @param adjointMaxIter iteration limit of the adjoint solve (default 2000)
 * @param bpttSteps the bptt rule's own unroll (MATH section 3.2): this many Euler steps of the
 *     network's dynamics from rest, whatever the forward solver (which still gives the state for the
 *     test metrics and the other rules). Absent: bptt unrolls the euler forward solver itself
 *     (solver.alpha, solver.max_iter), which is then required
 * @param bpttAlpha the Euler step alpha = dt/tau of that unroll (default 0.5; only with bptt_steps)
 * @param adjointMemory Anderson's memory in the gradient rule's adjoint solve (absent: 6, the
 *     default adjoint's). Absent stays absent, so that run identities made before the key existed
 *     still match. More memory costs more per iteration (a dot product and a mixing row per entry) and
 *     can save many iterations where I - G W is nearly singular
 * @param adjointPreconditioner mean_gain (absent: the default) or none: whether the gradient rule's
 *     float adjoint solves are preconditioned by the batch's mean gains where that pays (at least one
 *     sample per 8 units, at most 1024 units). The same tolerance is met either way; absent stays
 *     absent, as above
 */
public record RuleConfig(String gains, Double adjointTol, Integer adjointMaxIter, Integer bpttSteps,
                         Double bpttAlpha, Integer adjointMemory, String adjointPreconditioner) {
    public RuleConfig {
        gains = Keys.oneOf("rule.gains", gains, "derivative", List.of("derivative", "from_rates"));
        adjointTol = Keys.number("rule.adjoint_tol", adjointTol, 1e-8, 0, false);
        adjointMaxIter = Keys.intAtLeast("rule.adjoint_max_iter", adjointMaxIter, 2000, 1);
        if (adjointMemory != null) {
            Keys.intAtLeast("rule.adjoint_memory", adjointMemory, RuleSettings.DEFAULT_ADJOINT.memory(), 1);
        }
        if (adjointPreconditioner != null) {
            adjointPreconditioner = Keys.oneOf("rule.adjoint_preconditioner", adjointPreconditioner, MEAN_GAIN,
                    List.of(MEAN_GAIN, "none"));
        }
        if (bpttSteps != null) {
            Keys.intAtLeast("rule.bptt_steps", bpttSteps, 1, 1);
            bpttAlpha = Keys.inRange("rule.bptt_alpha", bpttAlpha, DEFAULT_BPTT_ALPHA, 0, false, 1, true);
        } else if (bpttAlpha != null) {
            throw new IllegalArgumentException("rule.bptt_alpha is the step of the bptt rule's own unroll and needs"
                    + " rule.bptt_steps (its number of steps); give both, or neither to unroll the euler forward solver");
        }
    }

    static final String MEAN_GAIN = "mean_gain";

    /** rule.bptt_alpha when rule.bptt_steps is given without it. */
    static final double DEFAULT_BPTT_ALPHA = 0.5;

    public static RuleConfig defaults() {
        return new RuleConfig(null, null, null, null, null, null, null);
    }

    /** False only for adjoint_preconditioner = "none". */
    public boolean meanGainPreconditioner() {
        return adjointPreconditioner == null || adjointPreconditioner.equals(MEAN_GAIN);
    }

    /**
     * The Euler unroll of the bptt rule when rule.bptt_steps is given (tolerance 0: exactly
     * bpttSteps steps), else null (bptt unrolls the forward solver).
     */
    public SolverConfig bpttUnroll() {
        return bpttSteps == null ? null : SolverConfig.euler(bpttAlpha, bpttSteps, 0);
    }

    public GainMode gainMode() {
        return GainMode.parse(gains);
    }

    /**
     * The default adjoint solver (Anderson, memory 6, mixing 0.5) with this tolerance and limit, and
     * this memory if one is given.
     */
    public SolverConfig adjoint() {
        SolverConfig d = RuleSettings.DEFAULT_ADJOINT;
        return new SolverConfig(d.method(), adjointTol, adjointMaxIter, d.alpha(),
                adjointMemory != null ? adjointMemory : d.memory(), d.beta());
    }
}
