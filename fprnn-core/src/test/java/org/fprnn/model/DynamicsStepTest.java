package org.fprnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.fprnn.linalg.DMatrix;
import org.junit.jupiter.api.Test;

/** Phi of MATH section 1 on a two-unit network whose values are written out by hand. */
class DynamicsStepTest {
    /** W = [[0, 0.5], [-0.5, 0]], U = I, one sample with r (or v) = (1, 2) and h = (0.1, 0.2). */
    private static FixedPointNetwork net(Dynamics dyn) {
        return FixedPointNetwork.builder().inputs(2).units(2).outputs(1).dynamics(dyn)
                .nonlinearity(new Nonlinearity.Tanh())
                .recurrentWeights(new DMatrix(2, 2, new double[] {0, 0.5, -0.5, 0}))
                .inputWeights(new DMatrix(2, 2, new double[] {1, 0, 0, 1}))
                .readoutWeights(new DMatrix(1, 2)).build();
    }

    private static final DMatrix S = new DMatrix(1, 2, new double[] {1, 2});
    private static final DMatrix H = new DMatrix(1, 2, new double[] {0.1, 0.2});

    @Test
    void rateAndDiscreteDynamicsMapRatesThroughF() {
        for (Dynamics dyn : new Dynamics[] {Dynamics.RATE, Dynamics.DISCRETE}) {
            DMatrix out = new DMatrix(1, 2);
            new DynamicsStep(net(dyn)).apply(S, H, null, out);
            // z = W r + h = (0.5 * 2 + 0.1, -0.5 * 1 + 0.2) = (1.1, -0.3)
            assertArrayEquals(new double[] {Math.tanh(1.1), Math.tanh(-0.3)}, out.data, 1e-15, dyn.label());
            DMatrix z = new DMatrix(1, 2);
            new DynamicsStep(net(dyn)).totalInput(S, H, z);
            assertArrayEquals(new double[] {1.1, -0.3}, z.data, 1e-15);
        }
    }

    @Test
    void currentDynamicsMapCurrentsThroughWOfTheirRates() {
        DMatrix out = new DMatrix(1, 2);
        DMatrix rates = new DMatrix(1, 2);
        DynamicsStep step = new DynamicsStep(net(Dynamics.CURRENT));
        step.apply(S, H, rates, out);
        // W f(v) + h = (0.5 tanh(2) + 0.1, -0.5 tanh(1) + 0.2)
        assertArrayEquals(new double[] {0.5 * Math.tanh(2) + 0.1, -0.5 * Math.tanh(1) + 0.2}, out.data, 1e-15);
        assertThrows(IllegalStateException.class, () -> step.totalInput(S, H, out));
    }

    @Test
    void perUnitStepsAreAlphaOverTau() {
        assertArrayEquals(new double[] {0.3, 0.1, 0.6}, DynamicsStep.stepSizes(0.3, new double[] {1, 3, 0.5},
                new double[3]), 1e-15);
    }
}
