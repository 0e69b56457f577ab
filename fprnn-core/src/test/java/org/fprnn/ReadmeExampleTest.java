package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/** The README's Java API example, compiled and run: a few steps lower the loss on a fixed batch. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRunsAndLearns() {
        Random rng = new Random(0);
        Matrix x = new FMatrix(64, 784);
        int[] y = new int[64];
        for (int i = 0; i < 64; i++) {
            y[i] = i % 10;
            for (int j = 0; j < 784; j++) {
                x.set(i, j, rng.nextDouble() * 0.2 + (j % 10 == y[i] ? 0.8 : 0));
            }
        }
        Batch batch = Batch.labelled(x, y);

        FixedPointNetwork net = FixedPointNetwork.builder()
                .inputs(784).units(300).outputs(10)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(Dynamics.RATE)
                .trainInput(true).trainReadout(true)
                .precision(Precision.FLOAT).seed(1)
                .build();
        SolverConfig solver = SolverConfig.anderson(5, 1.0, 200, 1e-6);
        EquilibriumSolver fixedPoints = new EquilibriumSolver(solver);
        Rule rule = Rules.create("linearized", RuleSettings.of(Loss.CROSS_ENTROPY, solver));
        Sgd sgd = Sgd.plain(0.05);
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 10; step++) {
            Equilibrium eq = fixedPoints.solve(net, batch.x());
            assertEquals(64, eq.convergedCount());
            RuleResult res = rule.compute(net, batch, eq);
            sgd.step(net.params(), res.directions());
            first = step == 0 ? res.loss() : first;
            last = res.loss();
        }
        assertTrue(last < first, "loss " + first + " -> " + last);
        assertTrue(Ops.maxAbs(net.params().get("W")) < 10);
    }
}
