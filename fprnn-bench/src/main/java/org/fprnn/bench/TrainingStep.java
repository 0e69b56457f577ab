package org.fprnn.bench;

import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * One training step on a fixed batch, as the trainer does it: forward solve, rule, SGD update. The
 * update uses a negligible learning rate (1e-9: the same arithmetic as any other) so that every
 * timed step sees the same network and the same solver work.
 */
final class TrainingStep implements Runnable {
    static final double TIMING_LR = 1e-9;

    private final FixedPointNetwork net;
    private final Batch batch;
    private final EquilibriumSolver solver;
    private final Rule rule;
    private final Sgd sgd = Sgd.plain(TIMING_LR);
    private Equilibrium last;
    private RuleResult lastResult;

    TrainingStep(FixedPointNetwork net, Batch batch, SolverConfig forward, String rule) {
        this(net, batch, forward, rule, P1.ruleSettings(forward, TIMING_LR));
    }

    TrainingStep(FixedPointNetwork net, Batch batch, SolverConfig forward, String rule, RuleSettings settings) {
        this.net = net;
        this.batch = batch;
        this.solver = new EquilibriumSolver(forward);
        this.rule = Rules.create(rule, settings);
    }

    @Override
    public void run() {
        last = solver.solve(net, batch.x());
        lastResult = rule.compute(net, batch, last);
        sgd.step(net.params(), lastResult.directions());
    }

    /** The forward solve alone (as the step does it). */
    Equilibrium solve() {
        last = solver.solve(net, batch.x());
        return last;
    }

    Equilibrium lastEquilibrium() {
        return last;
    }

    RuleResult lastResult() {
        return lastResult;
    }
}
