package org.fprnn.simulate;

import java.util.SplittableRandom;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.DynamicsStep;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;

/**
 * Integrates a network's dynamics under a time-varying input (MATH sections 1 and 7), from rest or
 * from a given state, and records the rates every k steps. With h_k = h(t_k), t_k = t_0 + k dt:
 * <ul>
 *   <li>rate: r += alpha (-r + f(W r + h_k)), alpha = dt / tau (per unit: dt / tau_i);</li>
 *   <li>current: v += alpha (-v + W f(v) + h_k), r = f(v);</li>
 *   <li>discrete: r = f(W r + h_k), one map step per dt;</li>
 * </ul>
 * plus the Euler-Maruyama noise term of {@link SimulationSettings}. Phi is {@link DynamicsStep}'s, the
 * same the solvers iterate. The step loop allocates
 * nothing: its matrices live in this simulator's workspace, sized once per batch shape, and the
 * trajectory is allocated before the loop. Not thread-safe; use one simulator per thread.
 */
public final class Simulator {
    private final FixedPointNetwork net;
    private final Workspace ws = new Workspace();

    public Simulator(FixedPointNetwork net) {
        this.net = net;
    }

    public FixedPointNetwork network() {
        return net;
    }

    /** Runs from rest (r = 0, or v = 0 for current dynamics). */
    public Trajectory run(Stimulus stimulus, SimulationSettings s) {
        return run(stimulus, s, null);
    }

    /**
     * Runs from {@code initialState} (B x N, the dynamics' state: r for rate and discrete dynamics,
     * v for current dynamics, as {@link org.fprnn.solve.Equilibrium#state()} holds it), or from rest
     * when it is null.
     */
    public Trajectory run(Stimulus stimulus, SimulationSettings s, Matrix initialState) {
        Stimulus.checkInputs(net, stimulus);
        final int b = stimulus.batch();
        final int n = net.units();
        if (s.tauPerUnit() != null && s.tauPerUnit().length != n) {
            throw new IllegalArgumentException("per-unit tau has " + s.tauPerUnit().length + " entries for "
                    + n + " units");
        }
        var p = net.precision();
        Dynamics dyn = net.dynamics();
        Nonlinearity f = net.nonlinearity();
        DynamicsStep step = new DynamicsStep(net);
        Stimulus.Drive drive = stimulus.drive(net);

        Matrix state = ws.get("state", b, n, p);
        Matrix h = ws.get("h", b, n, p);
        Matrix z = ws.get("z", b, n, p);
        Matrix rates = ws.get("rates", b, n, p);
        if (initialState != null) {
            if (initialState.rows != b || initialState.cols != n) {
                throw new IllegalArgumentException("initial state has shape " + initialState.shape()
                        + ", expected (" + b + ", " + n + ")");
            }
            state.copyFrom(initialState);
        } else {
            state.fill(0);
        }
        double[] alpha = ws.doubles("alpha", n);
        double[] noiseScale = ws.doubles("noiseScale", n);
        if (s.tauPerUnit() == null) {
            java.util.Arrays.fill(alpha, s.dt() / s.tau());
        } else {
            DynamicsStep.stepSizes(s.dt(), s.tauPerUnit(), alpha);
        }
        for (int j = 0; j < n; j++) {
            noiseScale[j] = dyn == Dynamics.DISCRETE ? s.noise() : s.noise() * Math.sqrt(2 * alpha[j]);
        }
        boolean noisy = s.noise() > 0;
        SplittableRandom rng = new SplittableRandom(s.seed());

        int recs = s.records();
        double[] times = new double[recs];
        long[] stepIdx = new long[recs];
        Matrix traj = p.zeros(Math.multiplyExact(recs, b), n);
        boolean diverged = !record(dyn, f, state, rates, traj, 0, b);
        times[0] = s.time(0);
        int rec = 1;
        long k = 0;
        while (!diverged && k < s.steps()) {
            drive.drive(s.time(k), h);
            step.apply(state, h, rates, z);                  // z = Phi(state)
            if (dyn == Dynamics.DISCRETE) {
                state.copyFrom(z);
            } else {
                relax(state, z, alpha);
            }
            if (noisy) {
                addNoise(state, noiseScale, rng);
            }
            k++;
            if (k % s.recordEvery() == 0) {
                times[rec] = s.time(k);
                stepIdx[rec] = k;
                diverged = !record(dyn, f, state, rates, traj, rec, b);
                rec++;
            }
        }
        for (int r = rec; r < recs; r++) {
            long kr = (long) r * s.recordEvery();
            times[r] = s.time(kr);
            stepIdx[r] = kr;
            for (int i = 0; i < b * n; i++) {
                traj.setFlat((r * b) * n + i, Double.NaN);
            }
        }
        return new Trajectory(times, stepIdx, traj, b, state.copy(), k, diverged);
    }

    /** Writes the rates of the state into record k of the trajectory; false if any is non-finite. */
    private static boolean record(Dynamics dyn, Nonlinearity f, Matrix state, Matrix rates, Matrix traj, int k, int b) {
        Matrix r = state;
        if (dyn == Dynamics.CURRENT) {
            f.apply(state, rates);
            r = rates;
        }
        int len = b * state.cols;
        int off = k * len;
        switch (traj) {
            case FMatrix t -> System.arraycopy(((FMatrix) r).data, 0, t.data, off, len);
            case DMatrix t -> System.arraycopy(((DMatrix) r).data, 0, t.data, off, len);
        }
        return r.allFinite();
    }

    /** s_ij += alpha_j (target_ij - s_ij). */
    private static void relax(Matrix s, Matrix target, double[] alpha) {
        int n = s.cols;
        switch (s) {
            case FMatrix f -> {
                float[] x = f.data;
                float[] t = ((FMatrix) target).data;
                for (int o = 0; o < x.length; o += n) {
                    for (int j = 0; j < n; j++) {
                        x[o + j] += (float) alpha[j] * (t[o + j] - x[o + j]);
                    }
                }
            }
            case DMatrix d -> {
                double[] x = d.data;
                double[] t = ((DMatrix) target).data;
                for (int o = 0; o < x.length; o += n) {
                    for (int j = 0; j < n; j++) {
                        x[o + j] += alpha[j] * (t[o + j] - x[o + j]);
                    }
                }
            }
        }
    }

    /** s_ij += scale_j xi_ij, xi drawn sample by sample, unit by unit. */
    private static void addNoise(Matrix s, double[] scale, SplittableRandom rng) {
        int n = s.cols;
        switch (s) {
            case FMatrix f -> {
                float[] x = f.data;
                for (int o = 0; o < x.length; o += n) {
                    for (int j = 0; j < n; j++) {
                        x[o + j] += (float) (scale[j] * rng.nextGaussian());
                    }
                }
            }
            case DMatrix d -> {
                double[] x = d.data;
                for (int o = 0; o < x.length; o += n) {
                    for (int j = 0; j < n; j++) {
                        x[o + j] += scale[j] * rng.nextGaussian();
                    }
                }
            }
        }
    }
}
