package org.fprnn.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.simulate.TrackingExperiment;
import org.fprnn.simulate.TrackingExperiment.Kind;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * fprnn simulate: the network's dynamics under a time-varying input, compared with the fixed point
 * of the current input (MATH section 7). This class checks the options against each other and picks the
 * run; the options are {@link SimulateOptions}, reading the files {@link SimulateInputs}, the three runs
 * (input sequence, built-in stimulus, sweep) {@link SimulateRuns} and their JSON {@link SimulateJson}.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Simulate a network's dynamics under a time-varying input; measure tracking",
        sortOptions = false,
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
            "Network, one of: --W W.npy --U U.npy [--R R.npy] [--b b.npy]; --weights",
            "NET.safetensors (tensors W, U and optionally R, b), both a single dense",
            "layer with --nonlinearity, --dynamics and --precision; or --config",
            "CONFIG.toml --weights RESULTS/weights/ID.safetensors, a network that",
            "fprnn run trained: the config's [network] (dense, masked, Dale, conv,",
            "layered) built for its [data] set, with its nonlinearity, dynamics and",
            "precision, and the trained weights loaded (names and shapes must match,",
            "and so must the network settings that the weights file records).",
            "",
            "Input, one of:",
            "  --input X.npy    an array over time, (T, n_in) or (T, B, n_in); row k is",
            "                   held for --frame-steps steps; the run takes",
            "                   T * frame-steps steps unless --steps is given.",
            "  --stimulus KIND  a built-in stimulus between two inputs xa and xb, given",
            "                   by --endpoints X2.npy (rows of a (2, n_in) array),",
            "                   --digits A,B (the first test image of each label)",
            "                   or --images I,J (test images by index), from MNIST,",
            "                   or with --config from the config's data set:",
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
            "Writes into --out, a new or empty folder or one an earlier simulate wrote",
            "(its tracking.json or sweep.json says \"written_by\": \"fprnn simulate\"",
            "and lists its files, which are replaced, none left over); a folder with",
            "other files, such as a training sweep's results or a tracking.json of",
            "your own, is refused:",
            "  trajectory.npy    rates at the recorded times, (T_rec, N) or",
            "                    (T_rec, B, N)",
            "  fixed_points.npy  r*(x(t)) at the same times, same shape",
            "  readout.npy       the read-out R r(t) (+ c), (T_rec, n_out) or",
            "                    (T_rec, B, n_out), with --R or --config",
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
            "--sweep) exits with code 2 before any output is written. The outputs are",
            "moved into place once all are written: a run that fails (a full disk)",
            "leaves the folder as it found it.",
            "",
            "Examples:",
            "  fprnn simulate --W W.npy --U U.npy --nonlinearity tanh \\",
            "      --stimulus morph --digits 3,8 --ts-relax 10 --out results/sim",
            "  fprnn simulate --W W.npy --U U.npy --nonlinearity tanh \\",
            "      --digits 3,8 --sweep --out results/sweep",
            "  fprnn simulate --W W.npy --U U.npy --b b.npy --nonlinearity tanh \\",
            "      --input X.npy --frame-steps 20 --noise 0.01 --seed 1 --out results/seq",
            "  fprnn simulate --config configs/p3c-mnist.toml \\",
            "      --weights results/p3c-mnist/weights/ID.safetensors \\",
            "      --stimulus morph --digits 3,8 --out results/sim-conv",
            ""})
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SimulateOptions o;


    /**
     * The range of time constants (and of dt of discrete dynamics): they only set the unit of time, the
     * results scale with them, and within it a run's times stay far from floating point's limits.
     */
    static final double TIME_UNIT_MIN = 1e-100;
    static final double TIME_UNIT_MAX = 1e100;
    static final String TIME_UNIT_WHY = "it sets the unit of time (results scale with it), and beyond this range"
            + " the times of a run would come near the limits of floating point (1e-308 to 1e308)";
    /** The largest --noise sigma. */
    static final double NOISE_MAX = 1e6;
    /** The largest --periods. */
    static final int PERIODS_MAX = 1_000_000;
    /** The largest --ratio-count. */
    static final int RATIO_COUNT_MAX = 1000;

    /** Units from which computing tau_relax is announced (its eigenproblems take minutes above). */
    static final int LARGE_EIGENPROBLEM_UNITS = 1000;

    @Override
    public Integer call() throws Exception {
        try (SimulateOutput output = new SimulateOutput(o.out, "fprnn simulate --out " + o.out,
                spec.commandLine().getOut())) {
            try {
                int code = simulate(output);
                output.commit();
                return code;
            } catch (IOException e) {
                throw output.writeFailure(e);
            }
        }
    }

    /** The run: every option checked first; the output folder is opened only once they pass. */
    private int simulate(SimulateOutput output) throws IOException {
        checkChoices();
        SimulateInputs inputs = new SimulateInputs(o);
        ConfigNetwork.Trained trained = o.config == null ? null : ConfigNetwork.load(o.config, o.weights(), o.data);
        FixedPointNetwork configured = trained == null ? null : trained.net();
        if (trained != null) {
            // --digits and --images pick from the data set it was trained on
            inputs.takeImagesFrom(trained.test(), trained.title());
        }
        Precision p = configured != null ? configured.precision() : InputFiles.parse(() -> Precision.parse(o.precision));
        Dynamics dyn = configured != null ? configured.dynamics() : InputFiles.parse(() -> Dynamics.parse(o.dynamics));
        Nonlinearity f = configured != null ? configured.nonlinearity() : o.nonlinearity.parse();
        if (!Solvers.ITERATIVE.contains(o.solver)) {
            throw new UserError(Solvers.ITERATIVE.unknown("solver", o.solver));
        }
        double tolerance = o.tol != null ? o.tol : p == Precision.FLOAT ? 1e-5 : 1e-10;
        OptionCheck.requireRange("--tol", tolerance, p.epsilon(), 1, true, "the solver stops once max|r - f(W r + h)|"
                + " <= tol; at 1 or more it stops at states far from a fixed point (tanh rates are within 1), and"
                + " below the rounding of " + p.name().toLowerCase(Locale.ROOT) + " numbers (" + OptionCheck.number(
                p.epsilon()) + ") no solve can meet it");
        OptionCheck.requireRange("--max-iter", o.maxIter, 1, Integer.MAX_VALUE, false, "the solver's iteration limit");
        OptionCheck.requireRange("--tau", o.tau, TIME_UNIT_MIN, TIME_UNIT_MAX, false, TIME_UNIT_WHY);
        OptionCheck.requireRange("--noise", o.noise, 0, NOISE_MAX, false, "sigma is the standard deviation the"
                + " noise gives a unit; more than " + OptionCheck.number(NOISE_MAX) + " buries the rates of any"
                + " network (float numbers near 1e6 are 0.06 apart), and the tracking error would measure the noise");
        List<String> stimulus = o.stimulus;
        if (o.sweep && (stimulus == null || stimulus.isEmpty()) && o.input == null) {
            stimulus = List.of("switch", "morph", "periodic");
        }
        boolean builtIn = stimulus != null && !stimulus.isEmpty();
        if (builtIn == (o.input != null)) {
            throw new UserError(builtIn ? "give either --input or --stimulus, not both"
                    : "give the input: --input X.npy, or --stimulus switch|morph|periodic with --endpoints, --digits or --images");
        }
        if (o.sweep && !builtIn) {
            throw new UserError("--sweep needs a built-in stimulus (--stimulus with --endpoints, --digits or --images)");
        }
        checkModeOptions(f, dyn, builtIn);

        FixedPointNetwork net = configured != null ? configured : inputs.network(p, f, dyn);
        double[] tauVec = inputs.tauUnits(net.units());
        double tauMin = tauVec == null ? o.tau : Arrays.stream(tauVec).min().orElseThrow();
        double step = o.dt != null ? o.dt : dyn == Dynamics.DISCRETE ? 1.0 : tauMin / 20;
        if (dyn == Dynamics.DISCRETE) {
            OptionCheck.requireRange("--dt", step, TIME_UNIT_MIN, TIME_UNIT_MAX, false, "with discrete dynamics it is"
                    + " the time one step stands for: " + TIME_UNIT_WHY);
        } else {
            double tauMax = tauVec == null ? o.tau : Arrays.stream(tauVec).max().orElseThrow();
            if (step > tauMin) {
                throw new UserError("--dt " + OptionCheck.number(step) + " is larger than tau " + OptionCheck.number(
                        tauMin) + ": the Euler step dt/tau must be <= 1 (dt/tau around 0.05 or less is accurate)");
            }
            OptionCheck.requireRange("--dt", step, p.epsilon() * tauMax, tauMin, false, "each Euler step moves the"
                    + " rates by dt/tau of their change; below the rounding of " + p.name().toLowerCase(Locale.ROOT)
                    + " numbers (dt/tau = " + OptionCheck.number(p.epsilon()) + (tauVec == null ? "" : ", for the"
                    + " slowest unit's tau") + ") they would not move, and above tau the step overshoots");
        }
        SolverConfig sc = new SolverConfig(o.solver, tolerance, o.maxIter, o.solver.equals("euler") ? 0.5 : 1.0, 5,
                o.solver.equals("anderson") ? 0.5 : 1.0);
        Map<String, Object> network = SimulateJson.network(o, net, f, dyn, p);
        Map<String, Object> solverInfo = SimulateJson.solver(o.solver, tolerance, o.maxIter);
        SimulateRuns runs = new SimulateRuns(spec, o, configured != null || inputs.hasReadout(), network, solverInfo,
                output);

        if (net.units() >= LARGE_EIGENPROBLEM_UNITS) {
            // tau_relax takes the eigenvalues of a dense N x N matrix per fixed point, on one thread: minutes
            // at N = 2000 (measured: about 4), during which nothing else is printed.
            spec.commandLine().getOut().printf(java.util.Locale.ROOT, "computing tau_relax: the eigenvalues of a %d x %d"
                    + " matrix (G W) at each fixed point examined; at this size that takes minutes%n", net.units(),
                    net.units());
            spec.commandLine().getOut().flush();
        }
        if (!builtIn) {
            Matrix[] frames = inputs.frames(p, net.inputs());
            return runs.sequence(net, frames, tauVec, step, sc);
        }
        List<Kind> kinds = new ArrayList<>();
        for (String s : stimulus) {
            kinds.add(InputFiles.parse(() -> Kind.parse(s.trim())));
        }
        if (!o.sweep && kinds.size() != 1) {
            throw new UserError("--stimulus takes one kind without --sweep, got " + stimulus);
        }
        OptionCheck.of(spec).onlyIf(kinds.contains(Kind.PERIODIC), "--periods", "--stimulus " + String.join(",", stimulus)
                + ": it is the number of periods of the periodic stimulus");
        OptionCheck.requireRange("--periods", o.periods, 2, PERIODS_MAX, false, "the last period is measured; the"
                + " ones before it let the start pass (more are run when T_s is short), and more than "
                + OptionCheck.number(PERIODS_MAX) + " would only repeat the same cycle");
        OptionCheck.requireRange("--records", o.records, 2, Integer.MAX_VALUE, false, "the records of the measured"
                + " window (every step when it has fewer)");
        Double ts = o.ts();
        Double tsRelax = o.tsRelax();
        if (ts != null && (!(ts > 0) || Double.isInfinite(ts))) {
            throw new UserError("--ts must be a positive number, got " + ts);
        }
        if (tsRelax != null && (!(tsRelax > 0) || Double.isInfinite(tsRelax))) {
            throw new UserError("--ts-relax must be a positive number, got " + tsRelax);
        }
        double[] ratios;
        if (o.sweep) {
            if (!(o.ratioMin > 0) || !(o.ratioMax >= o.ratioMin) || Double.isInfinite(o.ratioMax) || o.ratioCount < 1) {
                throw new UserError("the sweep needs 0 < --ratio-min <= --ratio-max and --ratio-count >= 1, got "
                        + o.ratioMin + ", " + o.ratioMax + ", " + o.ratioCount);
            }
            OptionCheck.requireRange("--ratio-count", o.ratioCount, 1, o.ratioMin == o.ratioMax ? 1 : RATIO_COUNT_MAX,
                    false, o.ratioMin == o.ratioMax ? "--ratio-min and --ratio-max are equal, so every T_s of the"
                    + " sweep would be the same run" : "the T_s values are log-spaced from --ratio-min to --ratio-max;"
                    + " more than " + RATIO_COUNT_MAX + " add only run time (each is a simulation per stimulus kind)");
            ratios = TrackingExperiment.logSpaced(o.ratioMin, o.ratioMax, o.ratioCount);
        } else {
            ratios = SimulateInputs.ratios(o.compare);
        }
        SimulateInputs.Endpoints ends = inputs.endpoints(p, net.inputs());
        var settings = new TrackingExperiment.Settings(step, o.tau, tauVec, o.records, o.periods, o.noise, o.seed, sc);
        TrackingExperiment ex = new TrackingExperiment(net, ends.xa(), ends.xb(), settings);
        Map<String, Object> relax = SimulateJson.relaxation(ex.relaxation(),
                "the fixed points of xa, xb and (xa + xb) / 2");
        spec.commandLine().getOut().printf(Locale.ROOT, "tau_relax = %.6g (%s)%n", ex.relaxation().value(),
                ex.relaxation().method());
        if (!ex.start().converged()[0] || !ex.end().converged()[0]) {
            spec.commandLine().getErr().printf(Locale.ROOT, "fprnn simulate: the fixed point of %s did not converge"
                    + " (residual %.3g); results are measured against the solver's state%n",
                    !ex.start().converged()[0] ? "xa" : "xb",
                    Math.max(ex.start().maxResidual(), ex.end().maxResidual()));
        }
        if (o.sweep) {
            if (!ex.relaxation().stable()) {
                throw new UserError("the network is not stable at the fixed points of the two inputs (tau_relax is"
                        + " infinite; max Re eig = " + ex.relaxation().eigenvalue() + "): a sweep over T_s / tau_relax"
                        + " is not defined");
            }
            ratios = resolvable(ex, ratios);
            if (ratios.length == 0) {
                throw new UserError(String.format(Locale.ROOT, "every T_s of the sweep is shorter than two steps of"
                        + " dt = %.6g (tau_relax = %.6g): raise --ratio-max to at least %.3g", ex.settings().dt(),
                        ex.relaxation().value(), ex.shortestTs() / ex.relaxation().value()));
            }
            for (Kind kind : kinds) {
                for (double ratio : ratios) {
                    checkRun(ex, kind, ratio * ex.relaxation().value());
                }
            }
            return runs.sweep(ex, kinds, ratios, ends, relax, output.open());
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
        if (mainTs < ex.shortestTs()) {
            throw new UserError(String.format(Locale.ROOT, "T_s = %.6g%s is shorter than two steps of dt = %.6g, which"
                    + " cannot resolve the stimulus: give --ts of at least %.6g%s", mainTs, ts != null ? ""
                    : " (" + (tsRelax != null ? tsRelax : 10) + " tau_relax)", ex.settings().dt(), ex.shortestTs(),
                    net.dynamics() == org.fprnn.model.Dynamics.DISCRETE ? "" : ", or a smaller --dt"));
        }
        ratios = resolvable(ex, ratios);
        checkRun(ex, kinds.getFirst(), mainTs);
        for (double ratio : ratios) {
            checkRun(ex, kinds.getFirst(), ratio * ex.relaxation().value());
        }
        return runs.builtIn(ex, kinds.getFirst(), mainTs, ratios, ends, relax, output.open());
    }

    /**
     * The ratios whose T_s = ratio x tau_relax spans at least two steps of dt; the others are dropped
     * with a note (one step would jump from xa to xb, and its tracking error would mean nothing).
     */
    private double[] resolvable(TrackingExperiment ex, double[] ratios) {
        double min = ex.shortestTs() / ex.relaxation().value();
        double[] kept = java.util.Arrays.stream(ratios).filter(r -> r >= min).toArray();
        if (kept.length < ratios.length) {
            spec.commandLine().getOut().printf(Locale.ROOT, "note: left out %d T_s / tau_relax ratio%s below %.3g,"
                    + " whose T_s would be shorter than two steps of dt = %.6g%n", ratios.length - kept.length,
                    ratios.length - kept.length == 1 ? "" : "s", min, ex.settings().dt());
        }
        return kept;
    }

    /** A run too long or too large to simulate is refused before the output folder is made. */
    private static void checkRun(TrackingExperiment ex, Kind kind, double ts) {
        try {
            ex.check(kind, ts);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /**
     * The exclusive choices of {@link SimulateOptions}' argument groups. Picocli's own check of them is
     * off (validate = false): where several groups meet, its messages name the wrong options (picocli
     * issue 933), and these name what to give instead.
     */
    private void checkChoices() {
        OptionCheck given = OptionCheck.of(spec);
        boolean npy = given.given("--W") || given.given("--U") || given.given("--R") || given.given("--b");
        if (given.given("--weights") && npy) {
            throw new UserError("give the network either as --weights FILE.safetensors or as --W/--U/--R/--b, not both");
        }
        if (!given.given("--weights") && !(given.given("--W") && given.given("--U"))) {
            throw new UserError("give the network: --W W.npy --U U.npy [--R R.npy] [--b b.npy], or --weights FILE.safetensors"
                    + " (with --config CONFIG.toml for a network of any type that fprnn run trained)");
        }
        if (o.config != null) {
            if (!given.given("--weights")) {
                throw new UserError("--config builds the config's [network] and loads trained weights into it: give them"
                        + " with --weights FILE.safetensors (a file fprnn run wrote into RESULTS/weights/)");
            }
            String fromConfig = "--config: the config's [network] sets it";
            given.onlyIf(false, "--nonlinearity", fromConfig).onlyIf(false, "--gain", fromConfig)
                    .onlyIf(false, "--dynamics", fromConfig).onlyIf(false, "--precision", fromConfig);
        }
        if (given.given("--ts") && given.given("--ts-relax")) {
            throw new UserError("give --ts or --ts-relax, not both");
        }
        int sources = (given.given("--endpoints") ? 1 : 0) + (given.given("--digits") ? 1 : 0)
                + (given.given("--images") ? 1 : 0);
        if (sources > 1) {
            throw new UserError("a built-in stimulus needs exactly one of --endpoints X2.npy, --digits A,B and --images I,J");
        }
    }

    /** Refuses options that the dynamics, the noise or the other mode make meaningless ({@link OptionCheck}). */
    private void checkModeOptions(Nonlinearity f, Dynamics dyn, boolean builtIn) {
        String noTau = "--dynamics discrete: it steps r <- f(W r + h) once per dt, without a time constant";
        String withInput = "built-in stimuli: they run for T_s (switch, morph) or --periods periods and start at the"
                + " fixed point of xa; it applies to --input";
        String oneRun = o.sweep ? "--sweep: the sweep takes T_s / tau_relax from --ratio-min, --ratio-max, --ratio-count"
                : "--input: it sets T_s of a built-in stimulus";
        OptionCheck.of(spec)
                .onlyIf(f instanceof Nonlinearity.Linear, "--gain", o.nonlinearity.gainDoesNotApply())
                .onlyIf(dyn != Dynamics.DISCRETE, "--tau", noTau)
                .onlyIf(dyn != Dynamics.DISCRETE, "--tau-units", noTau)
                .onlyIf(o.noise > 0, "--seed", "a run without noise (--noise 0): it seeds the noise")
                .onlyIf(!builtIn, "--steps", withInput)
                .onlyIf(!builtIn, "--record-every", withInput + " (built-in stimuli take --records)")
                .onlyIf(!builtIn, "--init", withInput)
                .onlyIf(!builtIn, "--frame-steps", withInput)
                .onlyIf(builtIn, "--records", "--input: it is the record count of built-in stimuli; with --input"
                        + " use --record-every")
                .onlyIf(builtIn && !o.sweep, "--ts", oneRun)
                .onlyIf(builtIn && !o.sweep, "--ts-relax", oneRun)
                .onlyIf(builtIn && !o.sweep, "--compare", o.sweep ? oneRun
                        : "--input: it compares T_s values of a built-in stimulus")
                .onlyIf(o.sweep, "--ratio-min", "a run without --sweep")
                .onlyIf(o.sweep, "--ratio-max", "a run without --sweep")
                .onlyIf(o.sweep, "--ratio-count", "a run without --sweep")
                .onlyIf(builtIn, "--periods", "--input: it is the number of periods of the periodic stimulus")
                .onlyIf(builtIn, "--endpoints", "--input: it gives xa and xb of a built-in stimulus")
                .onlyIf(builtIn, "--digits", "--input: it picks xa and xb of a built-in stimulus")
                .onlyIf(builtIn, "--images", "--input: it picks xa and xb of a built-in stimulus")
                .onlyIf(o.config != null || builtIn && (o.digits() != null || o.images() != null), "--data",
                        "a run without --config and without MNIST images (--digits or --images): it is the folder"
                                + " of the images they pick from, or of the --config's data set")
                .onlyIf(o.tauUnits == null, "--tau", "--tau-units: the per-unit time constants replace the scalar tau");
    }
}
