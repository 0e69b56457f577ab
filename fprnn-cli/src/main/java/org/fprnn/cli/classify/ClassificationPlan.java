package org.fprnn.cli.classify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.io.Json;
import org.fprnn.model.LayerSpec;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.rule.RuleSettings;
import org.fprnn.train.TrainSettings;

/**
 * A classification config resolved into its runs (every rule x learning rate, in config order) and
 * what each run needs: the network at start (the config's {@link NetworkSpec}, built from the seed,
 * the same for every run), the training settings, and a canonical description of the settings that decides whether a saved run
 * or checkpoint belongs to this config.
 */
public final class ClassificationPlan {

    /** One run of the sweep. */
    public record RunSpec(String rule, double lr) {
        /** File-name id, e.g. "gradient_lr0.0025". */
        public String id() {
            return rule + "_lr" + lrText(lr);
        }

        public String label() {
            return rule + " lr " + lrText(lr);
        }
    }

    private final RunConfig cfg;
    private final List<RunSpec> runs = new ArrayList<>();

    public ClassificationPlan(RunConfig cfg) {
        if (!cfg.protocol().equals("classification")) {
            throw new IllegalArgumentException("not a classification config: " + cfg.protocol());
        }
        this.cfg = cfg;
        cfg.sweep().perRule().forEach((rule, lrs) -> lrs.forEach(lr -> runs.add(new RunSpec(rule, lr))));
    }

    public RunConfig config() {
        return cfg;
    }

    public List<RunSpec> runs() {
        return runs;
    }

    /**
     * A lower estimate of the heap a run of this plan needs, in bytes, for images of this shape and
     * this many classes, before anything is allocated: {@link NetworkSpec#memoryEstimate} with this
     * plan's optimizer slots, batch rows and solver memory.
     *
     * @throws IllegalArgumentException if the network does not fit the images (conv on flat samples)
     * @throws org.fprnn.cli.UserError if one matrix has more elements than a Java array holds
     */
    public long memoryEstimate(FeatureShape image, int outputs) {
        NetworkSpec n = cfg.network();
        n.layerShapes(image); // a network that does not fit the images fails here, as an IllegalArgumentException
        var t = cfg.train();
        int slots = t.optimizer().equals("adam") ? 2 : t.optimizer().equals("nesterov") || t.momentum() > 0 ? 1 : 0;
        try {
            return n.memoryEstimate(image, outputs, slots, (long) t.batchSize() + t.testBatch(), cfg.solver().memory());
        } catch (IllegalArgumentException e) {
            throw new org.fprnn.cli.UserError(e.getMessage(), e);
        }
    }

    public TrainSettings trainSettings(RunSpec r) {
        var t = cfg.train();
        var forward = cfg.solver().toSolverConfig();
        var unroll = r.rule().equals("bptt") && cfg.rule().bpttUnroll() != null ? cfg.rule().bpttUnroll() : forward;
        var rs = new RuleSettings(Loss.CROSS_ENTROPY, cfg.rule().gainMode(), cfg.rule().adjoint(), unroll, r.lr());
        return new TrainSettings(r.rule(), r.lr(), t.optimizer(), t.momentum(), t.weightDecay(), t.batchSize(),
                t.epochs(), forward, rs, t.testBatch(), t.fullTestEveryEpoch(), cfg.seed(), t.onNonconverged(),
                t.maxDirectionNorm(), t.maxConsecutiveRefusals(), cfg.diagnostics().toSettings(),
                cfg.solver().warmStart());
    }

    /**
     * Everything that decides a run's trajectory, as canonical JSON: a saved run or checkpoint is
     * reused only when this matches exactly. The output folder, description and BLAS threads are
     * not part of it.
     */
    public String settingsJson(RunSpec r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", r.rule());
        m.put("lr", r.lr());
        m.put("seed", cfg.seed());
        var d = cfg.data();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", d.name());
        data.put("train_limit", d.trainLimit());
        data.put("test_limit", d.testLimit());
        if (d.classes() != null) {
            // Only when given, so that the settings of runs saved before the key existed stay as they were.
            data.put("classes", d.classes());
        }
        m.put("data", data);
        var n = cfg.network();
        Map<String, Object> net = new LinkedHashMap<>();
        net.put("units", n.units());
        net.put("nonlinearity", n.nonlinearity());
        net.put("gain", n.gain());
        net.put("dynamics", n.dynamics());
        net.put("precision", n.precision());
        net.put("train_input", n.trainInput());
        net.put("train_bias", n.trainBias());
        net.put("train_readout", n.trainReadout());
        net.put("readout_bias", n.readoutBias());
        net.put("recurrent_scale", n.recurrentScale());
        // Keys of the other connectivities only when used, so that a plain dense config's settings (and
        // with them the runs saved before these keys existed) stay as they were.
        if (!n.plainDense()) {
            net.put("connectivity", n.connectivity());
            if (n.density() != null) {
                net.put("density", n.density());
            }
            if (n.connectivity().equals("dale")) {
                net.put("excitatory_fraction", n.excitatoryFraction());
                net.put("dale_mode", n.daleMode());
            }
            if (n.conv() && n.layers() == null) {
                net.put("channels", n.channels());
                net.put("kernel", n.kernel());
                net.put("stride", n.stride());
            }
            net.put("readout", n.readout());
            if (n.layers() != null) {
                List<Object> layers = new ArrayList<>();
                boolean fb = false;
                for (LayerSpec l : n.layers()) {
                    Map<String, Object> lm = new LinkedHashMap<>();
                    if (n.conv()) {
                        lm.put("channels", l.channels());
                        lm.put("kernel", l.kernel());
                        lm.put("stride", l.stride());
                    } else {
                        lm.put("units", l.units());
                    }
                    lm.put("feedback", l.feedback());
                    fb |= l.feedback();
                    layers.add(lm);
                }
                net.put("layers", layers);
                net.put("feedforward_scale", n.feedforwardScale());
                if (fb) {
                    net.put("feedback_scale", n.feedbackScale());
                }
            }
        }
        m.put("network", net);
        var s = cfg.solver();
        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", s.method());
        solver.put("alpha", s.alpha());
        solver.put("max_iter", s.maxIter());
        solver.put("tol", s.tol());
        solver.put("memory", s.memory());
        solver.put("beta", s.beta());
        // Only when on, so that folders made before this key existed still match.
        if (s.warmStart()) {
            solver.put("warm_start", true);
        }
        m.put("solver", solver);
        var ru = cfg.rule();
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("gains", ru.gains());
        rule.put("adjoint_tol", ru.adjointTol());
        rule.put("adjoint_max_iter", ru.adjointMaxIter());
        if (r.rule().equals("bptt") && ru.bpttSteps() != null) {
            rule.put("bptt_steps", ru.bpttSteps());
            rule.put("bptt_alpha", ru.bpttAlpha());
        }
        m.put("rule_settings", rule);
        var t = cfg.train();
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("batch_size", t.batchSize());
        train.put("epochs", t.epochs());
        train.put("optimizer", t.optimizer());
        train.put("momentum", t.momentum());
        train.put("weight_decay", t.weightDecay());
        train.put("test_batch", t.testBatch());
        train.put("full_test_every_epoch", t.fullTestEveryEpoch());
        // Left out at their defaults, so that folders made before these keys existed still match.
        if (!t.defaultSafety()) {
            train.put("on_nonconverged", t.onNonconverged());
            train.put("max_direction_norm", t.maxDirectionNorm());
            train.put("max_consecutive_refusals", t.maxConsecutiveRefusals());
        }
        m.put("train", train);
        // Diagnostics do not change the trajectory, but they are part of what the metrics record.
        var dg = cfg.diagnostics();
        if (dg.every() > 0) {
            Map<String, Object> diag = new LinkedHashMap<>();
            diag.put("every", dg.every());
            diag.put("samples", dg.samples());
            diag.put("singularity", dg.singularity());
            diag.put("exact_max_units", dg.exactMaxUnits());
            diag.put("dense_max_units", dg.denseMaxUnits());
            m.put("diagnostics", diag);
        }
        return Json.write(m);
    }

    /** A learning rate as written in file names and tables: 0.0025, 0.1, 1; 1e-07 and 1e39 outside [1e-6, 1e6). */
    public static String lrText(double lr) {
        BigDecimal b = BigDecimal.valueOf(lr).stripTrailingZeros();
        if (lr >= 1e-6 && lr < 1e6) {
            return b.toPlainString();
        }
        return b.toString().toLowerCase(java.util.Locale.ROOT).replace("+", "");
    }

    /** The first key (dotted path) whose value differs between two settings JSON texts, or null. */
    static String firstDifference(String a, String b) {
        try {
            return diff("", Json.parse(a, "settings"), Json.parse(b, "settings"));
        } catch (org.fprnn.io.FormatException e) {
            return "(unreadable settings)";
        }
    }

    private static String diff(String path, Object a, Object b) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            for (Object k : ma.keySet()) {
                String d = diff(path.isEmpty() ? String.valueOf(k) : path + "." + k, ma.get(k), mb.get(k));
                if (d != null) {
                    return d;
                }
            }
            for (Object k : mb.keySet()) {
                if (!ma.containsKey(k)) {
                    return path.isEmpty() ? String.valueOf(k) : path + "." + k;
                }
            }
            return null;
        }
        return Json.write(a).equals(Json.write(b)) ? null
                : path + " (" + Json.write(a) + " there, " + Json.write(b) + " now)";
    }
}
