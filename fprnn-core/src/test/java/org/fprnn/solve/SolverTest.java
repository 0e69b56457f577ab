package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SolverTest {

    private static final SolverConfig[] ALL = {
        SolverConfig.euler(0.5, 5000, 1e-12),
        SolverConfig.picard(1.0, 5000, 1e-12),
        SolverConfig.anderson(5, 1.0, 500, 1e-12),
        SolverConfig.newton(50, 1e-12),
        new SolverConfig("broyden", 1e-12, 500, 1.0, 8, 1.0),
    };

    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void allSolversReachTheSameFixedPoint(Dynamics dyn) {
        FixedPointNetwork net = TestNets.tanhNet(7, 20, 3, 0.7, dyn, 11);
        Batch batch = TestNets.labelled(9, 7, 3, 1.0, 12);
        Equilibrium ref = null;
        for (SolverConfig c : ALL) {
            Equilibrium eq = new EquilibriumSolver(c).solve(net, batch.x()).copy();
            assertTrue(eq.convergedCount() == 9, c.method() + " converged " + eq.convergedCount() + "/9");
            assertTrue(eq.maxResidual() < 1e-11, c.method() + " residual " + eq.maxResidual());
            if (ref == null) {
                ref = eq;
            } else {
                assertTrue(TestNets.relErr(ref.rates(), eq.rates()) < 1e-10, c.method() + " differs");
            }
        }
    }

    /**
     * Symmetric W scaled to spectral radius 0.9, small inputs (G close to I). For a real spectrum
     * Anderson (GMRES-like) converges much faster than the plain iteration; for a random non-symmetric
     * W whose eigenvalues fill a disk it does not (GMRES on a disk spectrum contracts no faster than
     * the radius), so this fact is stated and tested for the symmetric case.
     */
    @Test
    void andersonNeedsFarFewerIterationsThanDampedIterationNearRadius09() {
        int n = 60;
        Random rng = new Random(3);
        DMatrix w = TestNets.randn(n, n, 1.0 / Math.sqrt(n), rng);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double v = 0.5 * (w.data[i * n + j] + w.data[j * n + i]);
                w.data[i * n + j] = v;
                w.data[j * n + i] = v;
            }
        }
        // Scale to spectral radius 0.9 of G W at small rates (G ~ I), measured with EJML.
        double rho = org.fprnn.diag.Spectra.spectralRadius(w);
        for (int i = 0; i < w.data.length; i++) {
            w.data[i] *= 0.9 / rho;
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(5).units(n).outputs(2)
                .recurrentWeights(w).dynamics(Dynamics.RATE).seed(4).build();
        Batch batch = TestNets.labelled(16, 5, 2, 0.05, 5);
        Equilibrium picard = new EquilibriumSolver(SolverConfig.picard(1.0, 5000, 1e-8)).solve(net, batch.x()).copy();
        Equilibrium anderson = new EquilibriumSolver(SolverConfig.anderson(10, 1.0, 5000, 1e-8)).solve(net, batch.x());
        assertEquals(16, picard.convergedCount());
        assertEquals(16, anderson.convergedCount());
        assertTrue(anderson.iterationsMax() * 3 < picard.iterationsMax(),
                "anderson " + anderson.iterationsMax() + " vs picard " + picard.iterationsMax());
        assertTrue(TestNets.relErr(picard.rates(), anderson.rates()) < 1e-6);
    }

    @Test
    void aNetworkThatCannotConvergeIsReportedAsNotConverged() {
        // Strong recurrence with a linear unit: no stable fixed point, the state grows.
        int n = 10;
        Random rng = new Random(7);
        DMatrix w = TestNets.randn(n, n, 3.0 / Math.sqrt(n), rng);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(n).outputs(2)
                .recurrentWeights(w).nonlinearity(new Nonlinearity.Relu()).seed(1).build();
        Batch batch = TestNets.labelled(4, 3, 2, 1.0, 8);
        for (SolverConfig c : new SolverConfig[] {SolverConfig.euler(0.1, 300, 1e-8),
                SolverConfig.anderson(5, 0.5, 100, 1e-8), SolverConfig.picard(1.0, 100, 1e-8)}) {
            Equilibrium eq = new EquilibriumSolver(c).solve(net, batch.x());
            assertTrue(eq.convergedCount() < 4, c.method() + " claimed convergence");
            for (int i = 0; i < 4; i++) {
                if (!eq.converged()[i]) {
                    assertFalse(eq.residual()[i] <= 1e-8, "unconverged sample with a small residual");
                }
            }
        }
    }

    /**
     * G W with an eigenvalue at -2: stable for the rate dynamics, but the plain iteration diverges.
     * Damped Anderson and Newton still converge.
     */
    @Test
    void rateStableButDiscreteUnstableNetwork() {
        int n = 8;
        DMatrix w = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            w.data[i * n + i] = i == 0 ? -2.0 : 0.3;
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(2).units(n).outputs(2)
                .recurrentWeights(w).nonlinearity(new Nonlinearity.Linear(1.0)).seed(2).build();
        Batch batch = TestNets.labelled(3, 2, 2, 1.0, 9);
        Equilibrium plain = new EquilibriumSolver(SolverConfig.picard(1.0, 200, 1e-10)).solve(net, batch.x());
        assertEquals(0, plain.convergedCount());
        for (SolverConfig c : new SolverConfig[] {SolverConfig.anderson(5, 0.3, 500, 1e-10),
                SolverConfig.newton(20, 1e-10), SolverConfig.euler(0.2, 5000, 1e-10),
                new SolverConfig("direct", 1e-10, 3, 1.0, 5, 1.0)}) {
            Equilibrium eq = new EquilibriumSolver(c).solve(net, batch.x());
            assertEquals(3, eq.convergedCount(), c.method());
        }
    }

    /** An empty batch (a slice of no rows) solves to an empty result with every method's default chunking. */
    @Test
    void anEmptyBatchGivesAnEmptyEquilibrium() {
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(5).outputs(2).precision(p).seed(1).build();
            for (String method : new String[] {"anderson", "picard", "euler", "broyden", "newton"}) {
                Equilibrium eq = new EquilibriumSolver(SolverConfig.of(method, 1e-6, 50)).solve(net, p.zeros(0, 3));
                assertEquals(0, eq.rates().rows, method);
                assertEquals(0, eq.convergedCount(), method);
            }
        }
    }

    @Test
    void directSolverRefusesNonlinearNetworks() {
        FixedPointNetwork net = TestNets.tanhNet(3, 5, 2, 0.5, Dynamics.RATE, 1);
        Batch batch = TestNets.labelled(2, 3, 2, 1.0, 1);
        var s = new EquilibriumSolver(new SolverConfig("direct", 1e-10, 3, 1.0, 5, 1.0));
        assertThrows(IllegalArgumentException.class, () -> s.solve(net, batch.x()));
    }

    @Test
    void eulerWithZeroToleranceRunsExactlyItsSteps() {
        FixedPointNetwork net = TestNets.tanhNet(3, 5, 2, 0.5, Dynamics.RATE, 1);
        Batch batch = TestNets.labelled(4, 3, 2, 1.0, 1);
        Equilibrium eq = new EquilibriumSolver(SolverConfig.euler(0.01, 37, 0)).solve(net, batch.x());
        for (int it : eq.iterations()) {
            assertEquals(37, it);
        }
        // One Euler step by hand on the closed form, to pin the update: r1 = alpha f(h).
        Equilibrium one = new EquilibriumSolver(SolverConfig.euler(0.01, 1, 0)).solve(net, batch.x());
        Matrix h = one.h();
        for (int i = 0; i < h.size(); i++) {
            assertEquals(0.01 * Math.tanh(h.getFlat(i)), one.rates().getFlat(i), 1e-15);
        }
    }

    @Test
    void warmStartFromTheFixedPointNeedsNoIterations() {
        FixedPointNetwork net = TestNets.tanhNet(4, 12, 2, 0.6, Dynamics.CURRENT, 5);
        Batch batch = TestNets.labelled(6, 4, 2, 1.0, 6);
        var solver = new EquilibriumSolver(SolverConfig.anderson(5, 1.0, 200, 1e-10));
        Equilibrium cold = solver.solve(net, batch.x()).copy();
        Equilibrium warm = solver.solve(net, batch.x(), cold.state());
        assertEquals(0, warm.iterationsMax());
        assertTrue(TestNets.relErr(cold.rates(), warm.rates()) < 1e-15);
    }
}
