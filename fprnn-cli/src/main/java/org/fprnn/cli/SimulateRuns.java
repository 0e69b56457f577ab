package org.fprnn.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.cli.report.SimulateReport;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
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
import picocli.CommandLine.Model.CommandSpec;

/**
 * The three runs of fprnn simulate, each writing its results folder: an input sequence (--input), a
 * built-in stimulus at one T_s, and the sweep over T_s / tau_relax. The options have been checked
 * by {@link SimulateCommand}; the few left here are the ones only one run reads.
 */
final class SimulateRuns {
    private final CommandSpec spec;
    private final SimulateOptions o;
    private final boolean hasReadout;
    private final Map<String, Object> network;
    private final Map<String, Object> solverInfo;
    private final SimulateOutput output;

    SimulateRuns(CommandSpec spec, SimulateOptions o, boolean hasReadout, Map<String, Object> network,
                 Map<String, Object> solverInfo, SimulateOutput output) {
        this.spec = spec;
        this.output = output;
        this.o = o;
        this.hasReadout = hasReadout;
        this.network = network;
        this.solverInfo = solverInfo;
    }

    private java.io.PrintWriter stdout() {
        return spec.commandLine().getOut();
    }

    /** --input: one simulation along the input sequence, from rest or the first frame's fixed point. */
    int sequence(FixedPointNetwork net, Matrix[] frames, double[] tauVec, double step, SolverConfig sc)
            throws IOException {
        OptionCheck.requireRange("--frame-steps", o.frameSteps, 1, o.steps != null ? Integer.MAX_VALUE
                : Integer.MAX_VALUE / frames.length, false, "each of the " + frames.length + " rows of --input is held"
                + " for it, and a run counts at most " + Integer.MAX_VALUE + " steps");
        long total = o.steps != null ? o.steps : (long) frames.length * o.frameSteps;
        OptionCheck.requireRange("--steps", total, 1, Integer.MAX_VALUE, false, "the steps of the run");
        int k = (int) total;
        int every = o.recordEvery != null ? o.recordEvery : Math.max(1, (int) Math.ceil(k / 1000.0));
        OptionCheck.requireRange("--record-every", every, 1, k, false, "a record every K steps of the " + k
                + "-step run; more would record only its start");
        // The trajectory and the fixed points along it are kept in memory, one state per record (as the
        // built-in stimuli check in TrackingExperiment.plan): refused now rather than failing after the work.
        long records = (long) k / every + 2;
        long bytes = 3 * Trajectory.bytes(records, frames[0].rows, net.units(), net.precision());
        if (records * frames[0].rows > Integer.MAX_VALUE || !Trajectory.fitsHalfHeap(bytes)) {
            throw new UserError(String.format(Locale.ROOT, "%d steps with a record every %d steps keep %d records of"
                    + " %d x %d states, about %.1f GB, more than half of the %.1f GB heap: give fewer --steps, a larger"
                    + " --record-every, or more heap (FPRNN_JAVA_OPTS=-Xmx...)", k, every, records, frames[0].rows,
                    net.units(), bytes / 1e9, Runtime.getRuntime().maxMemory() / 1e9));
        }
        if (!o.init.equals("rest") && !o.init.equals("fixed-point")) {
            throw new UserError("--init must be rest or fixed-point, got '" + o.init + "'");
        }
        SimulateOutput folder = output.open();
        Stimulus stim = Stimulus.sequence(frames, o.frameSteps * step);
        EquilibriumSolver solverW = new EquilibriumSolver(sc);
        Equilibrium first = solverW.solve(net, frames[0]).copy();
        Equilibrium last = new EquilibriumSolver(sc).solve(net, frames[frames.length - 1], first.state()).copy();
        RelaxationTime rt = RelaxationTime.slowest(
                RelaxationTime.atFixedPoints(net, first.z(), o.tau, tauVec, step),
                RelaxationTime.atFixedPoints(net, last.z(), o.tau, tauVec, step));
        Matrix start = o.init.equals("fixed-point") ? first.state() : null;
        var sim = new SimulationSettings(step, o.tau, tauVec, k, every, o.noise, o.seed, 0);
        // said before the work starts, so that a run of millions of steps is not silent until it ends
        stdout().printf(Locale.ROOT, "simulating %d steps of dt = %.4g (N = %d, B = %d, a record every %d steps)...%n",
                k, step, net.units(), frames[0].rows, every);
        stdout().flush();
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
        j.put("simulation", SimulateJson.simulation(sim, o.tauUnits, o.init.equals("fixed-point") ? "fixed point of the first frame" : "rest",
                traj, simSeconds));
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("file", o.input.toString());
        in.put("frames", frames.length);
        in.put("batch", frames[0].rows);
        in.put("frame_steps", o.frameSteps);
        in.put("frame_duration", o.frameSteps * step);
        j.put("input", in);
        j.put("tau_relax", SimulateJson.relaxation(rt, "the fixed points of the first and last frames"));
        j.put("fixed_points", SimulateJson.path(solverInfo, path, cold));
        j.put("summary", SimulateJson.summary(err, Double.NaN));
        SimulateJson.putSeries(j, err);
        folder.writeJson("tracking.json", j);
        double tr = rt.stable() ? rt.value() : Double.NaN;
        SimulateReport.trackingFigure(folder.figure("tracking.png"),
                List.of(new SimulateReport.Curve("input sequence", err, Double.isFinite(tr) ? tr : 1)),
                Double.isFinite(tr) ? "t / tau_relax" : "t", List.of());
        warnings(traj, path);
        stdout().printf(Locale.ROOT, "simulated %d steps (%d records, B = %d) in %.2f s; mean distance to r*(x(t)) %.4g,"
                        + " max %.4g; fixed-point iterations %d warm, %d cold%n", traj.stepsTaken(),
                traj.records(), traj.batch(), simSeconds, err.summary().meanDistance(), err.summary().maxDistance(),
                path.totalIterations(), cold.totalIterations());
        return 0;
    }

    /** A built-in stimulus at one T_s, plus the --compare runs for the figure. */
    int builtIn(TrackingExperiment ex, Kind kind, double mainTs, double[] ratios, SimulateInputs.Endpoints ends,
                Map<String, Object> relax, SimulateOutput folder) throws IOException {
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
        j.put("simulation", SimulateJson.simulation(run.simulation(), o.tauUnits, "fixed point of xa",
                run.trajectory(), seconds));
        j.put("stimulus", SimulateJson.stimulus(ex, kind, mainTs, ends));
        j.put("tau_relax", relax);
        j.put("fixed_points", SimulateJson.path(solverInfo, run.fixedPoints(), cold));
        j.put("summary", SimulateJson.summary(run.error(), ex.scale()));
        SimulateJson.putSeries(j, run.error());

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
            m.putAll(SimulateJson.summary(c.error(), ex.scale()));
            m.put("steps", c.trajectory().stepsTaken());
            comp.add(m);
        }
        j.put("comparison", comp);
        folder.writeJson("tracking.json", j);
        SimulateReport.trackingFigure(folder.figure("tracking.png"), curves, "t / T_s", points);
        warnings(run.trajectory(), run.fixedPoints());
        stdout().printf(Locale.ROOT, "%s, T_s = %.4g (%.3g tau_relax): %d steps in %.2f s; mean distance to r*(x(t)) %.4g"
                        + " (%.3g of ||r*(xb) - r*(xa)|| = %.4g), max %.4g; fixed-point iterations %d warm, %d cold%n",
                kind.label(), mainTs, mainTs / tr, run.trajectory().stepsTaken(), seconds,
                run.error().summary().meanDistance(), run.meanRelative(), ex.scale(), run.error().summary().maxDistance(),
                run.fixedPoints().totalIterations(), cold.totalIterations());
        return 0;
    }

    /** --sweep: every kind at every T_s / tau_relax. */
    int sweep(TrackingExperiment ex, List<Kind> kinds, double[] ratios, SimulateInputs.Endpoints ends,
              Map<String, Object> relax, SimulateOutput folder) throws IOException {
        double tr = ex.relaxation().value();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("mode", "sweep");
        j.put("network", network);
        Map<String, Object> simInfo = new LinkedHashMap<>();
        simInfo.put("dt", ex.settings().dt());
        simInfo.put("tau", o.tauUnits == null ? ex.settings().tau() : o.tauUnits.toString());
        simInfo.put("noise", o.noise);
        simInfo.put("seed", o.seed);
        // --records asks for at least K, but a window of fewer steps records every step (each entry's
        // records_in_window says how many): the key names what was asked, not a promise.
        simInfo.put("records_in_window_wanted", ex.settings().recordsPerRun());
        simInfo.put("initial_state", "fixed point of xa");
        j.put("simulation", simInfo);
        j.put("inputs", ends.description());
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
                m.putAll(SimulateJson.summary(run.error(), ex.scale()));
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
        folder.writeJson("sweep.json", j);
        SimulateReport.sweepFigure(folder.figure("sweep.png"), points, ex.scale());
        SimulateReport.trackingFigure(folder.figure("tracking.png"), curves, "t / T_s", points);
        String command = "fprnn " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        String relaxText = String.format(Locale.ROOT, "tau_relax = %.4g, computed as %s.", tr, ex.relaxation().method());
        folder.writeText("results.md", SimulateReport.sweepMarkdown(command,
                org.fprnn.cli.report.RunInfo.collect(command, o.seed), relaxText, String.valueOf(ends.description()),
                ex.scale(), points));
        stdout().printf(Locale.ROOT, "tau_relax = %.4g%n", tr);
        return 0;
    }


    private void writeArrays(FixedPointNetwork net, Trajectory traj, FixedPointPath path, SimulateOutput folder)
            throws IOException {
        Npy.write(folder.file("trajectory.npy"), traj.toNdArray(true));
        Npy.write(folder.file("fixed_points.npy"), path.toNdArray(true));
        if (hasReadout) {
            Matrix y = traj.rates().like(traj.rates().rows, net.outputs());
            net.readout(traj.rates(), y);
            long[] shape = traj.batch() == 1 ? new long[] {traj.records(), net.outputs()}
                    : new long[] {traj.records(), traj.batch(), net.outputs()};
            NdArray a = switch (y) {
                case FMatrix fm -> NdArray.of(fm.data, shape);
                case DMatrix dm -> NdArray.of(dm.data, shape);
            };
            Npy.write(folder.file("readout.npy"), a);
        }
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
