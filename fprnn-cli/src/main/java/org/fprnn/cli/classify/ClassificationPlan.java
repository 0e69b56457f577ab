package org.fprnn.cli.classify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.io.Json;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.RuleSettings;
import org.fprnn.train.TrainSettings;

/**
 * A classification config resolved into its runs (every rule x learning rate, in config order) and
 * what each run needs: the network at start (the same for every run: drawn from the seed), the
 * training settings, and a canonical description of the settings that decides whether a saved run
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

    /** The network at start, for a data set with this many features and classes. */
    public FixedPointNetwork newNetwork(int inputs, int outputs) {
        var n = cfg.network();
        return FixedPointNetwork.builder().inputs(inputs).units(n.units()).outputs(outputs)
                .nonlinearity(n.f()).dynamics(n.dynamicsValue()).precision(n.precisionValue())
                .trainInput(n.trainInput()).trainBias(n.trainBias()).trainReadout(n.trainReadout())
                .readoutBias(n.readoutBias()).recurrentScale(n.recurrentScale()).seed(cfg.seed())
                .build();
    }

    public TrainSettings trainSettings(RunSpec r) {
        var t = cfg.train();
        var forward = cfg.solver().toSolverConfig();
        var rs = new RuleSettings(Loss.CROSS_ENTROPY, cfg.rule().gainMode(), cfg.rule().adjoint(), forward, r.lr());
        return new TrainSettings(r.rule(), r.lr(), t.optimizer(), t.momentum(), t.weightDecay(), t.batchSize(),
                t.epochs(), forward, rs, t.testBatch(), t.fullTestEveryEpoch(), cfg.seed(), t.onNonconverged(),
                t.maxDirectionNorm(), t.maxConsecutiveRefusals());
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
        m.put("network", net);
        var s = cfg.solver();
        Map<String, Object> solver = new LinkedHashMap<>();
        solver.put("method", s.method());
        solver.put("alpha", s.alpha());
        solver.put("max_iter", s.maxIter());
        solver.put("tol", s.tol());
        solver.put("memory", s.memory());
        solver.put("beta", s.beta());
        m.put("solver", solver);
        var ru = cfg.rule();
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("gains", ru.gains());
        rule.put("adjoint_tol", ru.adjointTol());
        rule.put("adjoint_max_iter", ru.adjointMaxIter());
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
