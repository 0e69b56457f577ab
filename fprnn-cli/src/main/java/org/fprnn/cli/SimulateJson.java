package org.fprnn.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.simulate.FixedPointPath;
import org.fprnn.simulate.RelaxationTime;
import org.fprnn.simulate.SimulationSettings;
import org.fprnn.simulate.TrackingError;
import org.fprnn.simulate.TrackingExperiment;
import org.fprnn.simulate.TrackingExperiment.Kind;
import org.fprnn.simulate.Trajectory;

/** The objects of fprnn simulate's tracking.json and sweep.json, one method per object. */
final class SimulateJson {
    private SimulateJson() {
    }

    /** The "network" object: where the weights came from and the network's settings. */
    static Map<String, Object> network(SimulateOptions o, FixedPointNetwork net, Nonlinearity f, Dynamics dyn,
                                       Precision p) {
        Map<String, Object> network = new LinkedHashMap<>();
        if (o.config != null) {
            network.put("config", o.config.toString());
        }
        if (o.weights() != null) {
            network.put("weights", o.weights().toString());
        } else {
            SimulateOptions.Files w = o.files();
            Map<String, Object> files = new LinkedHashMap<>();
            files.put("W", w.w.toString());
            files.put("U", w.u.toString());
            if (w.r != null) {
                files.put("R", w.r.toString());
            }
            if (w.b != null) {
                files.put("b", w.b.toString());
            }
            network.put("weights", files);
        }
        network.put("units", net.units());
        network.put("inputs", net.inputs());
        network.put("nonlinearity", f.name());
        network.put("dynamics", dyn.label());
        network.put("precision", p.name().toLowerCase(Locale.ROOT));
        return network;
    }

    /** The solver settings every "fixed_points" object starts with. */
    static Map<String, Object> solver(String solver, double tolerance, int maxIter) {
        Map<String, Object> solverInfo = new LinkedHashMap<>();
        solverInfo.put("solver", solver);
        solverInfo.put("tol", tolerance);
        solverInfo.put("max_iter", maxIter);
        return solverInfo;
    }

    /** The "simulation" object: the settings of one simulation and how it went. */
    static Map<String, Object> simulation(SimulationSettings s, Path tauUnits, String start, Trajectory traj,
                                          double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dt", s.dt());
        m.put("tau", tauUnits == null ? s.tau() : tauUnits.toString());
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

    /** The "stimulus" object of a built-in run. */
    static Map<String, Object> stimulus(TrackingExperiment ex, Kind kind, double t, SimulateInputs.Endpoints ends) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind.label());
        m.put("T_s", t);
        m.put("T_s_over_tau_relax", t / ex.relaxation().value());
        m.put("inputs", ends.description());
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

    /** The "tau_relax" object: the slowest relaxation time and where and how it was found. */
    static Map<String, Object> relaxation(RelaxationTime rt, String where) {
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

    /** The "fixed_points" object: the solver settings and the path's solves, warm and cold. */
    static Map<String, Object> path(Map<String, Object> solverInfo, FixedPointPath path, FixedPointPath cold) {
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

    /** The "summary" object: the tracking error over the measured window (relative to scale when finite). */
    static Map<String, Object> summary(TrackingError e, double scale) {
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

    /** The per-record series of the tracking error. */
    static void putSeries(Map<String, Object> j, TrackingError e) {
        j.put("time", e.times());
        j.put("distance", e.distance());
        j.put("distance_max_over_batch", e.distanceMax());
        j.put("max_abs", e.maxAbs());
        j.put("series_are", "per record: batch mean and max of ||r(t) - r*(x(t))||, and max over samples and units of"
                + " |r(t) - r*(x(t))|");
    }
}
