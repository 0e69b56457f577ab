package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 8: a tolerance below what the precision can reach must not keep a solver going to an
 * enormous iteration limit. Every iterative solver stops a sample whose best residual has not fallen
 * by {@link SolverConfig#STALL_DECREASE} in {@link SolverConfig#STALL_ITERATIONS} iterations and
 * reports it as not converged; fixed-step Euler (tol = 0) still runs exactly its steps.
 */
class StagnationTest {
    static final int HUGE = 2_000_000_000;

    @Test
    void unreachableToleranceStopsEverySolverAfterTheStallWindow() {
        FixedPointNetwork net = TestNets.tanhNet(5, 12, 3, 0.6, Dynamics.RATE, 3);
        Batch batch = TestNets.labelled(4, 5, 3, 1.0, 4);
        SolverConfig[] configs = {
            SolverConfig.euler(0.5, HUGE, 1e-300),
            SolverConfig.picard(1.0, HUGE, 1e-300),
            SolverConfig.anderson(5, 0.5, HUGE, 1e-300),
            SolverConfig.newton(HUGE, 1e-300),
            new SolverConfig("broyden", 1e-300, HUGE, 1.0, 8, 1.0),
        };
        for (SolverConfig c : configs) {
            Equilibrium eq = new EquilibriumSolver(c).solve(net, batch.x());
            // A few hundred iterations reach round-off; then at most a few stall windows (each new
            // record low by 0.1% restarts one, and records at round-off level get rare quickly).
            assertTrue(eq.iterationsMax() < 20 * SolverConfig.STALL_ITERATIONS,
                    c.method() + " ran " + eq.iterationsMax() + " iterations");
            assertTrue(eq.iterationsMax() >= SolverConfig.STALL_ITERATIONS || eq.convergedCount() == 4,
                    c.method() + " stopped before a whole window: " + eq.iterationsMax());
            assertTrue(eq.maxResidual() < 1e-13, c.method() + " reached round-off: " + eq.maxResidual());
            // Converged only where the residual is exactly 0 (<= 1e-300).
            for (int i = 0; i < 4; i++) {
                assertEquals(eq.residual()[i] <= 1e-300, eq.converged()[i], c.method() + " sample " + i);
            }
        }
    }

    @Test
    void aDivergingSampleStopsToo() {
        // Linear, W = 1.01 I: the map r -> 1.01 r + h has its fixed point at -100 h, but the plain
        // iteration runs away from it: the residual grows by 1.01 per step and never improves on the first.
        org.fprnn.linalg.DMatrix w = new org.fprnn.linalg.DMatrix(3, 3);
        for (int i = 0; i < 3; i++) {
            w.set(i, i, 1.01);
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(2).units(3).outputs(2).precision(Precision.DOUBLE)
                .nonlinearity(new Nonlinearity.Linear(1.0)).recurrentWeights(w).seed(1).build();
        Batch batch = TestNets.labelled(2, 2, 2, 1.0, 5);
        Equilibrium eq = new EquilibriumSolver(SolverConfig.picard(1.0, HUGE, 1e-8)).solve(net, batch.x());
        assertEquals(0, eq.convergedCount());
        assertEquals(SolverConfig.STALL_ITERATIONS, eq.iterationsMax(), "stops one window after its best residual");
    }

    @Test
    void fixedStepEulerStillRunsExactlyItsSteps() {
        FixedPointNetwork net = TestNets.tanhNet(5, 12, 3, 0.6, Dynamics.RATE, 3);
        Batch batch = TestNets.labelled(4, 5, 3, 1.0, 4);
        int steps = 3 * SolverConfig.STALL_ITERATIONS;
        Equilibrium eq = new EquilibriumSolver(SolverConfig.euler(0.5, steps, 0)).solve(net, batch.x());
        assertEquals(steps, eq.iterationsMax());
    }
}
