package org.fprnn.cli.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.cli.config.DataConfig;
import org.fprnn.cli.config.DiagnosticsConfig;
import org.fprnn.cli.config.ForwardSolverConfig;
import org.fprnn.cli.config.RuleConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.cli.config.TrainConfig;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.model.LayerSpec;
import org.fprnn.model.NetworkSpec;

/**
 * A run's identity: everything that decides its trajectory, as canonical JSON. A saved run or
 * checkpoint is reused only when its recorded identity equals this exactly, so that no run is ever
 * continued with other settings.
 *
 * <p>The identity is derived from the parsed config: the records of the tables [data], [network],
 * [solver], [rule], [train] and [diagnostics], every key (with its default filled in), serialized as
 * they are, plus the run's rule, learning rate and seed. A key added to a record is therefore part of
 * every identity at once. Only the keys of {@link #NOT_RUN} are left out: they do not change a run
 * (the output folder, the description, the thread count, where the data files are read from).
 *
 * <p>Folders written before the identity was derived hold the identity fprnn then built by hand
 * ({@link #legacy}); a config that sets none of the keys added since ({@link #LEGACY_KEYS} lists the
 * keys that form knew) keeps that identity, so those folders are continued as they were. Setting any
 * newer key switches to the derived identity.
 */
public final class RunIdentity {
    private RunIdentity() {
    }

    /** Keys (table.key) that do not change a run, as README's config reference says. */
    static final Set<String> NOT_RUN = Set.of("data.data_dir", "data.download");

    /** The keys the hand-built identity covered (some only where they apply). */
    static final Set<String> LEGACY_KEYS = Set.of(
            "data.name", "data.train_limit", "data.test_limit", "data.classes",
            "network.units", "network.nonlinearity", "network.gain", "network.dynamics", "network.precision",
            "network.train_input", "network.train_bias", "network.train_readout", "network.readout_bias",
            "network.recurrent_scale", "network.connectivity", "network.density", "network.excitatory_fraction",
            "network.dale_mode", "network.channels", "network.kernel", "network.stride", "network.readout",
            "network.layers", "network.feedforward_scale", "network.feedback_scale",
            "solver.method", "solver.alpha", "solver.max_iter", "solver.tol", "solver.memory", "solver.beta",
            "solver.warm_start",
            "rule.gains", "rule.adjoint_tol", "rule.adjoint_max_iter", "rule.bptt_steps", "rule.bptt_alpha",
            "train.batch_size", "train.epochs", "train.optimizer", "train.momentum", "train.weight_decay",
            "train.test_batch", "train.full_test_every_epoch", "train.on_nonconverged", "train.max_direction_norm",
            "train.max_consecutive_refusals",
            "diagnostics.every", "diagnostics.samples", "diagnostics.singularity", "diagnostics.exact_max_units",
            "diagnostics.dense_max_units");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /** The identity of run {@code r} of a classification config. */
    static String json(RunConfig cfg, RunSpec r) {
        return usesOnlyLegacyKeys(cfg) ? legacy(cfg, r) : derived(cfg, r);
    }

    /** The identity derived from the parsed config (see the class comment). */
    static String derived(RunConfig cfg, RunSpec r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", r.rule());
        m.put("lr", r.lr());
        m.put("seed", r.seed());
        m.putAll(tables(cfg));
        return Json.write(m);
    }

    /**
     * The parsed tables that decide a run, as JSON values: table name to a map of key to value, every
     * key with its value after defaults, nulls and {@link #NOT_RUN} left out.
     */
    static Map<String, Object> tables(RunConfig cfg) {
        return tables(cfg.data(), cfg.network(), cfg.solver(), cfg.rule(), cfg.train(), cfg.diagnostics());
    }

    /** Tables of a config whose every key is at its default (data: the config's name and folder). */
    static Map<String, Object> defaultTables(RunConfig cfg) {
        return tables(new DataConfig(cfg.data().name(), cfg.data().dataDir(), null, null, null, null),
                NetworkSpec.defaults(), ForwardSolverConfig.defaults(), RuleConfig.defaults(), TrainConfig.defaults(),
                DiagnosticsConfig.defaults());
    }

    private static Map<String, Object> tables(Object data, Object network, Object solver, Object rule, Object train,
                                              Object diagnostics) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", tree("data", data));
        m.put("network", tree("network", network));
        m.put("solver", tree("solver", solver));
        m.put("rule", tree("rule", rule));
        m.put("train", tree("train", train));
        m.put("diagnostics", tree("diagnostics", diagnostics));
        return m;
    }

    /** True if every key outside {@link #LEGACY_KEYS} (and {@link #NOT_RUN}) is at its default. */
    static boolean usesOnlyLegacyKeys(RunConfig cfg) {
        Map<String, Object> now = tables(cfg);
        Map<String, Object> dflt = defaultTables(cfg);
        for (var table : now.entrySet()) {
            Map<?, ?> keys = (Map<?, ?>) table.getValue();
            Map<?, ?> base = (Map<?, ?>) dflt.get(table.getKey());
            for (var e : keys.entrySet()) {
                String key = table.getKey() + "." + e.getKey();
                if (!LEGACY_KEYS.contains(key) && !Json.write(e.getValue()).equals(Json.write(base.get(e.getKey())))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A table's record as a map of its keys (snake_case, as in the TOML) to JSON values. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> tree(String table, Object record) {
        Map<String, Object> m = MAPPER.convertValue(record, LinkedHashMap.class);
        m.keySet().removeIf(k -> NOT_RUN.contains(table + "." + k));
        return (Map<String, Object>) withoutNulls(m);
    }

    private static Object withoutNulls(Object o) {
        if (o instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    out.put(String.valueOf(k), withoutNulls(v));
                }
            });
            return out;
        }
        if (o instanceof List<?> list) {
            return list.stream().map(RunIdentity::withoutNulls).toList();
        }
        return o;
    }

    /**
     * The identity as fprnn built it by hand before it was derived from the parsed config (frozen: no
     * key is ever added here), for configs that use none of the keys added since, so that their runs
     * keep the identity, and their folders the runs, they had.
     */
    static String legacy(RunConfig cfg, RunSpec r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", r.rule());
        m.put("lr", r.lr());
        m.put("seed", r.seed());
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
                    if (n.conv() && l.units() == null) {
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

    /**
     * The [network] keys that only draw the weights at start or steer training (which parameters are
     * trained, the bound enforced after each step): a run's trained weights are the same network
     * whatever they were, so they are not compared with a config that loads those weights.
     */
    private static final Set<String> START_ONLY = Set.of("network.recurrent_scale", "network.feedforward_scale",
            "network.feedback_scale", "network.recurrent_max_norm", "network.train_input", "network.train_readout");

    /**
     * The settings that build a run's network and differ between a recorded identity (the "settings" of
     * a weights file of fprnn run or fprnn-spark) and cfg: the [network] keys that shape what the
     * network computes (every key but {@link #START_ONLY}, precision and dynamics: the same fixed
     * points in another precision, or reached by other dynamics, are a simulation's choice), and
     * [data]'s name and classes (they size the network and give its images). One text per key,
     * "network.nonlinearity: "tanh" in the weights, "relu" in the config"; empty if cfg builds the
     * network the run trained. cfg is compared in both forms an identity can have (derived, or
     * {@link #legacy} for folders of older fprnn); a key that either side leaves out (not applicable,
     * or added to fprnn later) counts as its default.
     *
     * @throws FormatException if recorded is not an identity (a JSON object)
     */
    public static List<String> networkDifferences(RunConfig cfg, String recorded) throws FormatException {
        RunSpec any = new RunSpec("", 0, 0);   // rule, lr and seed do not build the network
        Map<String, Object> was = recordedNetwork(recorded);
        Map<String, Object> dflt = networkKeys(Json.parse(Json.write(defaultTables(cfg)), "defaults"));
        List<String> fewest = null;
        for (String form : List.of(derived(cfg, any), legacy(cfg, any))) {
            Map<String, Object> now = networkKeys(Json.parse(form, "settings"));
            List<String> d = new ArrayList<>();
            Set<String> keys = new java.util.LinkedHashSet<>(was.keySet());
            keys.addAll(now.keySet());
            keys.removeAll(START_ONLY);
            keys.removeAll(List.of("network.precision", "network.dynamics"));
            for (String k : keys) {
                // a key left out is at its default: the legacy form leaves out what does not apply
                String a = Json.write(was.containsKey(k) ? was.get(k) : dflt.get(k));
                String b = Json.write(now.containsKey(k) ? now.get(k) : dflt.get(k));
                if (!a.equals(b)) {
                    d.add(k + ": " + a + " in the weights, " + b + " in the config");
                }
            }
            if (fewest == null || d.size() < fewest.size()) {
                fewest = d;
            }
        }
        return fewest;
    }

    /**
     * The network keys ("network.units" to value, and "data.name", "data.classes") of the settings a
     * weights file records, in each form fprnn writes them: fprnn run's identity ([network] and [data]
     * tables), fprnn-spark's of a config run (that identity under "run"), and fprnn-spark's of a run
     * from its flags (units, nonlinearity, ... and the data set's name at the top level).
     *
     * @throws FormatException if recorded is not a JSON object
     */
    public static Map<String, Object> recordedNetwork(String recorded) throws FormatException {
        if (!(Json.parse(recorded, "settings") instanceof Map<?, ?> saved)) {
            throw new FormatException("settings", "is not a JSON object");
        }
        if (saved.get("run") instanceof Map<?, ?> run) {
            return networkKeys(run);
        }
        if (!saved.containsKey("network") && saved.get("units") != null && saved.get("nonlinearity") != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of("units", "nonlinearity", "gain", "dynamics", "precision", "train_input",
                    "train_bias", "train_readout", "readout_bias", "recurrent_scale")) {
                if (saved.containsKey(k)) {
                    m.put("network." + k, saved.get(k));
                }
            }
            if (saved.get("data") instanceof String name) {
                m.put("data.name", name);
            }
            return m;
        }
        return networkKeys(saved);
    }

    /** The keys of an identity (parsed) that build the network, as "network.units" to value. */
    private static Map<String, Object> networkKeys(Object identity) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (identity instanceof Map<?, ?> id) {
            if (id.get("network") instanceof Map<?, ?> net) {
                net.forEach((k, v) -> m.put("network." + k, v));
            }
            if (id.get("data") instanceof Map<?, ?> data) {
                for (String k : List.of("name", "classes")) {
                    if (data.containsKey(k)) {
                        m.put("data." + k, data.get(k));
                    }
                }
            }
        }
        return m;
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
                String key = path.isEmpty() ? String.valueOf(k) : path + "." + k;
                if (!mb.containsKey(k)) {
                    return key + " (" + Json.write(ma.get(k)) + " there, absent now)";
                }
                String d = diff(key, ma.get(k), mb.get(k));
                if (d != null) {
                    return d;
                }
            }
            for (Object k : mb.keySet()) {
                if (!ma.containsKey(k)) {
                    // e.g. [diagnostics], recorded only when on: name the key and its value, not the key alone
                    return (path.isEmpty() ? String.valueOf(k) : path + "." + k) + " (absent there, "
                            + Json.write(mb.get(k)) + " now)";
                }
            }
            return null;
        }
        return Json.write(a).equals(Json.write(b)) ? null
                : path + " (" + Json.write(a) + " there, " + Json.write(b) + " now)";
    }
}
