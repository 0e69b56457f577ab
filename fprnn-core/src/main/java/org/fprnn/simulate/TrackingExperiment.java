package org.fprnn.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Does the network track the fixed point of a moving input (MATH section 7)? Given two inputs xa
 * and xb (B x n_in), the input moves from one to the other on a time scale T_s, the network is
 * simulated from the fixed point of xa, and at each recorded time its rates are compared with the
 * fixed point of the current input (solved along the path with warm starts). Time scales are
 * measured in units of the network's slowest relaxation time tau_relax at the fixed points of xa,
 * xb and (xa + xb) / 2 (see {@link RelaxationTime}).
 *
 * <p>Stimuli and summary windows:
 * <ul>
 *   <li>{@link Kind#SWITCH}: x = xb from t = 0 on (a step from xa); run and window [0, T_s], the time
 *       the new input is held;</li>
 *   <li>{@link Kind#MORPH}: cosine morph from xa to xb over [0, T_s]; run and window [0, T_s];</li>
 *   <li>{@link Kind#PERIODIC}: periodic morph with period T_s; run {@code periods} periods, window
 *       the last one (the periodic steady state).</li>
 * </ul>
 * For T_s much longer than tau_relax the error of a smooth morph falls like tau_relax / T_s (the lag
 * e solves (I - G W) e = -tau dr and dr is proportional to 1 / T_s); for T_s much shorter it
 * approaches the distance between the two inputs' fixed points, which {@link #scale()} reports so
 * that errors can be given relative to it.
 */
public final class TrackingExperiment {

    /** The three stimuli. */
    public enum Kind {
        SWITCH, MORPH, PERIODIC;

        public static Kind parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "switch", "step" -> SWITCH;
                case "morph" -> MORPH;
                case "periodic" -> PERIODIC;
                default -> throw new IllegalArgumentException("unknown stimulus '" + s
                        + "': use switch, morph or periodic");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param dt simulation step
     * @param tau scalar time constant (used when tauPerUnit is null)
     * @param tauPerUnit per-unit time constants, or null
     * @param recordsPerRun at least this many records in the summary window (the whole run, or the
     *     last period; every step if it has fewer): each run records every
     *     floor(window steps / recordsPerRun) steps, or more often when needed to keep records at
     *     most tau_relax / 5 apart
     * @param periods periods simulated for {@link Kind#PERIODIC} (>= 2; the last is the window), at
     *     least; see {@link TrackingExperiment#periods(double)}
     * @param noise sigma of {@link SimulationSettings}
     * @param seed noise seed (the same for every run)
     * @param solver fixed-point solver for the endpoints and the path
     */
    public record Settings(double dt, double tau, double[] tauPerUnit, int recordsPerRun, int periods, double noise,
                           long seed, SolverConfig solver) {
        public Settings {
            if (recordsPerRun < 2) {
                throw new IllegalArgumentException("recordsPerRun must be >= 2, got " + recordsPerRun);
            }
            if (periods < 2) {
                throw new IllegalArgumentException("periods must be >= 2 (the last one is measured), got " + periods);
            }
            // Validates dt, tau, tauPerUnit, noise.
            new SimulationSettings(dt, tau, tauPerUnit, 1, 1, noise, seed, 0);
        }

        /**
         * dt = tau / 20, 400 records per run, 3 periods, no noise, Anderson (memory 5, mixing 0.5) to
         * 1e-10 (1e-5 for float networks), at most 5000 iterations.
         */
        public static Settings defaults(double tau, Precision p) {
            return new Settings(tau / 20, tau, null, 400, 3, 0, 0,
                    SolverConfig.of("anderson", p == Precision.FLOAT ? 1e-5 : 1e-10, 5000));
        }

        public Settings withDt(double d) {
            return new Settings(d, tau, tauPerUnit, recordsPerRun, periods, noise, seed, solver);
        }

        public Settings withTauPerUnit(double[] t) {
            return new Settings(dt, tau, t, recordsPerRun, periods, noise, seed, solver);
        }

        public Settings withRecordsPerRun(int r) {
            return new Settings(dt, tau, tauPerUnit, r, periods, noise, seed, solver);
        }

        public Settings withPeriods(int p) {
            return new Settings(dt, tau, tauPerUnit, recordsPerRun, p, noise, seed, solver);
        }

        public Settings withNoise(double sigma, long s) {
            return new Settings(dt, tau, tauPerUnit, recordsPerRun, periods, sigma, s, solver);
        }

        public Settings withSolver(SolverConfig c) {
            return new Settings(dt, tau, tauPerUnit, recordsPerRun, periods, noise, seed, c);
        }
    }

    /**
     * One simulation.
     *
     * @param simulation the settings it ran with (steps, record interval)
     * @param meanRelative summary mean distance divided by {@link #scale()}
     * @param maxRelative summary max distance divided by {@link #scale()}
     */
    public record Run(Kind kind, double ts, Stimulus stimulus, SimulationSettings simulation, Trajectory trajectory,
                      FixedPointPath fixedPoints, TrackingError error, double meanRelative, double maxRelative) {

        /** T_s / tau_relax. */
        public double ratio(double tauRelax) {
            return ts / tauRelax;
        }
    }

    /** One point of a sweep over T_s. */
    public record SweepPoint(Kind kind, double ratio, double ts, TrackingError.Summary summary, double meanRelative,
                             double maxRelative, long steps, long fixedPointIterations, boolean fixedPointsConverged,
                             boolean diverged, TrackingError error) {
    }

    private final FixedPointNetwork net;
    private final Matrix xa;
    private final Matrix xb;
    private final Settings settings;
    private final EquilibriumSolver solver;
    private final Simulator simulator;
    private final Equilibrium eqA;
    private final Equilibrium eqB;
    private final RelaxationTime relaxation;
    private final double scale;

    /** Solves the fixed points of xa, xb and their midpoint and computes tau_relax there. */
    public TrackingExperiment(FixedPointNetwork net, Matrix xa, Matrix xb, Settings settings) {
        if (!xa.sameShape(xb)) {
            throw new IllegalArgumentException("the two inputs have shapes " + xa.shape() + " and " + xb.shape());
        }
        if (xa.cols != net.inputs()) {
            throw new IllegalArgumentException("inputs have " + xa.cols + " columns, the network expects " + net.inputs());
        }
        if (settings.tauPerUnit() != null && settings.tauPerUnit().length != net.units()) {
            throw new IllegalArgumentException("per-unit tau has " + settings.tauPerUnit().length + " entries for "
                    + net.units() + " units");
        }
        this.net = net;
        this.xa = xa.copy();
        this.xb = xb.copy();
        this.settings = settings;
        this.solver = new EquilibriumSolver(settings.solver());
        this.simulator = new Simulator(net);
        this.eqA = solver.solve(net, xa).copy();
        this.eqB = solver.solve(net, xb).copy();
        Matrix mid = xa.copy();
        for (int i = 0; i < mid.size(); i++) {
            mid.setFlat(i, 0.5 * (xa.getFlat(i) + xb.getFlat(i)));
        }
        Equilibrium eqM = solver.solve(net, mid, eqA.state()).copy();
        this.relaxation = RelaxationTime.slowest(rt(eqA), rt(eqB), rt(eqM));
        double s = 0;
        int n = net.units();
        for (int i = 0; i < xa.rows; i++) {
            double d = 0;
            for (int j = 0; j < n; j++) {
                double e = eqB.rates().get(i, j) - eqA.rates().get(i, j);
                d += e * e;
            }
            s += Math.sqrt(d);
        }
        this.scale = s / xa.rows;
    }

    private RelaxationTime rt(Equilibrium eq) {
        return RelaxationTime.atFixedPoints(net, eq.z(), settings.tau(), settings.tauPerUnit(), settings.dt());
    }

    /** tau_relax at the fixed points of xa, xb and their midpoint (per point: xa's samples, xb's, the midpoint's). */
    public RelaxationTime relaxation() {
        return relaxation;
    }

    /** Batch mean of ||r*(xb) - r*(xa)||: the error scale of a switch at t = 0. */
    public double scale() {
        return scale;
    }

    /** The fixed point of xa (the initial state of every run). */
    public Equilibrium start() {
        return eqA;
    }

    /** The fixed point of xb. */
    public Equilibrium end() {
        return eqB;
    }

    public Settings settings() {
        return settings;
    }

    public FixedPointNetwork network() {
        return net;
    }

    /** The stimulus of a kind with time scale ts. */
    public Stimulus stimulus(Kind kind, double ts) {
        return switch (kind) {
            case SWITCH -> Stimulus.step(xa, xb, 0);
            case MORPH -> Stimulus.morph(xa, xb, 0, ts);
            case PERIODIC -> Stimulus.periodic(xa, xb, ts);
        };
    }

    /** How one stimulus of time scale ts is simulated: its steps, record interval and measured window. */
    private record Plan(double duration, double w0, SimulationSettings sim) {
    }

    /**
     * Checks that a stimulus of time scale ts can be simulated (a positive T_s, at most 2^31 - 1 steps,
     * its records within half the heap) without simulating it, so that a caller can refuse it before
     * writing anything.
     *
     * @throws IllegalArgumentException saying what is too large and what to give instead
     */
    /**
     * The shortest T_s a run resolves: two steps of dt. With one, the state would jump from xa to xb
     * (or sample a period at one phase), and a tracking error measured there would mean nothing.
     */
    public double shortestTs() {
        return 2 * settings.dt();
    }

    public void check(Kind kind, double ts) {
        plan(kind, ts);
    }

    private Plan plan(Kind kind, double ts) {
        if (!(ts > 0) || Double.isInfinite(ts)) {
            throw new IllegalArgumentException("T_s must be a positive number, got " + ts);
        }
        if (ts < shortestTs()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "T_s = %.6g is shorter than two"
                    + " steps of dt = %.6g, which cannot resolve the stimulus: give a T_s of at least %.6g", ts,
                    settings.dt(), shortestTs()));
        }
        int periods = periods(ts);
        double duration = kind == Kind.PERIODIC ? periods * ts : ts;
        double w0 = kind == Kind.PERIODIC ? (periods - 1) * ts : 0;
        long steps = (long) Math.ceil(duration / settings.dt() - 1e-9);
        if (steps > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("T_s = " + ts + " needs " + steps + " steps of dt = " + settings.dt());
        }
        int st = (int) Math.max(1, steps);
        // At least recordsPerRun records, and at most tau_relax / 5 apart so that time averages
        // resolve the slowest relaxation.
        double windowSteps = (duration - w0) / settings.dt();
        int every = Math.max(1, (int) Math.floor(windowSteps / settings.recordsPerRun() + 1e-9));
        if (relaxation.stable()) {
            every = Math.max(1, Math.min(every, (int) Math.floor(relaxation.value() / 5 / settings.dt())));
        }
        // the trajectory and the fixed points along it are kept in memory, one state per record
        long records = st / every + 2;
        long bytes = 2 * Trajectory.bytes(records, eqA.state().rows, net.units(), net.precision());
        if (!Trajectory.fitsHalfHeap(bytes)) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "T_s = %.6g would keep %d"
                    + " recorded states (one every %d steps of dt = %.6g, at most tau_relax / 5 apart so that time"
                    + " averages resolve the slowest relaxation), about %.1f GB, more than half of the %.1f GB heap:"
                    + " give a shorter T_s", ts, records, every, settings.dt(), bytes / 1e9,
                    Runtime.getRuntime().maxMemory() / 1e9));
        }
        return new Plan(duration, w0, new SimulationSettings(settings.dt(), settings.tau(), settings.tauPerUnit(), st,
                every, settings.noise(), settings.seed(), 0));
    }

    /** Simulates one stimulus with time scale ts (in time units) and measures the tracking error. */
    public Run run(Kind kind, double ts) {
        Plan plan = plan(kind, ts);
        double duration = plan.duration();
        double w0 = plan.w0();
        SimulationSettings sim = plan.sim();
        Stimulus stim = stimulus(kind, ts);
        Trajectory traj = simulator.run(stim, sim, eqA.state());
        FixedPointPath path = FixedPointPath.along(net, stim, traj.times(), solver, true, eqA.state());
        TrackingError err = TrackingError.of(traj, path, w0, duration);
        return new Run(kind, ts, stim, sim, traj, path, err, err.summary().meanDistance() / scale,
                err.summary().maxDistance() / scale);
    }

    /**
     * Periods simulated for a periodic morph of period ts: {@link Settings#periods()}, or more so that
     * the measured (last) period starts after at least {@value #WARMUP} tau_relax, when the transient
     * from r*(xa) has decayed by e^-10.
     */
    public int periods(double ts) {
        int p = settings.periods();
        if (relaxation.stable()) {
            double warm = Math.ceil(WARMUP * relaxation.value() / ts - 1e-9);
            p = (int) Math.max(p, Math.min(1_000_000, warm + 1));
        }
        return p;
    }

    /** Warm-up before the measured period of a periodic morph, in units of tau_relax. */
    public static final double WARMUP = 10;

    /** Runs every ratio T_s / tau_relax (needs a finite tau_relax). */
    public List<SweepPoint> sweep(Kind kind, double[] ratios) {
        if (!relaxation.stable()) {
            throw new IllegalStateException("the network is not stable at the fixed points of the two inputs"
                    + " (tau_relax is infinite): T_s cannot be measured in units of tau_relax");
        }
        List<SweepPoint> out = new ArrayList<>();
        for (double ratio : ratios) {
            Run r = run(kind, ratio * relaxation.value());
            out.add(new SweepPoint(kind, ratio, r.ts(), r.error().summary(), r.meanRelative(), r.maxRelative(),
                    r.trajectory().stepsTaken(), r.fixedPoints().totalIterations(), r.fixedPoints().allConverged(),
                    r.trajectory().diverged(), r.error()));
        }
        return out;
    }

    /** count values from min to max, evenly spaced in log. */
    public static double[] logSpaced(double min, double max, int count) {
        if (!(min > 0) || !(max >= min) || count < 1) {
            throw new IllegalArgumentException("log spacing needs 0 < min <= max and count >= 1, got " + min + ", "
                    + max + ", " + count);
        }
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = count == 1 ? min : min * Math.pow(max / min, (double) i / (count - 1));
        }
        return v;
    }
}
