package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Newton's I - dPhi/ds exactly singular for a sample (the network at a bifurcation there): the solve
 * used to throw an IllegalStateException, which a training run reported as an internal error. That
 * sample is now reported as not converged, left where it was, and the other samples of the batch
 * are solved exactly as without it.
 */
class SingularNewtonTest {

    /**
     * W's first row is e_1 (so W has eigenvalue 1 with left eigenvector e_1), its others small and
     * random: with gains G = I, row 1 of I - W G is zero.
     */
    static DMatrix singularAtUnitGains(int n, long seed) {
        DMatrix w = TestNets.randn(n, n, 0.3 / Math.sqrt(n), new Random(seed));
        for (int j = 0; j < n; j++) {
            w.set(0, j, j == 0 ? 1 : 0);
        }
        return w;
    }

    static FixedPointNetwork net(DMatrix w, Nonlinearity f, Dynamics dynamics) {
        int n = w.rows;
        DMatrix eye = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            eye.set(i, i, 1);
        }
        return FixedPointNetwork.builder().inputs(n).units(n).outputs(2).nonlinearity(f).dynamics(dynamics)
                .precision(Precision.DOUBLE).recurrentWeights(w).inputWeights(eye).seed(1).build();
    }

    /**
     * Current dynamics v = W tanh(v) + h: at v = 0 the gains are 1, so I - W G = I - W is singular.
     * Sample 0 starts there; sample 1 starts at v = h, away from it, and converges. N = 4 takes the
     * in-place LU, N = 120 LAPACK's ({@link NewtonSolver#SMALL}).
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 120})
    void aSingularSampleIsReportedNotConvergedAndTheOthersAreSolvedAsAlone(int n) {
        FixedPointNetwork net = net(singularAtUnitGains(n, 5), new Nonlinearity.Tanh(), Dynamics.CURRENT);
        DMatrix x = TestNets.randn(2, n, 1, new Random(6));
        x.set(1, 0, 1.0);
        DMatrix warm = new DMatrix(2, n);
        for (int j = 0; j < n; j++) {
            warm.set(1, j, x.get(1, j));
        }
        EquilibriumSolver solver = new EquilibriumSolver(SolverConfig.newton(50, 1e-10));
        Equilibrium eq = solver.solve(net, x, warm).copy();

        assertFalse(eq.converged()[0], "the singular sample is not converged");
        assertEquals(0, eq.iterations()[0], "no Newton step was taken on it");
        for (int j = 0; j < n; j++) {
            assertEquals(0.0, eq.state().get(0, j), "it stays where it started");
        }
        double drive = 0;
        for (int j = 0; j < n; j++) {
            drive = Math.max(drive, Math.abs(Math.tanh(x.get(0, j))));
        }
        assertEquals(drive, eq.residual()[0], 1e-15, "its residual is that of its state, r = 0");

        assertTrue(eq.converged()[1], "the other sample converges; residual " + eq.residual()[1]);
        DMatrix x1 = new DMatrix(1, n);
        DMatrix warm1 = new DMatrix(1, n);
        for (int j = 0; j < n; j++) {
            x1.set(0, j, x.get(1, j));
            warm1.set(0, j, warm.get(1, j));
        }
        Equilibrium alone = new EquilibriumSolver(SolverConfig.newton(50, 1e-10)).solve(net, x1, warm1);
        long[] together = TestNets.bits(eq.state());
        long[] single = TestNets.bits(alone.state());
        assertArrayEquals(single, java.util.Arrays.copyOfRange(together, n, 2 * n), "bitwise as solved alone");
        assertEquals(alone.iterations()[0], eq.iterations()[1]);
    }

    /**
     * A linear network with I - W singular: the shared factorization of newton and direct fails, and
     * every sample is reported as not converged at rest (there is no fixed point to find).
     */
    @ParameterizedTest
    @ValueSource(strings = {"newton", "direct"})
    void aSingularLinearNetworkIsReportedNotConverged(String method) {
        int n = 5;
        FixedPointNetwork net = net(singularAtUnitGains(n, 7), new Nonlinearity.Linear(1.0), Dynamics.RATE);
        DMatrix x = TestNets.randn(3, n, 1, new Random(8));
        Equilibrium eq = new EquilibriumSolver(new SolverConfig(method, 1e-9, 3, 1.0, 5, 1.0)).solve(net, x);
        assertEquals(0, eq.convergedCount());
        assertEquals(0, eq.iterationsMax());
        for (int i = 0; i < 3; i++) {
            assertTrue(Double.isFinite(eq.residual()[i]) && eq.residual()[i] > 0, "residual " + eq.residual()[i]);
            for (int j = 0; j < n; j++) {
                assertEquals(0.0, eq.rates().get(i, j));
            }
        }
    }

    /**
     * A NaN weight: I - dPhi/ds is not finite and has no Newton step either; the samples are reported
     * not converged with a NaN residual, as Anderson reports them, where Newton threw.
     */
    @Test
    void nonFiniteWeightsAreReportedNotConvergedAsByAnderson() {
        Random rng = new Random(2);
        DMatrix w = TestNets.randn(16, 16, 0.5 / 4, rng);
        w.set(3, 3, Double.NaN);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(4).units(16).outputs(3).recurrentWeights(w)
                .nonlinearity(new Nonlinearity.Tanh()).build();
        DMatrix x = TestNets.randn(5, 4, 1, rng);
        for (SolverConfig c : new SolverConfig[] {SolverConfig.newton(100, 1e-6), SolverConfig.anderson(5, 1.0, 100, 1e-6)}) {
            Equilibrium eq = new EquilibriumSolver(c).solve(net, x);
            assertEquals(0, eq.convergedCount(), c.method());
            assertTrue(Double.isNaN(eq.maxResidual()), c.method() + ": " + eq.maxResidual());
        }
    }
}
