package org.fprnn.simulate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SimulatorTest {

    static double[] data(Matrix m) {
        return m instanceof DMatrix d ? d.data : m.toDoubleArray();
    }

    @Test
    void noiseOffIsDeterministicAndSeededNoiseRepeatsBitwise() {
        FixedPointNetwork net = TestNets.tanhNet(5, 20, 2, 0.8, Dynamics.RATE, 3);
        DMatrix xa = TestNets.randn(3, 5, 1, new Random(4));
        DMatrix xb = TestNets.randn(3, 5, 1, new Random(5));
        Stimulus s = Stimulus.morph(xa, xb, 1, 4);
        SimulationSettings quiet = SimulationSettings.of(0.05, 1, 300).withRecordEvery(7);
        Trajectory a = new Simulator(net).run(s, quiet);
        Simulator sim = new Simulator(net);
        sim.run(Stimulus.constant(xb), quiet);
        Trajectory b = sim.run(s, quiet);
        assertArrayEquals(data(a.rates()), data(b.rates()), "noise off: the same trajectory, bit for bit");
        assertEquals(300 / 7 + 1, a.records());
        assertEquals(7 * 0.05, a.times()[1], 1e-15);

        SimulationSettings noisy = quiet.withNoise(0.1, 42);
        Trajectory n1 = sim.run(s, noisy);
        Trajectory n2 = new Simulator(net).run(s, noisy);
        Trajectory n3 = sim.run(s, quiet.withNoise(0.1, 43));
        assertArrayEquals(data(n1.rates()), data(n2.rates()), "same seed: the same noise, bit for bit");
        assertFalse(Arrays.equals(data(n1.rates()), data(n3.rates())), "another seed: other noise");
        assertFalse(Arrays.equals(data(n1.rates()), data(a.rates())));
        // Float networks too.
        FixedPointNetwork f = FixedPointNetwork.builder().inputs(5).units(20).outputs(2).precision(Precision.FLOAT)
                .recurrentScale(0.8).seed(3).build();
        Trajectory f1 = new Simulator(f).run(s, noisy);
        Trajectory f2 = new Simulator(f).run(s, noisy);
        assertTrue(f1.rates() instanceof FMatrix);
        assertArrayEquals(((FMatrix) f1.rates()).data, ((FMatrix) f2.rates()).data);
    }

    /**
     * W = 0, f(z) = z, no input: each unit is an Ornstein-Uhlenbeck process whose Euler-Maruyama
     * discretization has stationary variance sigma^2 / (1 - alpha / 2), whatever dt (the sqrt(dt)
     * scaling of the increments).
     */
    @Test
    void noiseHasTheDocumentedStationaryVarianceForEveryDt() {
        int n = 50;
        int b = 40;
        double sigma = 0.3;
        double tau = 1.0;
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(1).units(n).outputs(1)
                .nonlinearity(new Nonlinearity.Linear(1)).recurrentWeights(new DMatrix(n, n))
                .inputWeights(new DMatrix(n, 1)).readoutWeights(new DMatrix(1, n)).build();
        Stimulus zero = Stimulus.constant(new DMatrix(b, 1));
        for (double dt : new double[] {0.1, 0.025}) {
            double burn = 10 * tau;
            double total = burn + 40 * tau;
            int steps = (int) Math.round(total / dt);
            int every = (int) Math.round(0.25 / dt);
            Trajectory t = new Simulator(net).run(zero, SimulationSettings.of(dt, tau, steps).withRecordEvery(every)
                    .withNoise(sigma, 9));
            double sum = 0;
            long count = 0;
            for (int k = 0; k < t.records(); k++) {
                if (t.times()[k] < burn) {
                    continue;
                }
                for (int i = 0; i < b; i++) {
                    for (int j = 0; j < n; j++) {
                        double v = t.get(k, i, j);
                        sum += v * v;
                        count++;
                    }
                }
            }
            double var = sum / count;
            double expected = sigma * sigma / (1 - dt / tau / 2);
            System.out.printf(Locale.ROOT, "OU noise: dt %.3f, variance %.5f, expected %.5f (sigma^2 = %.5f)%n",
                    dt, var, expected, sigma * sigma);
            assertEquals(expected, var, 0.03 * expected);
        }
    }

    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void everyDynamicsSettlesOnTheSolversFixedPoint(Dynamics dyn) {
        FixedPointNetwork net = TestNets.tanhNet(4, 25, 2, 0.7, dyn, 8);
        DMatrix x = TestNets.randn(3, 4, 1, new Random(9));
        Equilibrium eq = new EquilibriumSolver(SolverConfig.newton(50, 1e-13)).solve(net, x);
        double dt = dyn == Dynamics.DISCRETE ? 1 : 0.1;
        Trajectory t = new Simulator(net).run(Stimulus.constant(x), SimulationSettings.of(dt, 1, 3000).withRecordEvery(3000));
        Matrix last = t.ratesAt(t.records() - 1);
        assertTrue(TestNets.relErr(last, eq.rates()) < 1e-10, dyn + ": " + TestNets.relErr(last, eq.rates()));
        // Starting at the fixed point (the solver's state: v for current dynamics), the network stays there.
        Trajectory still = new Simulator(net).run(Stimulus.constant(x), SimulationSettings.of(dt, 1, 50), eq.state());
        for (int k = 0; k < still.records(); k++) {
            assertTrue(TestNets.relErr(still.ratesAt(k), eq.rates()) < 1e-12);
        }
    }

    /** Discrete dynamics with W = 0, U = I: r after step k + 1 is x(t_k), which shows the frame held at each step. */
    @Test
    void sequenceHoldsEachFrameForItsDurationAndKeepsTheLastOne() {
        int n = 2;
        int b = 2;
        DMatrix eye = new DMatrix(n, n);
        eye.set(0, 0, 1);
        eye.set(1, 1, 1);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(n).units(n).outputs(1).dynamics(Dynamics.DISCRETE)
                .nonlinearity(new Nonlinearity.Linear(1)).recurrentWeights(new DMatrix(n, n)).inputWeights(eye)
                .readoutWeights(new DMatrix(1, n)).build();
        Matrix[] frames = new Matrix[4];
        for (int f = 0; f < frames.length; f++) {
            frames[f] = new DMatrix(b, n, new double[] {f, -f, 10 + f, 20 + f});
        }
        double dt = 0.1;
        Trajectory t = new Simulator(net).run(Stimulus.sequence(frames, 3 * dt), SimulationSettings.of(dt, 1, 15));
        for (int k = 1; k < t.records(); k++) {
            int frame = Math.min(3, (k - 1) / 3);
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(frames[frame].get(i, j), t.get(k, i, j), 0, "record " + k);
                }
            }
        }
        assertEquals(1.5, t.times()[15], 1e-12);
    }

    @Test
    void samplesOfABatchAreIndependent() {
        FixedPointNetwork net = TestNets.tanhNet(4, 16, 2, 0.9, Dynamics.CURRENT, 2);
        DMatrix xa = TestNets.randn(4, 4, 1, new Random(1));
        DMatrix xb = TestNets.randn(4, 4, 1, new Random(2));
        SimulationSettings s = SimulationSettings.of(0.1, 1, 200).withRecordEvery(10);
        Trajectory all = new Simulator(net).run(Stimulus.periodic(xa, xb, 7), s);
        for (int i = 0; i < 4; i++) {
            DMatrix a = new DMatrix(1, 4);
            DMatrix bb = new DMatrix(1, 4);
            a.copyRow(xa, i, 0);
            bb.copyRow(xb, i, 0);
            Trajectory one = new Simulator(net).run(Stimulus.periodic(a, bb, 7), s);
            for (int k = 0; k < one.records(); k++) {
                for (int j = 0; j < 16; j++) {
                    assertEquals(one.get(k, 0, j), all.get(k, i, j), 1e-13);
                }
            }
        }
    }

    @Test
    void functionStimulusAndBlendAgree() {
        FixedPointNetwork net = TestNets.tanhNet(3, 10, 2, 0.8, Dynamics.RATE, 6);
        DMatrix xa = TestNets.randn(2, 3, 1, new Random(1));
        DMatrix xb = TestNets.randn(2, 3, 1, new Random(2));
        Stimulus morph = Stimulus.morph(xa, xb, 0.5, 2);
        Stimulus fn = Stimulus.function(2, 3, t -> {
            DMatrix x = new DMatrix(2, 3);
            morph.input(t, x);
            return x;
        });
        SimulationSettings s = SimulationSettings.of(0.05, 0.5, 80);
        Trajectory a = new Simulator(net).run(morph, s);
        Trajectory b = new Simulator(net).run(fn, s);
        for (int i = 0; i < a.rates().size(); i++) {
            assertEquals(a.rates().getFlat(i), b.rates().getFlat(i), 1e-13);
        }
        assertThrows(IllegalArgumentException.class, () -> new Simulator(net).run(Stimulus.constant(new DMatrix(2, 4)), s));
        assertThrows(IllegalArgumentException.class, () -> new Simulator(net).run(morph, s, new DMatrix(3, 10)));
        assertThrows(IllegalArgumentException.class, () -> SimulationSettings.of(0, 1, 10));
        assertThrows(IllegalArgumentException.class, () -> s.withNoise(-1, 0));
    }

    @Test
    void aDivergingRunStopsAndReportsIt() {
        int n = 3;
        DMatrix w = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            w.set(i, i, 3.0);
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(1).units(n).outputs(1)
                .nonlinearity(new Nonlinearity.Linear(1)).recurrentWeights(w).inputWeights(TestNets.randn(n, 1, 1, new Random(1)))
                .readoutWeights(new DMatrix(1, n)).build();
        Trajectory t = new Simulator(net).run(Stimulus.constant(new DMatrix(1, 1, new double[] {1})),
                SimulationSettings.of(0.5, 1, 100_000).withRecordEvery(100));
        assertTrue(t.diverged());
        assertTrue(t.stepsTaken() < 100_000);
        assertTrue(Double.isNaN(t.get(t.records() - 1, 0, 0)));
        assertEquals(t.records() - 1, (int) (t.steps()[t.records() - 1] / 100));
    }

    /**
     * A small perturbation of a fixed point along the slowest mode decays at the rate 1 / tau_relax
     * that {@link RelaxationTime} predicts, with per-unit time constants, for rate dynamics
     * (perturbing r along an eigenvector of T^-1 (G W - I)) and current dynamics (perturbing v along
     * one of T^-1 (W G - I), which has the same eigenvalues). W is symmetric, so the spectrum is real.
     */
    @ParameterizedTest
    @EnumSource(value = Dynamics.class, names = {"RATE", "CURRENT"})
    void perturbationsDecayAtOneOverTauRelaxWithPerUnitTau(Dynamics dyn) {
        int n = 12;
        Random rng = new Random(21);
        DMatrix w = TestNets.randn(n, n, 1.0 / Math.sqrt(n), rng);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double v = 0.5 * (w.get(i, j) + w.get(j, i));
                w.set(i, j, v);
                w.set(j, i, v);
            }
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(n).outputs(1).dynamics(dyn)
                .nonlinearity(new Nonlinearity.Tanh()).recurrentWeights(w)
                .inputWeights(TestNets.randn(n, 3, 1.0, rng)).readoutWeights(new DMatrix(1, n)).build();
        DMatrix x = TestNets.randn(1, 3, 1.0, rng);
        double[] taus = new double[n];
        for (int i = 0; i < n; i++) {
            taus[i] = 0.5 + 2.5 * i / (n - 1);
        }
        Equilibrium eq = new EquilibriumSolver(SolverConfig.newton(50, 1e-14)).solve(net, x);
        RelaxationTime rt = RelaxationTime.atFixedPoints(net, eq.z(), 1, taus, 0.001);
        // The linearization, built here independently: T^-1 (G W - I) or T^-1 (W G - I).
        org.ejml.data.DMatrixRMaj m = new org.ejml.data.DMatrixRMaj(n, n);
        for (int j = 0; j < n; j++) {
            for (int k = 0; k < n; k++) {
                double g = 1 - Math.pow(Math.tanh(eq.z().get(0, dyn == Dynamics.RATE ? j : k)), 2);
                m.set(j, k, (g * w.get(j, k) - (j == k ? 1 : 0)) / taus[j]);
            }
        }
        var eig = org.ejml.dense.row.factory.DecompositionFactory_DDRM.eig(n, true);
        assertTrue(eig.decompose(m.copy()));
        int slow = 0;
        for (int i = 1; i < n; i++) {
            if (eig.getEigenvalue(i).real > eig.getEigenvalue(slow).real) {
                slow = i;
            }
        }
        assertEquals(0, eig.getEigenvalue(slow).imaginary, 1e-12);
        assertEquals(-1 / rt.value(), eig.getEigenvalue(slow).real, 1e-10);
        var vec = eig.getEigenVector(slow);
        Matrix start = eq.state().copy();
        for (int j = 0; j < n; j++) {
            start.set(0, j, start.get(0, j) + 1e-6 * vec.get(j));
        }
        double dt = 0.001;
        int steps = (int) Math.round(5 * rt.value() / dt);
        Trajectory t = new Simulator(net).run(Stimulus.constant(x),
                SimulationSettings.of(dt, 1, steps).withTauPerUnit(taus).withRecordEvery(steps / 5), start);
        double[] dist = new double[t.records()];
        for (int k = 0; k < t.records(); k++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                double e = t.get(k, 0, j) - eq.rates().get(0, j);
                s += e * e;
            }
            dist[k] = Math.sqrt(s);
        }
        double rate = Math.log(dist[0] / dist[5]) / (t.times()[5] - t.times()[0]);
        System.out.printf(Locale.ROOT, "%s, per-unit tau: perturbation along the slowest mode decays at %.6f,"
                + " 1/tau_relax = %.6f%n", dyn.label(), rate, 1 / rt.value());
        assertEquals(1 / rt.value(), rate, 1e-3 / rt.value());
    }
}
