package org.fprnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/** The benchmark baselines compute the same directions as the batched rules, in double, to round-off. */
class NaiveRulesTest {
    private static final int N = 9;
    private static final int B = 7;

    private final FixedPointNetwork net = TestNets.tanhNet(5, N, 4, 0.9, Dynamics.RATE, 51);
    private final Batch batch = TestNets.labelled(B, 5, 4, 1.0, 52);

    /** e = R^T eps (with the read-out bias) and g = f'(z), as the rules compute them. */
    private Matrix[] eAndG(Equilibrium eq) {
        Matrix yhat = new DMatrix(B, 4);
        net.readout(eq.rates(), yhat);
        Matrix eps = yhat.zerosLike();
        Loss.CROSS_ENTROPY.evaluate(yhat, batch, eps, null);
        Matrix e = new DMatrix(B, N);
        Ops.gemm(false, false, 1, eps, net.params().get("R"), 0, e);
        Matrix g = new DMatrix(B, N);
        net.nonlinearity().derivative(eq.z(), g);
        return new Matrix[] {e, g};
    }

    private RuleResult batched(String rule, SolverConfig fwd, Batch b, Equilibrium eq) {
        return Rules.create(rule, RuleSettings.of(Loss.CROSS_ENTROPY, fwd).withAdjoint(SolverConfig.newton(50, 1e-14)))
                .compute(net, b, eq);
    }

    @Test
    void linearizedFormsEqualTheBatchedRules() {
        SolverConfig fwd = SolverConfig.newton(100, 1e-14);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x());
        Matrix[] eg = eAndG(eq);
        NaiveRules naive = new NaiveRules(N, eg[0]);
        Matrix w = net.params().get("W");
        for (boolean alt : new boolean[] {false, true}) {
            String rule = alt ? "linearized_alt" : "linearized";
            Matrix want = batched(rule, fwd, batch, eq).directions().get("W");
            Matrix dm = new DMatrix(N, N);
            naive.matrixForm(w, eq.rates(), eg[0], eg[1], alt, dm);
            Matrix dv = new DMatrix(N, N);
            naive.vectorForm(w, eq.rates(), eg[0], eg[1], alt, dv);
            assertTrue(TestNets.relErr(dm, want) < 1e-13, rule + " matrix form: " + TestNets.relErr(dm, want));
            assertTrue(TestNets.relErr(dv, want) < 1e-13, rule + " vector form: " + TestNets.relErr(dv, want));
        }
    }

    @Test
    void gradientMatrixFormEqualsTheBatchedGradient() {
        SolverConfig fwd = SolverConfig.newton(100, 1e-14);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x());
        Matrix[] eg = eAndG(eq);
        Matrix want = batched("gradient", fwd, batch, eq).directions().get("W");
        Matrix d = new DMatrix(N, N);
        new NaiveRules(N, eg[0]).gradientMatrixForm(net.params().get("W"), eq.rates(), eg[0], eg[1], d);
        assertTrue(TestNets.relErr(d, want) < 1e-12, "gradient: " + TestNets.relErr(d, want));
    }

    @Test
    void bpttVectorFormEqualsTheBatchedBptt() {
        SolverConfig fwd = SolverConfig.euler(0.2, 15, 0);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x());
        RuleResult res = batched("bptt", fwd, batch, eq);
        Matrix d = new DMatrix(N, N);
        double loss = new NaiveRules(N, eq.h()).bpttVectorForm(net, batch, eq.h(), Loss.CROSS_ENTROPY, 0.2, 15, 0, B, d);
        assertTrue(TestNets.relErr(d, res.directions().get("W")) < 1e-13,
                "bptt: " + TestNets.relErr(d, res.directions().get("W")));
        assertEquals(res.loss(), loss, 1e-13);
    }

    /** A sample range is the mean over those samples: the batched rule on the same rows agrees. */
    @Test
    void aSampleRangeMatchesTheBatchedRuleOnThoseRows() {
        SolverConfig fwd = SolverConfig.newton(100, 1e-14);
        Batch sub = batch.slice(2, 5);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
        Equilibrium subEq = new EquilibriumSolver(fwd).solve(net, sub.x());
        Matrix[] eg = eAndG(eq);
        Matrix want = batched("linearized", fwd, sub, subEq).directions().get("W");
        Matrix d = new DMatrix(N, N);
        new NaiveRules(N, eg[0]).vectorForm(net.params().get("W"), eq.rates(), eg[0], eg[1], false, 2, 5, d);
        assertTrue(TestNets.relErr(d, want) < 1e-12, "rows 2..4: " + TestNets.relErr(d, want));
        assertThrows(IllegalArgumentException.class,
                () -> new NaiveRules(N, eg[0]).vectorForm(net.params().get("W"), eq.rates(), eg[0], eg[1], false, 5, 5, d));
    }
}
