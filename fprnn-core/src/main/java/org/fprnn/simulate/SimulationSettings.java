package org.fprnn.simulate;

import java.util.Arrays;

/**
 * How to integrate a network's dynamics (MATH sections 1 and 7).
 *
 * <p>Rate and current dynamics take Euler steps of dt with alpha = dt / tau (per unit with a
 * per-unit tau vector: alpha_i = dt / tau_i, MATH section 1's diagonal T). The discrete map takes
 * one step per dt and ignores tau; dt is then only the time that each step stands for.
 *
 * <p>Noise (Euler-Maruyama). With sigma = {@code noise} > 0 the rate dynamics are the SDE
 * <pre>  dr_i = (-r_i + f(W r + h(t))_i) dt / tau_i + sigma sqrt(2 / tau_i) dB_i(t)</pre>
 * (current dynamics: the same on v), integrated as
 * <pre>  r_i += alpha_i (-r_i + f(W r + h)_i) + sigma sqrt(2 alpha_i) xi_i,   xi_i ~ N(0, 1)</pre>
 * so each increment scales with sqrt(dt): sqrt(2 alpha_i) = sqrt(2 dt / tau_i). sigma is the
 * stationary standard deviation of an uncoupled linear unit (W = 0, f(z) = z: an Ornstein-Uhlenbeck
 * process with variance sigma^2; Euler-Maruyama gives sigma^2 / (1 - alpha / 2)), whatever dt is.
 * The discrete map adds sigma xi after each step: r_{t+1} = f(W r_t + h_t) + sigma xi_t. The noise is
 * drawn from a {@link java.util.SplittableRandom} seeded with {@code seed} at the start of each run,
 * sample by sample and unit by unit, so a run with the same seed repeats bitwise.
 *
 * @param dt time step (> 0)
 * @param tau time constant (> 0), used when {@code tauPerUnit} is null
 * @param tauPerUnit per-unit time constants (length N, each > 0), or null
 * @param steps number of steps (>= 1)
 * @param recordEvery record the rates every this many steps (and at t = 0), >= 1; when it does not
 *     divide {@code steps}, the last steps run but are not recorded (the trajectory's final state
 *     holds them)
 * @param noise sigma >= 0 (0: deterministic)
 * @param seed seed of the noise
 * @param startTime time of step 0 (the stimulus is read at startTime + k dt)
 */
public record SimulationSettings(double dt, double tau, double[] tauPerUnit, int steps, int recordEvery,
                                 double noise, long seed, double startTime) {

    public SimulationSettings {
        if (!(dt > 0) || Double.isInfinite(dt)) {
            throw new IllegalArgumentException("dt must be a positive number, got " + dt);
        }
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("tau must be a positive number, got " + tau);
        }
        if (tauPerUnit != null) {
            tauPerUnit = tauPerUnit.clone();
            for (int i = 0; i < tauPerUnit.length; i++) {
                if (!(tauPerUnit[i] > 0) || Double.isInfinite(tauPerUnit[i])) {
                    throw new IllegalArgumentException("tau of unit " + i + " must be a positive number, got "
                            + tauPerUnit[i]);
                }
            }
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        if (recordEvery < 1) {
            throw new IllegalArgumentException("recordEvery must be >= 1, got " + recordEvery);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("noise must be a finite number >= 0, got " + noise);
        }
        if (!Double.isFinite(startTime)) {
            throw new IllegalArgumentException("start time must be finite, got " + startTime);
        }
    }

    /** Deterministic, scalar tau, recording every step, starting at t = 0. */
    public static SimulationSettings of(double dt, double tau, int steps) {
        return new SimulationSettings(dt, tau, null, steps, 1, 0, 0, 0);
    }

    public SimulationSettings withSteps(int k) {
        return new SimulationSettings(dt, tau, tauPerUnit, k, recordEvery, noise, seed, startTime);
    }

    public SimulationSettings withDt(double d) {
        return new SimulationSettings(d, tau, tauPerUnit, steps, recordEvery, noise, seed, startTime);
    }

    public SimulationSettings withRecordEvery(int k) {
        return new SimulationSettings(dt, tau, tauPerUnit, steps, k, noise, seed, startTime);
    }

    public SimulationSettings withNoise(double sigma, long s) {
        return new SimulationSettings(dt, tau, tauPerUnit, steps, recordEvery, sigma, s, startTime);
    }

    public SimulationSettings withTauPerUnit(double[] t) {
        return new SimulationSettings(dt, tau, t, steps, recordEvery, noise, seed, startTime);
    }

    public SimulationSettings withStartTime(double t0) {
        return new SimulationSettings(dt, tau, tauPerUnit, steps, recordEvery, noise, seed, t0);
    }

    /** Number of recorded states: steps / recordEvery + 1 (t = 0 included). */
    public int records() {
        return steps / recordEvery + 1;
    }

    /** Time of step k: startTime + k dt. */
    public double time(long k) {
        return startTime + k * dt;
    }

    /** tau of unit i (the scalar tau without a per-unit vector). */
    public double tauOf(int i) {
        return tauPerUnit == null ? tau : tauPerUnit[i];
    }

    /** The largest time constant. */
    public double maxTau() {
        return tauPerUnit == null ? tau : Arrays.stream(tauPerUnit).max().orElse(tau);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimulationSettings s && dt == s.dt && tau == s.tau && Arrays.equals(tauPerUnit, s.tauPerUnit)
                && steps == s.steps && recordEvery == s.recordEvery && noise == s.noise && seed == s.seed
                && startTime == s.startTime;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(dt, tau, Arrays.hashCode(tauPerUnit), steps, recordEvery, noise, seed, startTime);
    }

    @Override
    public String toString() {
        return "SimulationSettings[dt=" + dt + ", tau=" + (tauPerUnit == null ? tau : Arrays.toString(tauPerUnit))
                + ", steps=" + steps + ", recordEvery=" + recordEvery + ", noise=" + noise + ", seed=" + seed
                + ", startTime=" + startTime + "]";
    }
}
