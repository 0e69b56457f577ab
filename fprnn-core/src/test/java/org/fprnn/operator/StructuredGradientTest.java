package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * MATH section 6 fact 1 on structured networks: the gradient rule equals central finite differences
 * of the mean loss at the fixed point (double, Newton to 1e-14, relative error below 1e-6) on a
 * two-layer network with feedforward and feedback blocks and on a small convolutional network, with
 * trained read-in, bias, read-out and read-out bias; and bptt through a converged unroll equals it.
 */
class StructuredGradientTest {

    private static void gradientMatchesFiniteDifferences(FixedPointNetwork net, Batch batch, Loss loss, String what) {
        Equilibrium eq = new EquilibriumSolver(OperatorChecks.TIGHT).solve(net, batch.x());
        assertEquals(batch.size(), eq.convergedCount());
        RuleResult res = Rules.create("gradient", OperatorChecks.settings(loss, OperatorChecks.TIGHT))
                .compute(net, batch, eq);
        assertTrue(res.adjoint().allConverged());
        Params grad = res.directions().copy();
        Params fd = OperatorChecks.finiteDifferences(net, batch, loss, 1e-5);
        double err = OperatorChecks.relErr(grad, fd);
        assertTrue(err < 1e-6, what + " " + loss + ": gradient vs finite differences, relative error " + err);
        for (String name : net.trained()) {
            double e = OperatorChecks.relErr(new Params().put(name, grad.get(name)), new Params().put(name, fd.get(name)));
            assertTrue(e < 1e-5, what + " " + loss + " " + name + ": relative error " + e);
        }
    }

    @Test
    void twoLayerGradientEqualsFiniteDifferences() {
        FixedPointNetwork net = StructuredNets.twoLayer(61);
        assertEquals(java.util.List.of("W1", "W2", "F2", "B1", "U", "b", "R", "c"), java.util.List.copyOf(net.trained()));
        gradientMatchesFiniteDifferences(net, TestNets.labelled(5, 3, 2, 1.0, 62), Loss.CROSS_ENTROPY, "two-layer");
        gradientMatchesFiniteDifferences(net, TestNets.regression(5, 3, 2, 1.0, 0.5, 63), Loss.MSE, "two-layer");
    }

    @Test
    void convolutionalGradientEqualsFiniteDifferences() {
        FixedPointNetwork net = StructuredNets.convNetwork(71);
        assertEquals(java.util.List.of("K", "U", "b", "R", "c"), java.util.List.copyOf(net.trained()));
        gradientMatchesFiniteDifferences(net, TestNets.labelled(4, 64, 3, 1.0, 72), Loss.CROSS_ENTROPY, "conv");
    }

    @Test
    void convolutionalLayersGradientEqualsFiniteDifferences() {
        FixedPointNetwork net = StructuredNets.convLayers(81);
        gradientMatchesFiniteDifferences(net, TestNets.labelled(4, 3, 2, 1.0, 82), Loss.CROSS_ENTROPY, "conv layers");
    }

    /** A conv layer under a bounded dense layer (a conv network with a dense top layer): every block's gradient. */
    @Test
    void convThenDenseGradientEqualsFiniteDifferences() {
        FixedPointNetwork net = StructuredNets.convThenDense(85, Precision.DOUBLE);
        assertEquals(java.util.List.of("K1", "W2", "F2", "B1", "U", "b", "R", "c"), java.util.List.copyOf(net.trained()));
        gradientMatchesFiniteDifferences(net, TestNets.labelled(4, 3, 2, 1.0, 86), Loss.CROSS_ENTROPY, "conv then dense");
    }

    /** bptt through a long converged unroll equals the gradient on the structured networks. */
    @Test
    void bpttThroughConvergedUnrollEqualsGradient() {
        for (FixedPointNetwork net : new FixedPointNetwork[] {StructuredNets.twoLayer(91), StructuredNets.convNetwork(92)}) {
            Batch batch = TestNets.labelled(4, net.inputs(), net.outputs(), 1.0, 93);
            SolverConfig unroll = SolverConfig.euler(0.5, 400, 0);
            Equilibrium eq = new EquilibriumSolver(unroll).solve(net, batch.x());
            assertTrue(eq.maxResidual() < 1e-14, "unroll not converged: " + eq.maxResidual());
            Params bptt = Rules.create("bptt", OperatorChecks.settings(Loss.CROSS_ENTROPY, unroll))
                    .compute(net, batch, eq).directions().copy();
            Equilibrium exact = new EquilibriumSolver(OperatorChecks.TIGHT).solve(net, batch.x());
            Params grad = Rules.create("gradient", OperatorChecks.settings(Loss.CROSS_ENTROPY, OperatorChecks.TIGHT))
                    .compute(net, batch, exact).directions();
            double err = OperatorChecks.relErr(bptt, grad);
            assertTrue(err < 1e-9, "bptt vs gradient " + err);
        }
    }

    /**
     * Every structured network in float precision agrees with its double twin (same weights from
     * the same seed) to float accuracy, for every rule; the float gradient rule solves the adjoint
     * through the operator's double copy ({@link LinearMap#toDouble()}).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("org.fprnn.operator.OperatorFactsTest#nets")
    void floatNetworksAgreeWithDouble(String name, java.util.function.Supplier<FixedPointNetwork> ignored) {
        FixedPointNetwork dbl = StructuredNets.all(Precision.DOUBLE).get(name).get();
        FixedPointNetwork flt = StructuredNets.all(Precision.FLOAT).get(name).get();
        assertEquals(Precision.FLOAT, flt.params().get("b").precision());
        Batch batch = TestNets.labelled(6, dbl.inputs(), dbl.outputs(), 1.0, 102);
        for (String rule : new String[] {"gradient", "linearized", "linearized_alt", "bptt"}) {
            // Anderson with memory 10: with memory 5 the conv-layers network sits at the edge of
            // convergence (batches whose solve takes 37 to 57 iterations, or 446, or never converges,
            // depending on round-off), so the comparison measured where a stalled float solve stopped
            // rather than float accuracy. With memory 10 every structured network converges in both
            // precisions (checked over six batches each).
            SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.5, 60, 0)
                    : SolverConfig.anderson(10, 0.8, 500, 1e-6);
            RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, fwd);
            Equilibrium eqF = new EquilibriumSolver(fwd).solve(flt, batch.x());
            if (!rule.equals("bptt")) {
                assertEquals(batch.size(), eqF.convergedCount(), name + ": float forward solve");
            }
            Params f = Rules.create(rule, rs).compute(flt, batch, eqF).directions().copy();
            Params d = Rules.create(rule, rs).compute(dbl, batch, new EquilibriumSolver(fwd).solve(dbl, batch.x()))
                    .directions().copy();
            double err = OperatorChecks.relErr(f, d);
            assertTrue(err < 1e-4, name + " " + rule + ": float vs double " + err);
        }
    }

    /**
     * The gradient rule of a float network solves the adjoint on a double copy of the operator that
     * it keeps between calls and refreshes from the live parameters: after the parameters change in
     * place (as an optimizer step changes them), its result equals that of a fresh rule, bit for bit.
     */
    @Test
    void floatGradientFollowsParameterChangesMadeInPlace() {
        for (String name : new String[] {"dense", "dale-parameterization", "conv-network"}) {
            FixedPointNetwork net = StructuredNets.all(Precision.FLOAT).get(name).get();
            Batch batch = TestNets.labelled(7, net.inputs(), net.outputs(), 1.0, 92);
            SolverConfig fwd = SolverConfig.anderson(10, 0.8, 500, 1e-6);
            RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, fwd);
            org.fprnn.rule.Rule kept = Rules.create("gradient", rs);
            kept.compute(net, batch, new EquilibriumSolver(fwd).solve(net, batch.x()));
            java.util.Random rng = new java.util.Random(93);
            for (String p : net.recurrent().parameterNames()) {
                org.fprnn.linalg.Matrix w = net.params().get(p);
                for (int i = 0; i < w.size(); i++) {
                    w.setFlat(i, w.getFlat(i) * (1 + 0.05 * rng.nextGaussian()));
                }
            }
            Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
            Params again = kept.compute(net, batch, eq).directions().copy();
            Params fresh = Rules.create("gradient", rs).compute(net, batch, eq).directions();
            for (String p : fresh.names()) {
                for (int i = 0; i < fresh.get(p).size(); i++) {
                    assertEquals(fresh.get(p).getFlat(i), again.get(p).getFlat(i), 0.0, name + " " + p);
                }
            }
        }
    }
}
