package org.fprnn.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Along a slowly varying sequence of inputs, solving each fixed point from the previous one reaches
 * the same fixed points as solving each from rest, with fewer solver iterations in total.
 */
class WarmStartTest {
    static final int STEPS = 60;

    /** 60 inputs along a cosine morph between two random inputs, for a batch of 3. */
    static Matrix[] sequence() {
        DMatrix xa = TestNets.randn(3, 6, 1, new Random(1));
        DMatrix xb = TestNets.randn(3, 6, 1, new Random(2));
        Stimulus s = Stimulus.morph(xa, xb, 0, STEPS - 1);
        Matrix[] xs = new Matrix[STEPS];
        for (int k = 0; k < STEPS; k++) {
            xs[k] = new DMatrix(3, 6);
            s.input(k, xs[k]);
        }
        return xs;
    }

    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void warmStartsReachTheSameFixedPointsWithFewerIterations(Dynamics dyn) {
        FixedPointNetwork net = TestNets.tanhNet(6, 40, 2, 0.9, dyn, 5);
        Matrix[] xs = sequence();
        SolverConfig[] configs = {
            SolverConfig.of("anderson", 1e-10, 2000),
            SolverConfig.euler(0.5, 100_000, 1e-10),
        };
        for (SolverConfig c : configs) {
            WarmStarts ws = WarmStarts.compare(net, xs, c);
            System.out.printf(Locale.ROOT, "warm starts, %s dynamics, %s: %d iterations warm, %d cold (%.0f%% saved),"
                            + " max |r*_warm - r*_cold| = %.2e%n", dyn.label(), c.method(), ws.warmIterations(),
                    ws.coldIterations(), 100 * ws.saving(), ws.maxDifference());
            assertTrue(ws.warm().allConverged() && ws.cold().allConverged());
            assertTrue(ws.maxDifference() < 1e-8, "warm and cold fixed points differ by " + ws.maxDifference());
            assertTrue(ws.warmIterations() < ws.coldIterations(),
                    ws.warmIterations() + " warm vs " + ws.coldIterations() + " cold");
            assertEquals(ws.warm().rates().get(0, 0), ws.cold().rates().get(0, 0), 1e-8);
        }
    }
}
