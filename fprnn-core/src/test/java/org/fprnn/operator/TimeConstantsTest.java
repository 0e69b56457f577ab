package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Per-unit (per-population) time constants, MATH section 1: T = diag(tau_i). */
class TimeConstantsTest {
    /** Excitatory units (first 5) with tau 1, inhibitory (last 3) with tau 0.5 (relative to tau). */
    private static final int[] SIZES = {5, 3};
    private static final double[] TAUS = {1.0, 0.5};

    private static FixedPointNetwork net(Dynamics dyn, boolean perUnit, long seed) {
        FixedPointNetwork.Builder b = FixedPointNetwork.builder().inputs(3).units(8).outputs(2)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(dyn).recurrentScale(0.9).seed(seed)
                .trainInput(true).trainBias(true).trainReadout(true);
        if (perUnit) {
            b.populationTimeConstants(SIZES, TAUS);
        }
        return b.build();
    }

    /** The fixed point does not depend on the time constants; the path to it does. */
    @ParameterizedTest
    @EnumSource(value = Dynamics.class, names = {"RATE", "CURRENT"})
    void perUnitTauKeepsTheFixedPoint(Dynamics dyn) {
        Batch batch = TestNets.labelled(6, 3, 2, 1.0, 2);
        SolverConfig euler = SolverConfig.euler(0.4, 5000, 1e-13);
        Equilibrium scalar = new EquilibriumSolver(euler).solve(net(dyn, false, 1), batch.x()).copy();
        Equilibrium perUnit = new EquilibriumSolver(euler).solve(net(dyn, true, 1), batch.x()).copy();
        Equilibrium exact = new EquilibriumSolver(OperatorChecks.TIGHT).solve(net(dyn, true, 1), batch.x()).copy();
        assertEquals(6, perUnit.convergedCount());
        assertTrue(OperatorChecks.maxDiff(scalar.rates(), perUnit.rates()) < 1e-11);
        assertTrue(OperatorChecks.maxDiff(exact.rates(), perUnit.rates()) < 1e-11);
        assertNotEquals(scalar.iterationsMax(), perUnit.iterationsMax(), "the time constants were not used");
    }

    /** bptt with per-unit tau is the exact gradient of the loss after the (per-unit) Euler unroll. */
    @ParameterizedTest
    @EnumSource(value = Dynamics.class, names = {"RATE", "CURRENT"})
    void bpttWithPerUnitTauEqualsFiniteDifferencesOfTheUnroll(Dynamics dyn) {
        FixedPointNetwork net = net(dyn, true, 3);
        Batch batch = TestNets.regression(4, 3, 2, 1.0, 0.5, 4);
        SolverConfig unroll = SolverConfig.euler(0.3, 9, 0);
        EquilibriumSolver fwd = new EquilibriumSolver(unroll);
        Params dirs = Rules.create("bptt", OperatorChecks.settings(Loss.MSE, unroll))
                .compute(net, batch, fwd.solve(net, batch.x())).directions().copy();
        Params fd = TestNets.centralDifferences(net.params(), net.trained(), () -> unrolledLoss(net, batch, fwd), 1e-6);
        double err = OperatorChecks.relErr(dirs, fd);
        assertTrue(err < 1e-7, dyn + ": bptt vs finite differences of the unroll " + err);
        // And it differs from the scalar-tau unroll's gradient: the time constants matter here.
        Params scalar = Rules.create("bptt", OperatorChecks.settings(Loss.MSE, unroll))
                .compute(net(dyn, false, 3), batch, fwd.solve(net(dyn, false, 3), batch.x())).directions().copy();
        assertTrue(OperatorChecks.relErr(dirs, scalar) > 1e-3);
    }

    private static double unrolledLoss(FixedPointNetwork net, Batch batch, EquilibriumSolver fwd) {
        Equilibrium eq = fwd.solve(net, batch.x());
        Matrix yhat = eq.rates().like(batch.size(), net.outputs());
        net.readout(eq.rates(), yhat);
        return Loss.MSE.evaluate(yhat, batch, null, null);
    }

    /** All time constants equal to tau give the scalar results. */
    @Test
    void unitTimeConstantsReproduceTheScalarDynamics() {
        for (Dynamics dyn : new Dynamics[] {Dynamics.RATE, Dynamics.CURRENT}) {
            FixedPointNetwork scalar = net(dyn, false, 5);
            FixedPointNetwork ones = FixedPointNetwork.builder().inputs(3).units(8).outputs(2)
                    .nonlinearity(new Nonlinearity.Tanh()).dynamics(dyn).recurrentScale(0.9).seed(5)
                    .trainInput(true).trainBias(true).trainReadout(true)
                    .timeConstants(1, 1, 1, 1, 1, 1, 1, 1).build();
            Batch batch = TestNets.labelled(4, 3, 2, 1.0, 6);
            SolverConfig unroll = SolverConfig.euler(0.3, 25, 0);
            Equilibrium a = new EquilibriumSolver(unroll).solve(scalar, batch.x()).copy();
            Equilibrium b = new EquilibriumSolver(unroll).solve(ones, batch.x()).copy();
            assertEquals(0, OperatorChecks.maxDiff(a.rates(), b.rates()));
            Params da = Rules.create("bptt", OperatorChecks.settings(Loss.CROSS_ENTROPY, unroll))
                    .compute(scalar, batch, a).directions().copy();
            Params db = Rules.create("bptt", OperatorChecks.settings(Loss.CROSS_ENTROPY, unroll))
                    .compute(ones, batch, b).directions().copy();
            assertTrue(OperatorChecks.relErr(da, db) < 1e-14, dyn + " " + OperatorChecks.relErr(da, db));
        }
    }

    /** A per-unit step above 1 is refused with a message; discrete dynamics ignore time constants. */
    @Test
    void stepsAboveOneAreRefusedAndDiscreteIgnoresTau() {
        FixedPointNetwork fast = FixedPointNetwork.builder().inputs(3).units(8).outputs(2).seed(7)
                .populationTimeConstants(SIZES, new double[] {1.0, 0.2}).build();
        Batch batch = TestNets.labelled(2, 3, 2, 1.0, 8);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new EquilibriumSolver(SolverConfig.euler(0.5, 10, 0)).solve(fast, batch.x()));
        assertTrue(e.getMessage().contains("tau_5"), e.getMessage());
        FixedPointNetwork discrete = FixedPointNetwork.builder().inputs(3).units(8).outputs(2).seed(7)
                .dynamics(Dynamics.DISCRETE).populationTimeConstants(SIZES, new double[] {1.0, 0.2}).build();
        assertEquals(2, new EquilibriumSolver(SolverConfig.euler(0.5, 200, 1e-10)).solve(discrete, batch.x())
                .convergedCount());
        assertThrows(IllegalArgumentException.class, () -> FixedPointNetwork.builder().inputs(3).units(8).outputs(2)
                .timeConstants(1, 2).build());
    }
}
