package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.junit.jupiter.api.Test;

/**
 * The forward solve preconditioned by the batch's mean gains at rest ({@link MeanGainForwardMap},
 * {@link SolverConfig#meanGain()}): it reaches the fixed point r = f(W r + h) of the plain solve to
 * the same tolerance, measured on the true residual, in fewer iterations; where it does not apply it
 * leaves the solve as it was, bit for bit.
 */
class MeanGainForwardTest {
    private static final int N = 64;
    private static final int B = 96;
    private static final SolverConfig PLAIN = SolverConfig.anderson(5, 1.0, 500, 1e-6);

    private static FixedPointNetwork net(double scale, Precision p, Dynamics d, Nonlinearity f) {
        return FixedPointNetwork.builder().inputs(20).units(N).outputs(4).precision(p).dynamics(d)
                .nonlinearity(f).recurrentScale(scale).seed(7).build();
    }

    private static Matrix inputs(int rows, Precision p) {
        return TestNets.randn(rows, 20, 1, new Random(8)).to(p);
    }

    @Test
    void reachesThePlainFixedPointInFewerIterations() {
        for (double scale : new double[] {0.8, 1.5}) {
            FixedPointNetwork net = net(scale, Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh());
            Matrix x = inputs(B, Precision.FLOAT);
            Equilibrium plain = new EquilibriumSolver(PLAIN).solve(net, x).copy();
            Equilibrium pre = new EquilibriumSolver(PLAIN.withMeanGain(true)).solve(net, x).copy();
            double diff = 0;
            for (int i = 0; i < plain.rates().size(); i++) {
                diff = Math.max(diff, Math.abs(plain.rates().getFlat(i) - pre.rates().getFlat(i)));
            }
            for (int i = 0; i < B; i++) {
                assertTrue(pre.converged()[i], "sample " + i + " at scale " + scale);
                // the equilibrium's residual is the true one, from the exact product W r
                assertTrue(pre.residual()[i] <= 1e-6, "residual " + pre.residual()[i] + " at scale " + scale);
            }
            // both are within 1e-6 of the fixed point in residual, so within a few 1e-6 of each other
            assertTrue(diff < 2e-5, "rates differ by " + diff + " at scale " + scale);
            long p = TestNets.totalIterations(plain.iterations());
            long q = TestNets.totalIterations(pre.iterations());
            System.out.printf("mean-gain forward, W scale %.1f: %d iterations against %d plain, rates within %.1e%n",
                    scale, q, p, diff);
            assertTrue(q < 0.7 * p, q + " preconditioned iterations against " + p + " plain at scale " + scale);
        }
    }

    @Test
    void whereItDoesNotApplyTheSolveIsThePlainOneBitForBit() {
        // double precision, current dynamics, and a batch too small for its N (MeanGainPreconditioner.paysForward)
        FixedPointNetwork[] nets = {
            net(0.8, Precision.DOUBLE, Dynamics.RATE, new Nonlinearity.Tanh()),
            net(0.8, Precision.FLOAT, Dynamics.CURRENT, new Nonlinearity.Tanh()),
            net(0.8, Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh()),
        };
        int[] rows = {B, B, N - 1};
        for (int k = 0; k < nets.length; k++) {
            Matrix x = inputs(rows[k], nets[k].precision());
            Equilibrium plain = new EquilibriumSolver(PLAIN).solve(nets[k], x).copy();
            Equilibrium pre = new EquilibriumSolver(PLAIN.withMeanGain(true)).solve(nets[k], x).copy();
            assertArrayEquals(TestNets.bits(plain.state()), TestNets.bits(pre.state()), "case " + k);
            assertArrayEquals(plain.iterations(), pre.iterations(), "case " + k);
        }
    }

    @Test
    void aSingularMeanGainMatrixLeavesThePlainSolve() {
        // W = 2 I with gains at rest of 1/2 (h = atanh(1/sqrt 2)) makes I - diag(gbar) W singular
        FixedPointNetwork net = net(0.8, Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh());
        FMatrix w = (FMatrix) net.params().get("W");
        w.fill(0);
        for (int j = 0; j < N; j++) {
            w.data[j * N + j] = 2f;
        }
        FMatrix gains = new FMatrix(B, N);
        gains.fill(0.5);
        MeanGainPreconditioner pre = new MeanGainPreconditioner();
        assertEquals(false, pre.prepare(w, gains));
    }

    @Test
    void aResidualTenTimesTheFirstCountsAsDivergedAndTheSolveEndsPlain() {
        FixedPointNetwork net = net(0.8, Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh());
        FMatrix h = (FMatrix) TestNets.randn(4, N, 1, new Random(9)).to(Precision.FLOAT);
        FMatrix gains = new FMatrix(4, N);
        net.nonlinearity().derivative(h, gains);
        MeanGainPreconditioner pre = new MeanGainPreconditioner();
        assertTrue(pre.prepare(net.params().get("W"), gains));
        MeanGainForwardMap map = new MeanGainForwardMap(net.nonlinearity(), pre.operator(), pre.meanGains(), h,
                new org.fprnn.linalg.Workspace());
        FMatrix pairs = new FMatrix(4, 2 * N);
        FMatrix out = new FMatrix(4, 2 * N);
        map.apply(pairs, out); // at rest: the first residuals, max|tanh(h)|
        double first = map.residual(0, 0);
        double first1 = map.residual(1, 0);
        assertTrue(first > 0 && first < 1, "first residual " + first);
        // a state far from the fixed point: r of 20 against rates of at most 1
        for (int j = 0; j < N; j++) {
            pairs.data[j] = 20f;
        }
        map.apply(pairs, out);
        assertEquals(Double.POSITIVE_INFINITY, map.residual(0, 0));
        assertEquals(first1, map.residual(1, 0), "the other rows are measured as before");
    }

    @Test
    void theSettingIsForAndersonOnly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SolverConfig.euler(0.5, 100, 1e-6).withMeanGain(true));
        assertTrue(e.getMessage().contains("anderson"), e.getMessage());
        SolverConfig c = PLAIN.withMeanGain(true);
        assertTrue(c.withTol(1e-7).withMaxIter(9).withChunkRows(32).meanGain());
        assertEquals(false, PLAIN.meanGain());
    }
}
