package org.fprnn.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * A linear network f(z) = z with symmetric W = Q diag(lambda) Q^T and scalar tau, where the response
 * to a moving input is known in closed form (MATH sections 1 and 7). With r* = (I - W)^{-1} U x:
 *
 * <ul>
 *   <li>step x(t) = xb from r(0) = r*(xa): r(t) = r*(xb) + Q exp(-(1 - lambda) t / tau) Q^T (r(0) - r*(xb)),
 *       a sum of exponentials with rates (1 - lambda_i) / tau. Forward Euler with alpha = dt / tau
 *       replaces exp(-(1 - lambda) t / tau) by (1 - alpha (1 - lambda))^k exactly, so the simulation
 *       matches that to round-off and the continuous solution to O(dt);</li>
 *   <li>ramp x(t) = x0 + v t: the error e = r - r*(x(t)) obeys tau de/dt = -(I - W) e - tau c with
 *       c = dr and dr = (I - W)^{-1} U v, so e(t) = e_inf + Q exp(-(1 - lambda) t / tau) Q^T (e(0) - e_inf)
 *       with the steady lag e_inf = -tau (I - W)^{-1} c = -tau (I - W)^{-2} U v. Euler has exactly
 *       the same steady lag: e_{k+1} = (I - alpha (I - W)) e_k - dt c is stationary at
 *       alpha (I - W) e = -dt c.</li>
 * </ul>
 */
class LinearTrackingTest {
    static final int N = 8;
    static final int NIN = 3;
    static final double TAU = 2.0;
    /** Eigenvalues of W: one slow mode at 0.9, the rest spread down to -1.5. */
    static final double[] LAMBDA = {0.9, 0.6, 0.3, 0.0, -0.2, -0.5, -1.0, -1.5};

    final DMatrix q = orthogonal(N, new Random(1));
    final DMatrix w = fromEigen(q, LAMBDA);
    final DMatrix u = TestNets.randn(N, NIN, 1.0, new Random(2));
    final FixedPointNetwork net = FixedPointNetwork.builder().inputs(NIN).units(N).outputs(1)
            .nonlinearity(new Nonlinearity.Linear(1.0)).dynamics(Dynamics.RATE)
            .recurrentWeights(w).inputWeights(u).readoutWeights(new DMatrix(1, N)).build();

    // ------------------------------------------------------------------------- closed forms

    static DMatrix orthogonal(int n, Random rng) {
        DMatrix a = TestNets.randn(n, n, 1, rng);
        DMatrix q = new DMatrix(n, n);
        for (int c = 0; c < n; c++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = a.get(i, c);
            }
            for (int p = 0; p < c; p++) {
                double d = 0;
                for (int i = 0; i < n; i++) {
                    d += v[i] * q.get(i, p);
                }
                for (int i = 0; i < n; i++) {
                    v[i] -= d * q.get(i, p);
                }
            }
            double nrm = 0;
            for (double x : v) {
                nrm += x * x;
            }
            nrm = Math.sqrt(nrm);
            for (int i = 0; i < n; i++) {
                q.set(i, c, v[i] / nrm);
            }
        }
        return q;
    }

    /** Q diag(d) Q^T. */
    static DMatrix fromEigen(DMatrix q, double[] d) {
        int n = d.length;
        DMatrix m = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += q.get(i, k) * d[k] * q.get(j, k);
                }
                m.set(i, j, s);
            }
        }
        return m;
    }

    /** Q diag(g(lambda)) Q^T v. */
    double[] spectral(java.util.function.DoubleUnaryOperator g, double[] v) {
        double[] coef = new double[N];
        for (int k = 0; k < N; k++) {
            double s = 0;
            for (int i = 0; i < N; i++) {
                s += q.get(i, k) * v[i];
            }
            coef[k] = g.applyAsDouble(LAMBDA[k]) * s;
        }
        double[] out = new double[N];
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < N; k++) {
                out[i] += q.get(i, k) * coef[k];
            }
        }
        return out;
    }

    double[] uTimes(double[] x) {
        double[] out = new double[N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < NIN; j++) {
                out[i] += u.get(i, j) * x[j];
            }
        }
        return out;
    }

    /** r*(x) = (I - W)^{-1} U x. */
    double[] fixedPoint(double[] x) {
        return spectral(l -> 1 / (1 - l), uTimes(x));
    }

    static double[] sub(double[] a, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] - b[i];
        }
        return c;
    }

    static DMatrix row(double[] v) {
        return new DMatrix(1, v.length, v.clone());
    }

    static double maxAbsRow(Trajectory t, int k, double[] expected) {
        double m = 0;
        for (int j = 0; j < expected.length; j++) {
            m = Math.max(m, Math.abs(t.get(k, 0, j) - expected[j]));
        }
        return m;
    }

    // ------------------------------------------------------------------------- step

    /** Max over the run of |r(t_k) - exact continuous r(t_k)|, and checks the exact Euler map to round-off. */
    double stepError(double dt, double duration, double[] xa, double[] xb) {
        double[] ra = fixedPoint(xa);
        double[] rb = fixedPoint(xb);
        double[] d0 = sub(ra, rb);
        int steps = (int) Math.round(duration / dt);
        Trajectory t = new Simulator(net).run(Stimulus.step(row(xa), row(xb), 0),
                SimulationSettings.of(dt, TAU, steps), row(ra));
        double alpha = dt / TAU;
        double maxCont = 0;
        double maxEuler = 0;
        for (int k = 0; k < t.records(); k++) {
            double time = t.times()[k];
            int kk = k;
            double[] euler = spectral(l -> Math.pow(1 - alpha * (1 - l), kk), d0);
            double[] exact = spectral(l -> Math.exp(-(1 - l) * time / TAU), d0);
            for (int j = 0; j < N; j++) {
                euler[j] += rb[j];
                exact[j] += rb[j];
            }
            maxEuler = Math.max(maxEuler, maxAbsRow(t, k, euler));
            maxCont = Math.max(maxCont, maxAbsRow(t, k, exact));
        }
        assertTrue(maxEuler < 1e-12, "Euler map closed form: " + maxEuler);
        return maxCont;
    }

    @Test
    void stepResponseIsASumOfExponentialsWithFirstOrderEulerError() {
        double[] xa = {1.0, -0.5, 0.3};
        double[] xb = {-0.4, 0.8, 1.1};
        double duration = 15 * TAU / (1 - LAMBDA[0]);
        double e1 = stepError(0.02, duration, xa, xb);
        double e2 = stepError(0.01, duration, xa, xb);
        double e3 = stepError(0.005, duration, xa, xb);
        System.out.printf(Locale.ROOT, "step response: max |r - r_exact| = %.3e (dt 0.02), %.3e (0.01), %.3e (0.005);"
                + " ratios %.3f, %.3f%n", e1, e2, e3, e1 / e2, e2 / e3);
        assertTrue(e1 < 0.02, "error at dt 0.02: " + e1);
        assertEquals(2.0, e1 / e2, 0.1, "halving dt halves the error (first order)");
        assertEquals(2.0, e2 / e3, 0.1, "halving dt halves the error (first order)");
    }

    // ------------------------------------------------------------------------- ramp

    @Test
    void rampLagsByTauTimesInverseOfIMinusWTimesTheFixedPointVelocity() {
        double[] x0 = {0.2, -0.1, 0.5};
        double[] v = {0.03, 0.01, -0.02};
        double dt = 0.01;
        double tauRelax = TAU / (1 - LAMBDA[0]);
        int steps = (int) Math.round(30 * tauRelax / dt);
        Stimulus ramp = Stimulus.ramp(row(x0), row(v));
        SimulationSettings s = SimulationSettings.of(dt, TAU, steps).withRecordEvery(50);
        Trajectory t = new Simulator(net).run(ramp, s, row(fixedPoint(x0)));

        double[] c = fixedPoint(v); // dr*/dt = (I - W)^{-1} U v
        double[] eInf = spectral(l -> -TAU / (1 - l), c); // -tau (I - W)^{-1} c
        // The fixed points along the path, from the solver with warm starts.
        FixedPointPath path = FixedPointPath.along(net, ramp, t.times(),
                new EquilibriumSolver(SolverConfig.anderson(5, 1.0, 500, 1e-13)), true, null);
        TrackingError err = TrackingError.of(t, path, 0, t.times()[t.records() - 1]);
        double maxCont = 0;
        double maxLagEnd = 0;
        for (int k = 0; k < t.records(); k++) {
            double time = t.times()[k];
            double[] e = spectral(l -> Math.exp(-(1 - l) * time / TAU), sub(new double[N], eInf));
            double[] x = new double[NIN];
            for (int j = 0; j < NIN; j++) {
                x[j] = x0[j] + v[j] * time;
            }
            double[] rStar = fixedPoint(x);
            double[] expected = new double[N];
            double pathErr = 0;
            for (int j = 0; j < N; j++) {
                e[j] += eInf[j];
                expected[j] = rStar[j] + e[j];
                pathErr = Math.max(pathErr, Math.abs(path.rates().get(k, j) - rStar[j]));
            }
            assertTrue(pathErr < 1e-10, "solver fixed point vs (I - W)^{-1} U x at t = " + time + ": " + pathErr);
            maxCont = Math.max(maxCont, maxAbsRow(t, k, expected));
        }
        int last = t.records() - 1;
        double[] lag = new double[N];
        for (int j = 0; j < N; j++) {
            lag[j] = t.get(last, 0, j) - path.rates().get(last, j);
            maxLagEnd = Math.max(maxLagEnd, Math.abs(lag[j] - eInf[j]));
        }
        double norm = 0;
        for (double x : eInf) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        System.out.printf(Locale.ROOT, "ramp: |e_inf| = %.6f, tracking distance at the end %.6f, max |e - e_inf| at the end"
                + " %.2e, max |r - r_exact| over the run %.2e (dt %.3g)%n", norm, err.distance()[last], maxLagEnd, maxCont, dt);
        // After 30 tau_relax the transient is below e^-30: the Euler lag equals e_inf to round-off.
        assertTrue(maxLagEnd < 1e-10, "steady lag vs -tau (I - W)^{-1} dr*/dt: " + maxLagEnd);
        assertEquals(norm, err.distance()[last], 1e-10);
        // The whole transient matches the continuous solution to O(dt).
        assertTrue(maxCont < 5 * dt * norm, "transient vs closed form: " + maxCont);
    }

    // ------------------------------------------------------------------------- tau_relax

    @Test
    void relaxationTimeIsTauOverOneMinusLargestEigenvalue() {
        var eq = new EquilibriumSolver(SolverConfig.newton(20, 1e-13)).solve(net, row(new double[] {1, 0, 0}));
        RelaxationTime rt = RelaxationTime.atFixedPoints(net, eq.z(), TAU, null, 0.01);
        assertEquals(TAU / (1 - LAMBDA[0]), rt.value(), 1e-10);
        assertEquals(LAMBDA[0], rt.eigenvalue(), 1e-12);
        assertTrue(rt.method().startsWith("tau / (1 - max Re eig(G W))"), rt.method());
        // Discrete: the map contracts by rho = 1.5 > 1 here, so it is unstable.
        FixedPointNetwork disc = FixedPointNetwork.builder().inputs(NIN).units(N).outputs(1)
                .nonlinearity(new Nonlinearity.Linear(1.0)).dynamics(Dynamics.DISCRETE)
                .recurrentWeights(w).inputWeights(u).readoutWeights(new DMatrix(1, N)).build();
        assertTrue(!RelaxationTime.atFixedPoints(disc, eq.z(), TAU, null, 1).stable());
        // Scaled to rho = 0.75: tau_relax = dt / -ln 0.75.
        double[] half = LAMBDA.clone();
        for (int i = 0; i < N; i++) {
            half[i] /= 2;
        }
        FixedPointNetwork disc2 = FixedPointNetwork.builder().inputs(NIN).units(N).outputs(1)
                .nonlinearity(new Nonlinearity.Linear(1.0)).dynamics(Dynamics.DISCRETE)
                .recurrentWeights(fromEigen(q, half)).inputWeights(u).readoutWeights(new DMatrix(1, N)).build();
        assertEquals(0.5 / -Math.log(0.75), RelaxationTime.atFixedPoints(disc2, eq.z(), TAU, null, 0.5).value(), 1e-10);
    }

    /** W = 0, U = I: unit i relaxes alone with its own tau_i, r_i(t) = x_i (1 - (1 - dt/tau_i)^k). */
    @Test
    void perUnitTimeConstants() {
        int n = 3;
        DMatrix eye = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            eye.set(i, i, 1);
        }
        FixedPointNetwork diag = FixedPointNetwork.builder().inputs(n).units(n).outputs(1)
                .nonlinearity(new Nonlinearity.Linear(1.0)).recurrentWeights(new DMatrix(n, n)).inputWeights(eye)
                .readoutWeights(new DMatrix(1, n)).build();
        double[] taus = {0.5, 1.0, 4.0};
        double dt = 0.01;
        DMatrix x = row(new double[] {1, 2, -1});
        Trajectory t = new Simulator(diag).run(Stimulus.constant(x),
                SimulationSettings.of(dt, 1.0, 400).withTauPerUnit(taus).withRecordEvery(100));
        for (int k = 0; k < t.records(); k++) {
            for (int i = 0; i < n; i++) {
                double expected = x.get(0, i) * (1 - Math.pow(1 - dt / taus[i], t.steps()[k]));
                assertEquals(expected, t.get(k, 0, i), 1e-13);
            }
        }
        var eq = new EquilibriumSolver(SolverConfig.newton(20, 1e-13)).solve(diag, x);
        assertEquals(4.0, RelaxationTime.atFixedPoints(diag, eq.z(), 1.0, taus, dt).value(), 1e-12);
    }

    // ------------------------------------------------------------------------- the experiment

    /**
     * The cosine morph's mean error falls like tau_relax / T_s once T_s is long, and approaches the
     * distance between the two fixed points when T_s is short; a switch holds its full error at
     * t = 0 whatever T_s is.
     */
    @Test
    void morphErrorFallsLikeOneOverTs() {
        Matrix xa = row(new double[] {1.0, -0.5, 0.3});
        Matrix xb = row(new double[] {-0.4, 0.8, 1.1});
        var settings = TrackingExperiment.Settings.defaults(TAU, net.precision()).withDt(0.02).withRecordsPerRun(200);
        TrackingExperiment ex = new TrackingExperiment(net, xa, xb, settings);
        assertEquals(TAU / (1 - LAMBDA[0]), ex.relaxation().value(), 1e-9);
        double[] ra = fixedPoint(new double[] {1.0, -0.5, 0.3});
        double[] rb = fixedPoint(new double[] {-0.4, 0.8, 1.1});
        double scale = 0;
        for (int j = 0; j < N; j++) {
            scale += (ra[j] - rb[j]) * (ra[j] - rb[j]);
        }
        assertEquals(Math.sqrt(scale), ex.scale(), 1e-9 * Math.sqrt(scale));

        List<TrackingExperiment.SweepPoint> morph = ex.sweep(TrackingExperiment.Kind.MORPH, new double[] {0.1, 10, 100});
        List<TrackingExperiment.SweepPoint> sw = ex.sweep(TrackingExperiment.Kind.SWITCH, new double[] {10, 100});
        List<TrackingExperiment.SweepPoint> per = ex.sweep(TrackingExperiment.Kind.PERIODIC, new double[] {10, 100});
        for (var p : morph) {
            System.out.printf(Locale.ROOT, "morph T_s/tau_relax %6.1f: mean %.4e, max %.4e (relative %.4e, %.4e)%n",
                    p.ratio(), p.summary().meanDistance(), p.summary().maxDistance(), p.meanRelative(), p.maxRelative());
            assertTrue(p.fixedPointsConverged());
        }
        double r = morph.get(1).summary().meanDistance() / morph.get(2).summary().meanDistance();
        assertEquals(10, r, 1.0, "mean error ratio between T_s = 10 and 100 tau_relax");
        assertEquals(10, morph.get(1).summary().maxDistance() / morph.get(2).summary().maxDistance(), 1.0);
        assertTrue(morph.get(0).maxRelative() > 0.5 && morph.get(0).maxRelative() <= 1.0 + 1e-9,
                "a fast morph leaves the network near r*(xa): " + morph.get(0).maxRelative());
        assertEquals(1.0, sw.get(0).maxRelative(), 1e-9, "a switch starts at the full distance");
        assertEquals(10, sw.get(0).summary().meanDistance() / sw.get(1).summary().meanDistance(), 1.0);
        // A sinusoid through a first-order filter: the error amplitude of the slowest mode is
        // w tau_relax / sqrt(1 + (w tau_relax)^2), w = 2 pi / T_s, so the ratio between T_s = 10 and 100
        // tau_relax is below 10 (about 8.5); periodicMorphMatchesTheLinearFilter checks it exactly.
        double rp = per.get(0).summary().meanDistance() / per.get(1).summary().meanDistance();
        assertTrue(rp > 7.5 && rp < 10, "periodic mean error ratio " + rp);
    }

    /**
     * Periodic morph x = xa + (1 - cos w t) / 2 (xb - xa): in the periodic steady state each eigenmode k
     * of W (time constant tau_k = tau / (1 - lambda_k)) lags its fixed point by
     * e_k(t) = -(D_k / 2) Re(e^{i w t} (-i w tau_k) / (1 + i w tau_k)), D_k the mode's share of
     * r*(xb) - r*(xa). The simulated distance to the current fixed point matches this to O(dt).
     */
    @Test
    void periodicMorphMatchesTheLinearFilter() {
        double[] xaV = {1.0, -0.5, 0.3};
        double[] xbV = {-0.4, 0.8, 1.1};
        double dt = 0.01;
        var settings = TrackingExperiment.Settings.defaults(TAU, net.precision()).withDt(dt).withRecordsPerRun(300);
        TrackingExperiment ex = new TrackingExperiment(net, row(xaV), row(xbV), settings);
        double[] delta = sub(fixedPoint(xbV), fixedPoint(xaV));
        double[] deltaModes = new double[N];
        for (int k = 0; k < N; k++) {
            for (int i = 0; i < N; i++) {
                deltaModes[k] += q.get(i, k) * delta[i];
            }
        }
        for (double ratio : new double[] {0.5, 3}) {
            double ts = ratio * ex.relaxation().value();
            TrackingExperiment.Run run = ex.run(TrackingExperiment.Kind.PERIODIC, ts);
            double omega = 2 * Math.PI / ts;
            TrackingError err = run.error();
            double worst = 0;
            double meanExact = 0;
            int m = 0;
            for (int k = 0; k < err.times().length; k++) {
                double t = err.times()[k];
                if (t < err.windowStart() - 1e-9) {
                    continue;
                }
                double[] e = new double[N];
                for (int mode = 0; mode < N; mode++) {
                    double wt = omega * TAU / (1 - LAMBDA[mode]);
                    double re = (-Math.cos(omega * t) * wt * wt + Math.sin(omega * t) * wt) / (1 + wt * wt);
                    double amp = -deltaModes[mode] / 2 * re;
                    for (int i = 0; i < N; i++) {
                        e[i] += q.get(i, mode) * amp;
                    }
                }
                double d = 0;
                for (double v : e) {
                    d += v * v;
                }
                d = Math.sqrt(d);
                worst = Math.max(worst, Math.abs(d - err.distance()[k]));
                meanExact += d;
                m++;
            }
            meanExact /= m;
            System.out.printf(Locale.ROOT, "periodic T_s = %.1f tau_relax: mean distance %.5f (closed form %.5f), max |d - d_exact|"
                    + " %.2e over %d records (dt %.3g, scale %.3f)%n", ratio, err.summary().meanDistance(), meanExact, worst,
                    m, dt, ex.scale());
            assertTrue(worst < 0.05 * dt * ex.scale(), "periodic steady state vs linear filter: " + worst);
        }
    }
}
