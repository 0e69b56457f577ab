package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.cli.report.SimulateReport;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.io.Json;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.simulate.FixedPointPath;
import org.fprnn.simulate.RelaxationTime;
import org.fprnn.simulate.SimulationSettings;
import org.fprnn.simulate.Simulator;
import org.fprnn.simulate.Stimulus;
import org.fprnn.simulate.TrackingError;
import org.fprnn.simulate.TrackingExperiment;
import org.fprnn.simulate.TrackingExperiment.Kind;
import org.fprnn.simulate.Trajectory;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * fprnn simulate: the network's dynamics under a time-varying input, compared with the fixed point
 * of the current input (MATH section 7).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Simulate a network's dynamics under a time-varying input and measure how",
            "far the state is from the fixed point of the current input (MATH section 7).",
            "",
            "Dynamics (h(t) = U x(t) + b; Euler steps of dt with alpha = dt/tau):",
            "  rate      tau dr/dt = -r + f(W r + h(t))",
            "  current   tau dv/dt = -v + W f(v) + h(t),  r = f(v)",
            "  discrete  r <- f(W r + h(t)), one step per dt (tau unused)",
            "--tau-units gives each unit its own tau. With --noise SIGMA > 0",
            "(Euler-Maruyama) each step adds SIGMA sqrt(2 dt/tau) N(0,1) to every unit",
            "(discrete: SIGMA N(0,1)); SIGMA is then the stationary standard deviation",
            "of an uncoupled linear unit, whatever dt. The same --seed repeats a noisy",
            "run bit for bit.",
            "",
            "Input, one of:",
            "  --input X.npy    an array over time, (T, n_in) or (T, B, n_in); row k is",
            "                   held for --frame-steps steps; the run takes",
            "                   T * frame-steps steps unless --steps is given.",
            "  --stimulus KIND  a built-in stimulus between two inputs xa and xb, given",
            "                   by --endpoints X2.npy (rows of a (2, n_in) array),",
            "                   --digits A,B (the first MNIST test image of each label)",
            "                   or --images I,J (MNIST test images by index):",
            "    switch    x = xb from t = 0 on; runs and measures [0, T_s]",
            "    morph     cosine morph from xa to xb over [0, T_s]; runs and measures",
            "              [0, T_s]",
            "    periodic  x = xa + (1 - cos(2 pi t/T_s))/2 (xb - xa); runs --periods",
            "              periods (more when T_s is short, so that 10 tau_relax pass",
            "              first) and measures the last one",
            "  Built-in runs start at the fixed point of xa. T_s is --ts (time units)",
            "  or --ts-relax (multiples of tau_relax, default 10).",
            "",
            "tau_relax, the slowest relaxation time at a fixed point, G = diag(f'(z)):",
            "  tau / (1 - max Re eig(G W))            scalar tau",
            "  1 / min(-Re eig(T^-1 (G W - I)))       per-unit tau, T = diag(tau_i)",
            "  dt / -ln rho(G W)                      discrete dynamics",
            "taken as the slowest over the fixed points of xa, xb and (xa + xb)/2 (for",
            "--input: of the first and last frames).",
            "",
            "The fixed point r*(x(t)) is solved at every recorded time, each solve",
            "starting from the previous one (warm starts); the iterations that cold",
            "starts (each from rest) need are reported too.",
            "",
            "Writes into --out:",
            "  trajectory.npy    rates at the recorded times, (T_rec, N) or",
            "                    (T_rec, B, N)",
            "  fixed_points.npy  r*(x(t)) at the same times, same shape",
            "  readout.npy       R r(t), (T_rec, n_out) or (T_rec, B, n_out), with --R",
            "  tracking.json     times; distance ||r - r*|| (batch mean and max) and",
            "                    max|r - r*| per record; their summary over the measured",
            "                    window; tau_relax and how it was computed; solver",
            "                    iterations, warm and cold",
            "  figures/tracking.png  distance to the current fixed point over time (for",
            "                    several T_s with a built-in stimulus, see --compare) and",
            "                    the summary error against T_s/tau_relax, log-log",
            "With --sweep (built-in stimuli only) it runs T_s/tau_relax from --ratio-min",
            "to --ratio-max, log-spaced, for each --stimulus kind (all three if none is",
            "given) and writes sweep.json, figures/sweep.png and figures/tracking.png.",
            "",
            "Bad input (files, shapes, values; an unstable network with --ts-relax or",
            "--sweep) exits with code 2 before any output is written.",
            "",
            "Examples:",
            "  fprnn simulate --W W.npy --U U.npy --nonlinearity tanh \\",
            "      --stimulus morph --digits 3,8 --ts-relax 10 --out results/sim",
            "  fprnn simulate --W W.npy --U U.npy --nonlinearity tanh \\",
            "      --digits 3,8 --sweep --out results/sweep",
            "  fprnn simulate --W W.npy --U U.npy --b b.npy --nonlinearity tanh \\",
            "      --input X.npy --frame-steps 20 --noise 0.01 --seed 1 --out results/seq",
            ""})
public final class SimulateCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    // ------------------------------------------------------------------ network

    @Option(names = "--W", paramLabel = "W.npy", description = "recurrent weights (N, N)")
    Path w;

    @Option(names = "--U", paramLabel = "U.npy", description = "read-in (N, n_in)")
    Path u;

    @Option(names = "--R", paramLabel = "R.npy", description = "read-out (n_out, N); optional, gives readout.npy")
    Path r;

    @Option(names = "--b", paramLabel = "b.npy", description = "bias (N,); zero if absent")
    Path b;

    @Option(names = "--weights", paramLabel = "NET.safetensors",
            description = "instead of --W/--U/--R/--b: a safetensors file with tensors W, U and optionally R, b")
    Path weights;

    @Option(names = "--nonlinearity", required = true, paramLabel = "F", description = "tanh, relu, softplus or linear")
    String nonlinearity;

    @Option(names = "--gain", defaultValue = "1", paramLabel = "G",
            description = "gain of the linear nonlinearity (default ${DEFAULT-VALUE})")
    double gain;

    @Option(names = "--dynamics", defaultValue = "rate", paramLabel = "D",
            description = "rate, current or discrete (default ${DEFAULT-VALUE})")
    String dynamics;

    @Option(names = "--precision", defaultValue = "double", paramLabel = "P",
            description = "float or double (default ${DEFAULT-VALUE})")
    String precision;

    // ------------------------------------------------------------------ time

    @Option(names = "--tau", defaultValue = "1", paramLabel = "TAU", description = "time constant (default ${DEFAULT-VALUE})")
    double tau;

    @Option(names = "--tau-units", paramLabel = "tau.npy", description = "per-unit time constants (N,), instead of --tau")
    Path tauUnits;

    @Option(names = "--dt", paramLabel = "DT",
            description = "time step (default tau/20, the smallest tau with --tau-units; 1 for discrete dynamics)")
    Double dt;

    @Option(names = "--noise", defaultValue = "0", paramLabel = "SIGMA", description = "noise sigma (default 0: none)")
    double noise;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "noise seed (default ${DEFAULT-VALUE})")
    long seed;

    // ------------------------------------------------------------------ input

    @Option(names = "--input", paramLabel = "X.npy", description = "input over time, (T, n_in) or (T, B, n_in)")
    Path input;

    @Option(names = "--frame-steps", defaultValue = "1", paramLabel = "S",
            description = "steps each row of --input is held (default ${DEFAULT-VALUE})")
    int frameSteps;

    @Option(names = "--steps", paramLabel = "K", description = "steps to run with --input (default T * frame-steps)")
    Integer steps;

    @Option(names = "--record-every", paramLabel = "K",
            description = "with --input: record every K steps (default: about 1000 records)")
    Integer recordEvery;

    @Option(names = "--init", defaultValue = "rest", paramLabel = "START",
            description = "with --input: rest (r = 0, v = 0) or fixed-point (of the first frame); default ${DEFAULT-VALUE}")
    String init;

    @Option(names = "--stimulus", split = ",", paramLabel = "KIND",
            description = "switch, morph or periodic; with --sweep a comma-separated list (default: all three)")
    List<String> stimulus;

    @Option(names = "--endpoints", paramLabel = "X2.npy", description = "the two inputs xa, xb as rows of a (2, n_in) array")
    Path endpoints;

    @Option(names = "--digits", split = ",", paramLabel = "A,B",
            description = "xa, xb: the first MNIST test image of label A and of label B (e.g. 3,8)")
    List<Integer> digits;

    @Option(names = "--images", split = ",", paramLabel = "I,J", description = "xa, xb: MNIST test images number I and J")
    List<Integer> images;

    @Option(names = "--data", paramLabel = "DIR",
            description = "folder holding the MNIST IDX files (default: FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist)")
    Path data;

    @Option(names = "--ts", paramLabel = "T", description = "time scale T_s of the built-in stimulus, in time units")
    Double ts;

    @Option(names = "--ts-relax", paramLabel = "R", description = "T_s as a multiple of tau_relax (default 10)")
    Double tsRelax;

    @Option(names = "--periods", defaultValue = "3", paramLabel = "P",
            description = "periods of the periodic morph, at least (default ${DEFAULT-VALUE})")
    int periods;

    @Option(names = "--records", defaultValue = "400", paramLabel = "K",
            description = "built-in stimuli: at least K records in the measured window (default ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--compare", defaultValue = "1,10,100", paramLabel = "R1,R2,...",
            description = "built-in run: also run these T_s / tau_relax for the figure (default ${DEFAULT-VALUE}; 'none')")
    String compare;

    // ------------------------------------------------------------------ sweep

    @Option(names = "--sweep", description = "run the T_s sweep (built-in stimuli) instead of one simulation")
    boolean sweep;

    @Option(names = "--ratio-min", defaultValue = "0.3", paramLabel = "R", description = "smallest T_s / tau_relax (default ${DEFAULT-VALUE})")
    double ratioMin;

    @Option(names = "--ratio-max", defaultValue = "300", paramLabel = "R", description = "largest T_s / tau_relax (default ${DEFAULT-VALUE})")
    double ratioMax;

    @Option(names = "--ratio-count", defaultValue = "13", paramLabel = "K", description = "number of T_s values (default ${DEFAULT-VALUE})")
    int ratioCount;

    // ------------------------------------------------------------------ fixed points

    @Option(names = "--solver", defaultValue = "anderson", paramLabel = "S",
            description = "fixed-point solver: anderson (mixing 0.5), euler (alpha 0.5), picard, newton or broyden"
                    + " (default ${DEFAULT-VALUE})")
    String solver;

    @Option(names = "--tol", paramLabel = "T", description = "solver tolerance on max|r - f(W r + h)| (default 1e-10; float 1e-5)")
    Double tol;

    @Option(names = "--max-iter", defaultValue = "5000", paramLabel = "K", description = "solver iteration limit (default ${DEFAULT-VALUE})")
    int maxIter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (created if missing)")
    Path out;

    private java.io.PrintWriter stdout() {
        return spec.commandLine().getOut();
    }

    // ================================================================== main

    @Override
    public Integer call() throws IOException {
        Precision p = InputFiles.parse(() -> Precision.parse(precision));
        Dynamics dyn = InputFiles.parse(() -> Dynamics.parse(dynamics));
        if (!List.of("tanh", "relu", "softplus", "linear").contains(nonlinearity)) {
            throw new UserError("unknown nonlinearity '" + nonlinearity + "': use tanh, relu, softplus or linear");
        }
        Nonlinearity f = InputFiles.parse(() -> Nonlinearity.parse(nonlinearity, gain, 1, 1));
        if (!List.of("euler", "picard", "anderson", "newton", "broyden").contains(solver)) {
            throw new UserError("unknown solver '" + solver + "': use anderson, euler, picard, newton or broyden");
        }
        double tolerance = tol != null ? tol : p == Precision.FLOAT ? 1e-5 : 1e-10;
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new UserError("--tol must be a positive number, got " + tolerance);
        }
        if (maxIter < 1) {
            throw new UserError("--max-iter must be >= 1, got " + maxIter);
        }
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new UserError("--tau must be a positive number, got " + tau);
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new UserError("--noise must be a finite number >= 0, got " + noise);
        }
        if (sweep && (stimulus == null || stimulus.isEmpty()) && input == null) {
            stimulus = List.of("switch", "morph", "periodic");
        }
        boolean builtIn = stimulus != null && !stimulus.isEmpty();
        if (builtIn == (input != null)) {
            throw new UserError(builtIn ? "give either --input or --stimulus, not both"
                    : "give the input: --input X.npy, or --stimulus switch|morph|periodic with --endpoints, --digits or --images");
        }
        if (sweep && !builtIn) {
            throw new UserError("--sweep needs a built-in stimulus (--stimulus with --endpoints, --digits or --images)");
        }
        String noTau = "--dynamics discrete: it steps r <- f(W r + h) once per dt, without a time constant";
        String withInput = "built-in stimuli: they run for T_s (switch, morph) or --periods periods and start at the"
                + " fixed point of xa; it applies to --input";
        String oneRun = sweep ? "--sweep: the sweep takes T_s / tau_relax from --ratio-min, --ratio-max, --ratio-count"
                : "--input: it sets T_s of a built-in stimulus";
        OptionCheck.of(spec)
                .onlyIf(f instanceof Nonlinearity.Linear, "--gain", "--nonlinearity " + nonlinearity
                        + ": it is the gain of the linear nonlinearity")
                .onlyIf(dyn != Dynamics.DISCRETE, "--tau", noTau)
                .onlyIf(dyn != Dynamics.DISCRETE, "--tau-units", noTau)
                .onlyIf(noise > 0, "--seed", "a run without noise (--noise 0): it seeds the noise")
                .onlyIf(!builtIn, "--steps", withInput)
                .onlyIf(!builtIn, "--record-every", withInput + " (built-in stimuli take --records)")
                .onlyIf(!builtIn, "--init", withInput)
                .onlyIf(!builtIn, "--frame-steps", withInput)
                .onlyIf(builtIn, "--records", "--input: it is the record count of built-in stimuli; with --input"
                        + " use --record-every")
                .onlyIf(builtIn && !sweep, "--ts", oneRun)
                .onlyIf(builtIn && !sweep, "--ts-relax", oneRun)
                .onlyIf(builtIn && !sweep, "--compare", sweep ? oneRun
                        : "--input: it compares T_s values of a built-in stimulus")
                .onlyIf(sweep, "--ratio-min", "a run without --sweep")
                .onlyIf(sweep, "--ratio-max", "a run without --sweep")
                .onlyIf(sweep, "--ratio-count", "a run without --sweep")
                .onlyIf(builtIn, "--periods", "--input: it is the number of periods of the periodic stimulus");

        FixedPointNetwork net = loadNetwork(p, f, dyn);
        int n = net.units();
        double[] tauVec = null;
        if (tauUnits != null) {
            Matrix tv = InputFiles.rowVector(InputFiles.read(tauUnits), Precision.DOUBLE, n, "per-unit tau");
            tauVec = tv.toDoubleArray();
            for (int i = 0; i < n; i++) {
                if (!(tauVec[i] > 0)) {
                    throw new UserError(tauUnits + ": tau of unit " + i + " is " + tauVec[i] + "; every tau must be > 0");
                }
            }
        }
        double tauMin = tauVec == null ? tau : java.util.Arrays.stream(tauVec).min().orElseThrow();
        double step = dt != null ? dt : dyn == Dynamics.DISCRETE ? 1.0 : tauMin / 20;
        if (!(step > 0) || Double.isInfinite(step)) {
            throw new UserError("--dt must be a positive number, got " + step);
        }
        if (dyn != Dynamics.DISCRETE && step > tauMin) {
            throw new UserError("--dt " + step + " is larger than tau " + tauMin + ": the Euler step dt/tau must be <= 1"
                    + " (dt/tau around 0.05 or less is accurate)");
        }
        SolverConfig sc = new SolverConfig(solver, tolerance, maxIter, solver.equals("euler") ? 0.5 : 1.0, 5,
                solver.equals("anderson") ? 0.5 : 1.0);

        Map<String, Object> network = new LinkedHashMap<>();
        if (weights != null) {
            network.put("weights", weights.toString());
        } else {
            Map<String, Object> files = new LinkedHashMap<>();
            files.put("W", w.toString());
            files.put("U", u.toString());
            if (r != null) {
                files.put("R", r.toString());
            }
            if (b != null) {
                files.put("b", b.toString());
            }
            network.put("weights", files);
        }
        network.put("units", n);
        network.put("inputs", net.inputs());
        network.put("nonlinearity", f.name());
        network.put("dynamics", dyn.label());
        network.put("precision", p.name().toLowerCase(Locale.ROOT));
        Map<String, Object> solverInfo = new LinkedHashMap<>();
        solverInfo.put("solver", solver);
        solverInfo.put("tol", tolerance);
        solverInfo.put("max_iter", maxIter);

        if (!builtIn) {
            Matrix[] frames = loadFrames(p, net.inputs());
            return runSequence(net, frames, tauVec, step, sc, network, solverInfo);
        }
        List<Kind> kinds = new ArrayList<>();
        for (String s : stimulus) {
            kinds.add(InputFiles.parse(() -> Kind.parse(s.trim())));
        }
        if (!sweep && kinds.size() != 1) {
            throw new UserError("--stimulus takes one kind without --sweep, got " + stimulus);
        }
        OptionCheck.of(spec).onlyIf(kinds.contains(Kind.PERIODIC), "--periods", "--stimulus " + String.join(",", stimulus)
                + ": it is the number of periods of the periodic stimulus");
        if (periods < 2) {
            throw new UserError("--periods must be >= 2 (the last period is measured), got " + periods);
        }
        if (records < 2) {
            throw new UserError("--records must be >= 2, got " + records);
        }
        if (ts != null && tsRelax != null) {
            throw new UserError("give --ts or --ts-relax, not both");
        }
        if (ts != null && (!(ts > 0) || Double.isInfinite(ts))) {
            throw new UserError("--ts must be a positive number, got " + ts);
        }
        if (tsRelax != null && (!(tsRelax > 0) || Double.isInfinite(tsRelax))) {
            throw new UserError("--ts-relax must be a positive number, got " + tsRelax);
        }
        double[] ratios;
        if (sweep) {
            if (!(ratioMin > 0) || !(ratioMax >= ratioMin) || Double.isInfinite(ratioMax) || ratioCount < 1) {
                throw new UserError("the sweep needs 0 < --ratio-min <= --ratio-max and --ratio-count >= 1, got "
                        + ratioMin + ", " + ratioMax + ", " + ratioCount);
            }
            ratios = TrackingExperiment.logSpaced(ratioMin, ratioMax, ratioCount);
        } else {
            ratios = parseRatios(compare);
        }
        Endpoints ends = loadEndpoints(p, net.inputs());
        var settings = new TrackingExperiment.Settings(step, tau, tauVec, records, periods, noise, seed, sc);
        TrackingExperiment ex = new TrackingExperiment(net, ends.xa, ends.xb, settings);
        Map<String, Object> relax = relaxationInfo(ex.relaxation(), "the fixed points of xa, xb and (xa + xb) / 2");
        stdout().printf(Locale.ROOT, "tau_relax = %.6g (%s)%n", ex.relaxation().value(), ex.relaxation().method());
        if (!ex.start().converged()[0] || !ex.end().converged()[0]) {
            spec.commandLine().getErr().printf(Locale.ROOT, "fprnn simulate: the fixed point of %s did not converge"
                    + " (residual %.3g); results are measured against the solver's state%n",
                    !ex.start().converged()[0] ? "xa" : "xb",
                    Math.max(ex.start().maxResidual(), ex.end().maxResidual()));
        }
        if (sweep) {
            if (!ex.relaxation().stable()) {
                throw new UserError("the network is not stable at the fixed points of the two inputs (tau_relax is"
                        + " infinite; max Re eig = " + ex.relaxation().eigenvalue() + "): a sweep over T_s / tau_relax"
                        + " is not defined");
            }
            OutputFolder.prepare(out);
            return runSweep(ex, kinds, ratios, ends, network, solverInfo, relax, new ResultsFolder(out));
        }
        double mainTs;
        if (ts != null) {
            mainTs = ts;
        } else {
            if (!ex.relaxation().stable()) {
                throw new UserError("the network is not stable at the fixed points of the two inputs (tau_relax is"
                        + " infinite; eigenvalue " + ex.relaxation().eigenvalue() + "): give T_s in time units with --ts");
            }
            mainTs = (tsRelax != null ? tsRelax : 10) * ex.relaxation().value();
        }
        if (!ex.relaxation().stable()) {
            ratios = new double[0];
        }
        OutputFolder.prepare(out);
        return runBuiltIn(ex, kinds.getFirst(), mainTs, ratios, ends, network, solverInfo, relax, new ResultsFolder(out));
    }

    // ================================================================== input sequence

    private int runSequence(FixedPointNetwork net, Matrix[] frames, double[] tauVec, double step, SolverConfig sc,
                            Map<String, Object> network, Map<String, Object> solverInfo) throws IOException {
        if (frameSteps < 1) {
            throw new UserError("--frame-steps must be >= 1, got " + frameSteps);
        }
        long total = steps != null ? steps : (long) frames.length * frameSteps;
        if (total < 1 || total > Integer.MAX_VALUE) {
            throw new UserError("--steps must be in [1, " + Integer.MAX_VALUE + "], got " + total);
        }
        int k = (int) total;
        int every = recordEvery != null ? recordEvery : Math.max(1, (int) Math.ceil(k / 1000.0));
        if (every < 1) {
            throw new UserError("--record-every must be >= 1, got " + every);
        }
        if (!init.equals("rest") && !init.equals("fixed-point")) {
            throw new UserError("--init must be rest or fixed-point, got '" + init + "'");
        }
        OutputFolder.prepare(out);
        ResultsFolder folder = new ResultsFolder(out);
        Stimulus stim = Stimulus.sequence(frames, frameSteps * step);
        EquilibriumSolver solverW = new EquilibriumSolver(sc);
        Equilibrium first = solverW.solve(net, frames[0]).copy();
        Equilibrium last = new EquilibriumSolver(sc).solve(net, frames[frames.length - 1], first.state()).copy();
        RelaxationTime rt = RelaxationTime.slowest(
                RelaxationTime.atFixedPoints(net, first.z(), tau, tauVec, step),
                RelaxationTime.atFixedPoints(net, last.z(), tau, tauVec, step));
        Matrix start = init.equals("fixed-point") ? first.state() : null;
        var sim = new SimulationSettings(step, tau, tauVec, k, every, noise, seed, 0);
        long t0 = System.nanoTime();
        Trajectory traj = new Simulator(net).run(stim, sim, start);
        double simSeconds = (System.nanoTime() - t0) / 1e9;
        FixedPointPath path = FixedPointPath.along(net, stim, traj.times(), solverW, true, start);
        FixedPointPath cold = FixedPointPath.along(net, stim, traj.times(), new EquilibriumSolver(sc), false, null);
        TrackingError err = TrackingError.of(traj, path, traj.times()[0], traj.times()[traj.records() - 1]);

        writeArrays(net, traj, path, folder);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", "input");
        j.put("network", network);
        j.put("simulation", simulationInfo(sim, tauVec, init.equals("fixed-point") ? "fixed point of the first frame" : "rest",
                traj, simSeconds));
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("file", input.toString());
        in.put("frames", frames.length);
        in.put("batch", frames[0].rows);
        in.put("frame_steps", frameSteps);
        in.put("frame_duration", frameSteps * step);
        j.put("input", in);
        j.put("tau_relax", relaxationInfo(rt, "the fixed points of the first and last frames"));
        j.put("fixed_points", pathInfo(solverInfo, path, cold));
        j.put("summary", summaryInfo(err, Double.NaN));
        putSeries(j, err);
        folder.writeText("tracking.json", Json.pretty(j));
        double tr = rt.stable() ? rt.value() : Double.NaN;
        SimulateReport.trackingFigure(folder.figure("tracking.png"),
                List.of(new SimulateReport.Curve("input sequence", err, Double.isFinite(tr) ? tr : 1)),
                Double.isFinite(tr) ? "t / tau_relax" : "t", List.of());
        warnings(traj, path);
        stdout().printf(Locale.ROOT, "simulated %d steps (%d records, B = %d) in %.2f s; mean distance to r*(x(t)) %.4g,"
                        + " max %.4g; fixed-point iterations %d warm, %d cold; wrote %s%n", traj.stepsTaken(),
                traj.records(), traj.batch(), simSeconds, err.summary().meanDistance(), err.summary().maxDistance(),
                path.totalIterations(), cold.totalIterations(), out);
        return 0;
    }

    // ================================================================== built-in stimulus, one T_s

    private int runBuiltIn(TrackingExperiment ex, Kind kind, double mainTs, double[] ratios, Endpoints ends,
                           Map<String, Object> network, Map<String, Object> solverInfo, Map<String, Object> relax,
                           ResultsFolder folder) throws IOException {
        double tr = ex.relaxation().value();
        long t0 = System.nanoTime();
        TrackingExperiment.Run run = ex.run(kind, mainTs);
        double seconds = (System.nanoTime() - t0) / 1e9;
        FixedPointPath cold = FixedPointPath.along(ex.network(), run.stimulus(),
                run.trajectory().times(), new EquilibriumSolver(ex.settings().solver()), false, null);
        writeArrays(ex.network(), run.trajectory(), run.fixedPoints(), folder);

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", "stimulus");
        j.put("network", network);
        j.put("simulation", simulationInfo(run.simulation(), ex.settings().tauPerUnit(), "fixed point of xa",
                run.trajectory(), seconds));
        j.put("stimulus", stimulusInfo(ex, kind, mainTs, ends));
        j.put("tau_relax", relax);
        j.put("fixed_points", pathInfo(solverInfo, run.fixedPoints(), cold));
        j.put("summary", summaryInfo(run.error(), ex.scale()));
        putSeries(j, run.error());

        List<SimulateReport.Curve> curves = new ArrayList<>();
        List<SimulateReport.Point> points = new ArrayList<>();
        curves.add(new SimulateReport.Curve(SimulateReport.tsLabel(mainTs, tr), run.error(), mainTs));
        points.add(new SimulateReport.Point(kind.label(), mainTs / tr, run.error().summary()));
        List<Map<String, Object>> comp = new ArrayList<>();
        for (double ratio : ratios) {
            if (Math.abs(ratio * tr - mainTs) <= 1e-9 * mainTs) {
                continue; // the main run already is this one
            }
            TrackingExperiment.Run c = ex.run(kind, ratio * tr);
            curves.add(new SimulateReport.Curve(SimulateReport.tsLabel(c.ts(), tr), c.error(), c.ts()));
            points.add(new SimulateReport.Point(kind.label(), ratio, c.error().summary()));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("T_s_over_tau_relax", ratio);
            m.put("T_s", c.ts());
            m.putAll(summaryInfo(c.error(), ex.scale()));
            m.put("steps", c.trajectory().stepsTaken());
            comp.add(m);
        }
        j.put("comparison", comp);
        folder.writeText("tracking.json", Json.pretty(j));
        SimulateReport.trackingFigure(folder.figure("tracking.png"), curves, "t / T_s", points);
        warnings(run.trajectory(), run.fixedPoints());
        stdout().printf(Locale.ROOT, "%s, T_s = %.4g (%.3g tau_relax): %d steps in %.2f s; mean distance to r*(x(t)) %.4g"
                        + " (%.3g of ||r*(xb) - r*(xa)|| = %.4g), max %.4g; fixed-point iterations %d warm, %d cold;"
                        + " wrote %s%n", kind.label(), mainTs, mainTs / tr, run.trajectory().stepsTaken(), seconds,
                run.error().summary().meanDistance(), run.meanRelative(), ex.scale(), run.error().summary().maxDistance(),
                run.fixedPoints().totalIterations(), cold.totalIterations(), out);
        return 0;
    }

    // ================================================================== sweep

    private int runSweep(TrackingExperiment ex, List<Kind> kinds, double[] ratios, Endpoints ends,
                         Map<String, Object> network, Map<String, Object> solverInfo, Map<String, Object> relax,
                         ResultsFolder folder) throws IOException {
        double tr = ex.relaxation().value();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", "sweep");
        j.put("network", network);
        Map<String, Object> simInfo = new LinkedHashMap<>();
        simInfo.put("dt", ex.settings().dt());
        simInfo.put("tau", ex.settings().tauPerUnit() == null ? ex.settings().tau() : tauUnits.toString());
        simInfo.put("noise", noise);
        simInfo.put("seed", seed);
        simInfo.put("records_in_window_at_least", ex.settings().recordsPerRun());
        simInfo.put("initial_state", "fixed point of xa");
        j.put("simulation", simInfo);
        j.put("inputs", ends.description);
        j.put("scale", ex.scale());
        j.put("scale_is", "batch mean of ||r*(xb) - r*(xa)||; relative errors are divided by it");
        j.put("tau_relax", relax);
        j.put("fixed_points", solverInfo);
        List<SimulateReport.Point> points = new ArrayList<>();
        List<SimulateReport.Curve> curves = new ArrayList<>();
        Kind shown = kinds.contains(Kind.MORPH) ? Kind.MORPH : kinds.getFirst();
        int[] pick = SimulateReport.pickSpread(ratios.length, 5);
        Map<String, Object> byKind = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (Kind kind : kinds) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < ratios.length; i++) {
                double ratio = ratios[i];
                long s0 = System.nanoTime();
                TrackingExperiment.Run run = ex.run(kind, ratio * tr);
                double sec = (System.nanoTime() - s0) / 1e9;
                TrackingError.Summary s = run.error().summary();
                points.add(new SimulateReport.Point(kind.label(), ratio, s));
                if (kind == shown && contains(pick, i)) {
                    curves.add(new SimulateReport.Curve(SimulateReport.tsLabel(run.ts(), tr), run.error(), run.ts()));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("T_s_over_tau_relax", ratio);
                m.put("T_s", run.ts());
                m.putAll(summaryInfo(run.error(), ex.scale()));
                m.put("steps", run.trajectory().stepsTaken());
                m.put("records", run.trajectory().records());
                m.put("fixed_point_iterations", run.fixedPoints().totalIterations());
                m.put("fixed_points_converged", run.fixedPoints().allConverged());
                m.put("diverged", run.trajectory().diverged());
                m.put("seconds", sec);
                rows.add(m);
                stdout().printf(Locale.ROOT, "  %-8s T_s/tau_relax %8.3g: mean distance %.4g (relative %.3g), max %.4g;"
                                + " %d steps, %.2f s%n", kind.label(), ratio, s.meanDistance(), run.meanRelative(),
                        s.maxDistance(), run.trajectory().stepsTaken(), sec);
                warnings(run.trajectory(), run.fixedPoints());
            }
            byKind.put(kind.label(), rows);
        }
        j.put("sweep", byKind);
        j.put("seconds", (System.nanoTime() - t0) / 1e9);
        folder.writeText("sweep.json", Json.pretty(j));
        SimulateReport.sweepFigure(folder.figure("sweep.png"), points, ex.scale());
        SimulateReport.trackingFigure(folder.figure("tracking.png"), curves, "t / T_s", points);
        String command = "fprnn " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        String relaxText = String.format(Locale.ROOT, "tau_relax = %.4g, computed as %s.", tr, ex.relaxation().method());
        folder.writeText("results.md", SimulateReport.sweepMarkdown(command,
                org.fprnn.cli.report.RunInfo.collect(command, seed), relaxText, String.valueOf(ends.description),
                ex.scale(), points));
        stdout().printf(Locale.ROOT, "tau_relax = %.4g; wrote %s (results.md, sweep.json, figures/sweep.png,"
                + " figures/tracking.png)%n", tr, out);
        return 0;
    }

    // ================================================================== loading

    private FixedPointNetwork loadNetwork(Precision p, Nonlinearity f, Dynamics dyn) {
        Matrix wm;
        Matrix um;
        Matrix rm = null;
        Matrix bm = null;
        if (weights != null) {
            if (w != null || u != null || r != null || b != null) {
                throw new UserError("give the network either as --weights FILE.safetensors or as --W/--U/--R/--b, not both");
            }
            Safetensors.Contents c;
            try {
                c = Safetensors.read(weights);
            } catch (IOException e) {
                throw new UserError(e.getMessage() != null && e.getMessage().contains(weights.toString()) ? e.getMessage()
                        : weights + ": " + e.getMessage(), e);
            }
            wm = InputFiles.matrix(InputFiles.conv(() -> c.get("W")), p, "W");
            um = InputFiles.matrix(InputFiles.conv(() -> c.get("U")), p, "U");
            if (c.tensors().containsKey("R")) {
                rm = InputFiles.matrix(c.tensors().get("R"), p, "R");
            }
            if (c.tensors().containsKey("b")) {
                bm = InputFiles.rowVector(c.tensors().get("b"), p, wm.rows, "b");
            }
        } else {
            if (w == null || u == null) {
                throw new UserError("give the network: --W W.npy --U U.npy [--R R.npy] [--b b.npy], or --weights FILE.safetensors");
            }
            wm = InputFiles.matrix(w, p, "W");
            um = InputFiles.matrix(u, p, "U");
            if (r != null) {
                rm = InputFiles.matrix(r, p, "R");
            }
            if (b != null) {
                bm = InputFiles.rowVector(InputFiles.read(b), p, wm.rows, "b");
            }
        }
        String ws = weights != null ? weights + " (W)" : String.valueOf(w);
        String us = weights != null ? weights + " (U)" : String.valueOf(u);
        int n = wm.rows;
        if (wm.cols != n) {
            throw new UserError(ws + ": W must be square (N, N), found " + wm.shape());
        }
        if (um.rows != n) {
            throw new UserError(us + ": U must have shape (N, n_in) with N = " + n + " (from W), found " + um.shape());
        }
        if (rm != null && rm.cols != n) {
            throw new UserError((weights != null ? weights + " (R)" : String.valueOf(r)) + ": R must have shape (n_out, N)"
                    + " with N = " + n + ", found " + rm.shape());
        }
        FixedPointNetwork.Builder nb = FixedPointNetwork.builder().inputs(um.cols).units(n)
                .outputs(rm != null ? rm.rows : 1).nonlinearity(f).dynamics(dyn).precision(p)
                .recurrentWeights(wm).inputWeights(um).readoutWeights(rm != null ? rm : p.zeros(1, n));
        if (bm != null) {
            nb.biasWeights(bm);
        }
        hasReadout = rm != null;
        return nb.build();
    }

    private boolean hasReadout;

    private Matrix[] loadFrames(Precision p, int nIn) {
        NdArray a = InputFiles.read(input);
        if (a.ndim() != 2 && a.ndim() != 3) {
            throw new UserError(input + ": the input must have shape (T, n_in) or (T, B, n_in), found " + a.shapeString());
        }
        int t = a.dim(0);
        int bsz = a.ndim() == 3 ? a.dim(1) : 1;
        int cols = a.dim(a.ndim() - 1);
        if (cols != nIn) {
            throw new UserError(input + ": the input has " + cols + " features per sample, the network expects n_in = " + nIn
                    + " (from U), shape " + a.shapeString());
        }
        if (t < 1 || bsz < 1) {
            throw new UserError(input + ": the input holds no time steps or no samples, shape " + a.shapeString());
        }
        double[] v = InputFiles.conv(a::toDoubleArray);
        Matrix[] frames = new Matrix[t];
        int len = bsz * nIn;
        for (int k = 0; k < t; k++) {
            DMatrix m = new DMatrix(bsz, nIn);
            System.arraycopy(v, k * len, m.data, 0, len);
            InputFiles.finite(m, input + " (time step " + k + ")");
            frames[k] = m.to(p);
        }
        return frames;
    }

    private record Endpoints(Matrix xa, Matrix xb, Object description) {
    }

    private Endpoints loadEndpoints(Precision p, int nIn) {
        int given = (endpoints != null ? 1 : 0) + (digits != null ? 1 : 0) + (images != null ? 1 : 0);
        if (given != 1) {
            throw new UserError("a built-in stimulus needs exactly one of --endpoints X2.npy, --digits A,B and --images I,J");
        }
        if (endpoints != null) {
            Matrix m = InputFiles.matrix(endpoints, p, "the endpoints");
            if (m.rows != 2 || m.cols != nIn) {
                throw new UserError(endpoints + ": the endpoints must have shape (2, n_in) = (2, " + nIn + "), found "
                        + m.shape());
            }
            Matrix xa = m.like(1, nIn);
            Matrix xb = m.like(1, nIn);
            xa.copyRow(m, 0, 0);
            xb.copyRow(m, 1, 0);
            return new Endpoints(xa, xb, Map.of("xa", endpoints + " row 0", "xb", endpoints + " row 1"));
        }
        List<Integer> pair = digits != null ? digits : images;
        String opt = digits != null ? "--digits" : "--images";
        if (pair.size() != 2) {
            throw new UserError(opt + " takes two values, e.g. " + opt + (digits != null ? " 3,8" : " 18,61") + "; got " + pair);
        }
        if (nIn != 784) {
            throw new UserError(opt + " uses MNIST images (784 pixels), but the network has n_in = " + nIn
                    + " (from U); give the two inputs with --endpoints instead");
        }
        Dataset test;
        try {
            DataOptions o = DataOptions.defaults();
            test = DataSets.load("mnist", "test", data != null ? o.withDir(data) : o);
        } catch (IOException e) {
            throw new UserError(e.getMessage(), e);
        }
        int[] idx = new int[2];
        for (int s = 0; s < 2; s++) {
            int v = pair.get(s);
            if (digits != null) {
                if (v < 0 || v > 9) {
                    throw new UserError("--digits: labels are 0 to 9, got " + v);
                }
                idx[s] = -1;
                for (int i = 0; i < test.labels().length; i++) {
                    if (test.labels()[i] == v) {
                        idx[s] = i;
                        break;
                    }
                }
            } else {
                if (v < 0 || v >= test.size()) {
                    throw new UserError("--images: indices are 0 to " + (test.size() - 1) + ", got " + v);
                }
                idx[s] = v;
            }
        }
        FMatrix xs = test.x();
        Matrix xa = p.zeros(1, nIn);
        Matrix xb = p.zeros(1, nIn);
        xa.copyRow(xs, idx[0], 0);
        xb.copyRow(xs, idx[1], 0);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("xa", "MNIST test image " + idx[0] + " (label " + test.labels()[idx[0]] + ")");
        d.put("xb", "MNIST test image " + idx[1] + " (label " + test.labels()[idx[1]] + ")");
        return new Endpoints(xa, xb, d);
    }

    private static double[] parseRatios(String s) {
        if (s.trim().equalsIgnoreCase("none") || s.isBlank()) {
            return new double[0];
        }
        String[] parts = s.split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UserError("--compare takes numbers separated by commas (or 'none'), got '" + s + "'");
            }
            if (!(v[i] > 0) || Double.isInfinite(v[i])) {
                throw new UserError("--compare: every T_s / tau_relax must be a positive number, got " + parts[i]);
            }
        }
        return v;
    }

    // ================================================================== output

    private void writeArrays(FixedPointNetwork net, Trajectory traj, FixedPointPath path, ResultsFolder folder)
            throws IOException {
        Npy.write(folder.root().resolve("trajectory.npy"), traj.toNdArray(true));
        Npy.write(folder.root().resolve("fixed_points.npy"), path.toNdArray(true));
        if (hasReadout) {
            Matrix y = traj.rates().like(traj.rates().rows, net.outputs());
            Ops.gemm(false, true, 1, traj.rates(), net.params().get("R"), 0, y);
            long[] shape = traj.batch() == 1 ? new long[] {traj.records(), net.outputs()}
                    : new long[] {traj.records(), traj.batch(), net.outputs()};
            NdArray a = switch (y) {
                case FMatrix fm -> NdArray.of(fm.data, shape);
                case DMatrix dm -> NdArray.of(dm.data, shape);
            };
            Npy.write(folder.root().resolve("readout.npy"), a);
        }
    }

    private Map<String, Object> simulationInfo(SimulationSettings s, double[] tauVec, String start, Trajectory traj,
                                               double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dt", s.dt());
        m.put("tau", tauVec == null ? s.tau() : tauUnits.toString());
        m.put("steps", s.steps());
        m.put("steps_taken", traj.stepsTaken());
        m.put("record_every", s.recordEvery());
        m.put("records", traj.records());
        m.put("batch", traj.batch());
        m.put("noise", s.noise());
        m.put("noise_is", "Euler-Maruyama: sigma sqrt(2 dt / tau) N(0, 1) per unit and step (discrete: sigma N(0, 1))");
        m.put("seed", s.seed());
        m.put("initial_state", start);
        m.put("diverged", traj.diverged());
        m.put("seconds", seconds);
        return m;
    }

    private Map<String, Object> stimulusInfo(TrackingExperiment ex, Kind kind, double t, Endpoints ends) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.label());
        m.put("T_s", t);
        m.put("T_s_over_tau_relax", t / ex.relaxation().value());
        m.put("inputs", ends.description);
        if (kind == Kind.PERIODIC) {
            m.put("periods", ex.periods(t));
        }
        m.put("window", switch (kind) {
            case SWITCH -> "[0, T_s]: x = xb from t = 0 on";
            case MORPH -> "[0, T_s]: the cosine morph";
            case PERIODIC -> "the last period";
        });
        return m;
    }

    private static Map<String, Object> relaxationInfo(RelaxationTime rt, String where) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", rt.value());
        m.put("eigenvalue", rt.eigenvalue());
        m.put("eigenvalue_is", rt.method().startsWith("dt") ? "rho(G W) at the slowest fixed point"
                : rt.method().startsWith("1 /") ? "max Re eig(T^-1 (G W - I)) at the slowest fixed point"
                : "max Re eig(G W) at the slowest fixed point");
        m.put("per_point", rt.perPoint());
        m.put("points", where);
        m.put("how", rt.method());
        m.put("stable", rt.stable());
        return m;
    }

    private static Map<String, Object> pathInfo(Map<String, Object> solverInfo, FixedPointPath path, FixedPointPath cold) {
        Map<String, Object> m = new LinkedHashMap<>(solverInfo);
        m.put("points", path.points());
        m.put("iterations_warm", path.totalIterations());
        m.put("iterations_cold", cold.totalIterations());
        m.put("max_abs_difference_warm_cold", maxAbsDiff(path.rates(), cold.rates()));
        m.put("max_residual", path.maxResidual());
        m.put("unconverged_points", path.unconvergedPoints());
        return m;
    }

    private static double maxAbsDiff(Matrix a, Matrix b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.getFlat(i) - b.getFlat(i)));
        }
        return m;
    }

    private static Map<String, Object> summaryInfo(TrackingError e, double scale) {
        Map<String, Object> m = new LinkedHashMap<>();
        TrackingError.Summary s = e.summary();
        m.put("window", new double[] {e.windowStart(), e.windowEnd()});
        m.put("records_in_window", s.points());
        m.put("mean_distance", s.meanDistance());
        m.put("max_distance", s.maxDistance());
        m.put("mean_max_abs", s.meanMaxAbs());
        m.put("max_max_abs", s.maxMaxAbs());
        if (Double.isFinite(scale)) {
            m.put("scale", scale);
            m.put("mean_relative", s.meanDistance() / scale);
            m.put("max_relative", s.maxDistance() / scale);
        }
        return m;
    }

    private static void putSeries(Map<String, Object> j, TrackingError e) {
        j.put("time", e.times());
        j.put("distance", e.distance());
        j.put("distance_max_over_batch", e.distanceMax());
        j.put("max_abs", e.maxAbs());
        j.put("series_are", "per record: batch mean and max of ||r(t) - r*(x(t))||, and max over samples and units of"
                + " |r(t) - r*(x(t))|");
    }

    private void warnings(Trajectory traj, FixedPointPath path) {
        var err = spec.commandLine().getErr();
        if (traj.diverged()) {
            err.printf(Locale.ROOT, "fprnn simulate: the simulation diverged after %d steps (non-finite rates); later"
                    + " records are NaN%n", traj.stepsTaken());
        }
        if (!path.allConverged()) {
            err.printf(Locale.ROOT, "fprnn simulate: the fixed point did not converge at %d of %d recorded times (max"
                    + " residual %.3g); distances there are to the solver's state%n", path.unconvergedPoints(),
                    path.points(), path.maxResidual());
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
