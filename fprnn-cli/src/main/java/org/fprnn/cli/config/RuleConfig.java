package org.fprnn.cli.config;

import java.util.List;
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
 */
public record RuleConfig(String gains, Double adjointTol, Integer adjointMaxIter) {
    public RuleConfig {
        gains = Keys.oneOf("rule.gains", gains, "derivative", List.of("derivative", "from_rates"));
        adjointTol = Keys.number("rule.adjoint_tol", adjointTol, 1e-8, 0, false);
        adjointMaxIter = Keys.intAtLeast("rule.adjoint_max_iter", adjointMaxIter, 2000, 1);
    }

    public static RuleConfig defaults() {
        return new RuleConfig(null, null, null);
    }

    public GainMode gainMode() {
        return GainMode.parse(gains);
    }

    /** The default adjoint solver (Anderson, memory 6, mixing 0.5) with this tolerance and limit. */
    public SolverConfig adjoint() {
        SolverConfig d = RuleSettings.DEFAULT_ADJOINT;
        return new SolverConfig(d.method(), adjointTol, adjointMaxIter, d.alpha(), d.memory(), d.beta());
    }
}
