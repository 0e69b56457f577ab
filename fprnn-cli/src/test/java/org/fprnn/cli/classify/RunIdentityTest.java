package org.fprnn.cli.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.io.Json;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a run's identity is derived from the parsed config. Every key of a classification config
 * changes the identity unless it is documented as not changing the run; a config that uses only the
 * keys of the hand-built identity keeps it, so the committed results' runs still match.
 */
class RunIdentityTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final String BASE = """
            name = "x"
            protocol = "classification"
            [data]
            name = "mnist"
            [rule]
            bptt_steps = 20
            [sweep]
            rules = ["gradient", "bptt"]
            learning_rates = [0.1]
            """;

    /** A key's change: the overrides that make it apply (context) and the changed value. */
    private record Change(String rule, List<String> context, String value) {
    }

    private static Change c(String value, String... context) {
        return new Change("gradient", List.of(context), value);
    }

    /** Every key of the tables that decide a run, with a valid other value for it. */
    private static final Map<String, Change> CHANGES = new LinkedHashMap<>();

    static {
        CHANGES.put("data.name", c("\"fashion-mnist\""));
        CHANGES.put("data.train_limit", c("100"));
        CHANGES.put("data.test_limit", c("100"));
        CHANGES.put("data.classes", c("10", "data.name=\"idx\"", "data.data_dir=\"d\""));
        CHANGES.put("network.units", c("100"));
        CHANGES.put("network.nonlinearity", c("\"linear\""));
        CHANGES.put("network.gain", c("0.5", "network.nonlinearity=\"linear\""));
        CHANGES.put("network.dynamics", c("\"discrete\""));
        CHANGES.put("network.precision", c("\"double\""));
        CHANGES.put("network.train_input", c("true"));
        CHANGES.put("network.train_bias", c("true"));
        CHANGES.put("network.train_readout", c("true"));
        CHANGES.put("network.readout_bias", c("true", "network.train_readout=true"));
        CHANGES.put("network.recurrent_scale", c("0.3"));
        CHANGES.put("network.connectivity", c("\"dale\""));
        CHANGES.put("network.density", c("0.3", "network.connectivity=\"masked\"", "network.density=0.5"));
        CHANGES.put("network.excitatory_fraction", c("0.7", "network.connectivity=\"dale\""));
        CHANGES.put("network.dale_mode", c("\"projection\"", "network.connectivity=\"dale\""));
        CHANGES.put("network.channels", c("3", "network.connectivity=\"conv\"", "network.channels=4"));
        CHANGES.put("network.kernel", c("5", "network.connectivity=\"conv\"", "network.channels=4"));
        CHANGES.put("network.stride", c("2", "network.connectivity=\"conv\"", "network.channels=4"));
        CHANGES.put("network.readout", c("\"pooled\"", "network.connectivity=\"conv\"", "network.channels=4"));
        CHANGES.put("network.recurrent_max_norm", c("0.7", "network.connectivity=\"conv\"", "network.channels=4",
                "network.recurrent_max_norm=0.9"));
        CHANGES.put("network.layers", c("[{units = 100}, {units = 40}]", "network.layers=[{units = 100}, {units = 50}]"));
        CHANGES.put("network.feedforward_scale", c("0.7", "network.layers=[{units = 100}, {units = 50}]"));
        CHANGES.put("network.feedback_scale", c("0.3", "network.layers=[{units = 100, feedback = true}, {units = 50}]"));
        CHANGES.put("solver.method", c("\"picard\""));
        CHANGES.put("solver.alpha", c("0.5", "solver.method=\"picard\""));
        CHANGES.put("solver.max_iter", c("50"));
        CHANGES.put("solver.tol", c("1e-5"));
        CHANGES.put("solver.memory", c("3"));
        CHANGES.put("solver.beta", c("0.5"));
        CHANGES.put("solver.warm_start", c("true"));
        CHANGES.put("solver.chunk_rows", c("64"));
        CHANGES.put("solver.preconditioner", c("\"mean_gain\""));
        CHANGES.put("rule.gains", c("\"from_rates\""));
        CHANGES.put("rule.adjoint_tol", c("1e-6"));
        CHANGES.put("rule.adjoint_max_iter", c("100"));
        CHANGES.put("rule.adjoint_memory", c("10"));
        CHANGES.put("rule.adjoint_preconditioner", c("\"none\""));
        CHANGES.put("rule.bptt_steps", new Change("bptt", List.of(), "30"));
        CHANGES.put("rule.bptt_alpha", new Change("bptt", List.of(), "0.3"));
        CHANGES.put("train.batch_size", c("64"));
        CHANGES.put("train.epochs", c("2"));
        CHANGES.put("train.optimizer", c("\"adam\""));
        CHANGES.put("train.momentum", c("0.9"));
        CHANGES.put("train.weight_decay", c("1e-4"));
        CHANGES.put("train.test_batch", c("100"));
        CHANGES.put("train.full_test_every_epoch", c("true"));
        CHANGES.put("train.on_nonconverged", c("\"skip\""));
        CHANGES.put("train.max_direction_norm", c("1000.0"));
        CHANGES.put("train.max_consecutive_refusals", c("5"));
        CHANGES.put("train.schedule", c("\"cosine\""));
        CHANGES.put("train.warmup_steps", c("10"));
        CHANGES.put("train.step_every", c("50", "train.schedule=\"step\"", "train.step_every=100"));
        CHANGES.put("train.step_gamma", c("0.5", "train.schedule=\"step\"", "train.step_every=100"));
        CHANGES.put("train.clip_norm", c("1.0"));
        CHANGES.put("train.augment_shift", c("2"));
        CHANGES.put("train.adam_second_moment", c("\"global\"", "train.optimizer=\"adam\""));
        CHANGES.put("diagnostics.every", c("5"));
        CHANGES.put("diagnostics.samples", c("4", "diagnostics.every=5"));
        CHANGES.put("diagnostics.singularity", c("false", "diagnostics.every=5"));
        CHANGES.put("diagnostics.exact_max_units", c("100", "diagnostics.every=5"));
        CHANGES.put("diagnostics.dense_max_units", c("1000", "diagnostics.every=5"));
    }

    private static RunConfig parse(List<String> overrides) {
        return ConfigLoader.parse(BASE, "base", overrides, RunConfig.class);
    }

    private static String identity(List<String> overrides, String rule) {
        return RunIdentity.json(parse(overrides), new RunSpec(rule, 0.1, 1));
    }

    @Test
    void everyKeyChangesTheIdentityUnlessDocumentedAsNotChangingTheRun() {
        Set<String> seen = new TreeSet<>();
        for (var e : CHANGES.entrySet()) {
            Change ch = e.getValue();
            List<String> changed = new ArrayList<>(ch.context());
            changed.add(e.getKey() + "=" + ch.value());
            String before = identity(ch.context(), ch.rule());
            String after = identity(changed, ch.rule());
            assertNotEquals(before, after, e.getKey() + " = " + ch.value() + " left the identity unchanged");
            for (List<String> o : List.of(ch.context(), changed)) {
                RunIdentity.tables(parse(o)).forEach((table, keys) ->
                        ((Map<?, ?>) keys).keySet().forEach(k -> seen.add(table + "." + k)));
            }
        }
        // Every key the parsed config holds is covered above: a key added to a record without a
        // change here fails, so that no key can silently be left out of the identity.
        Set<String> uncovered = new TreeSet<>(seen);
        uncovered.removeAll(CHANGES.keySet());
        assertEquals(Set.of(), uncovered, "keys of the parsed config with no change in this test");
        // The keys that do not change a run are those the README names so.
        assertEquals(Set.of("data.data_dir", "data.download"), RunIdentity.NOT_RUN);
        assertEquals(identity(List.of(), "gradient"), identity(List.of("data.download=true"), "gradient"));
        assertEquals(identity(List.of(), "gradient"), identity(List.of("threads=1", "output=\"elsewhere\"",
                "description=\"words\""), "gradient"));
    }

    @Test
    void theReadmeConfigReferenceNamesOnlyKnownKeys() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Pattern row = Pattern.compile("^\\| `\\[(data|network|solver|rule|train)\\]` \\| (.*)\\|$", Pattern.MULTILINE);
        Matcher m = row.matcher(readme);
        int rows = 0;
        while (m.find()) {
            rows++;
            Matcher key = Pattern.compile("`([a-z_]+)`").matcher(m.group(2));
            while (key.find()) {
                String k = m.group(1) + "." + key.group(1);
                assertTrue(CHANGES.containsKey(k) || RunIdentity.NOT_RUN.contains(k), "README documents " + k
                        + ", which neither changes the identity here nor is documented as not changing a run");
            }
        }
        assertEquals(5, rows, "the README's config reference table");
        assertTrue(readme.contains("do not change a run"), "README says which keys do not change a run");
    }

    @Test
    void newKeysSwitchToTheDerivedIdentityAndOldKeysKeepTheHandBuiltOne() {
        RunConfig plain = parse(List.of("train.epochs=3", "network.units=100"));
        RunSpec r = new RunSpec("gradient", 0.1, 1);
        assertTrue(RunIdentity.usesOnlyLegacyKeys(plain));
        assertEquals(RunIdentity.legacy(plain, r), RunIdentity.json(plain, r));
        RunConfig cosine = parse(List.of("train.epochs=3", "network.units=100", "train.schedule=\"cosine\""));
        assertFalse(RunIdentity.usesOnlyLegacyKeys(cosine));
        assertEquals(RunIdentity.derived(cosine, r), RunIdentity.json(cosine, r));
        Map<?, ?> derived = (Map<?, ?>) parseJson(RunIdentity.json(cosine, r));
        assertEquals("cosine", ((Map<?, ?>) derived.get("train")).get("schedule"));
        assertEquals(3, ((Number) ((Map<?, ?>) derived.get("train")).get("epochs")).intValue());
    }

    /**
     * The width of a dense layer above conv layers is part of both identities (the hand-built one
     * names conv layers by channels, kernel and stride, and a dense layer by its units).
     */
    /** A table recorded on one side only was named without its values ("made with other settings: diagnostics."). */
    @Test
    void aDifferenceNamesTheKeyAndBothValuesAlsoWhenOneSideLacksIt() {
        assertEquals("diagnostics (absent there, {\"every\":5} now)",
                RunIdentity.firstDifference("{\"rule\":\"gradient\"}", "{\"rule\":\"gradient\",\"diagnostics\":{\"every\":5}}"));
        assertEquals("diagnostics ({\"every\":5} there, absent now)",
                RunIdentity.firstDifference("{\"rule\":\"gradient\",\"diagnostics\":{\"every\":5}}", "{\"rule\":\"gradient\"}"));
        assertEquals("train.epochs (1 there, 2 now)",
                RunIdentity.firstDifference("{\"train\":{\"epochs\":1}}", "{\"train\":{\"epochs\":2}}"));
    }

    @Test
    void aDenseLayerAboveConvLayersIsNamedByItsUnits() {
        String conv = BASE + "[network]\nconnectivity = \"conv\"\n[[network.layers]]\nchannels = 2\nstride = 2\n"
                + "[[network.layers]]\nunits = 7\n";
        RunConfig seven = ConfigLoader.parse(conv, "base", List.of(), RunConfig.class);
        RunConfig eight = ConfigLoader.parse(conv.replace("units = 7", "units = 8"), "base", List.of(), RunConfig.class);
        RunSpec r = new RunSpec("gradient", 0.1, 1);
        assertNotEquals(RunIdentity.legacy(seven, r), RunIdentity.legacy(eight, r));
        assertNotEquals(RunIdentity.json(seven, r), RunIdentity.json(eight, r));
        assertTrue(RunIdentity.legacy(seven, r).contains("\"units\":7"), RunIdentity.legacy(seven, r));
    }

    /**
     * The runs committed under docs/results still match their configs: each run record's settings
     * equal the identity its config gives that run now.
     */
    @Test
    void committedResultsKeepTheirIdentities() throws IOException {
        int checked = 0;
        try (var folders = Files.list(ROOT.resolve("docs/results"))) {
            for (Path folder : folders.sorted().toList()) {
                Path config = ROOT.resolve("configs").resolve(folder.getFileName() + ".toml");
                Path runs = folder.resolve("runs");
                if (!Files.isRegularFile(config) || !Files.isDirectory(runs)) {
                    continue;
                }
                RunConfig cfg = ConfigLoader.load(config, List.of(), RunConfig.class);
                if (!cfg.protocol().equals("classification")) {
                    continue;
                }
                ClassificationPlan plan = new ClassificationPlan(cfg);
                for (RunSpec spec : plan.runs()) {
                    Path record = runs.resolve(spec.id() + ".json");
                    if (!Files.isRegularFile(record)) {
                        continue;
                    }
                    Map<?, ?> saved = (Map<?, ?>) parseJson(Files.readString(record));
                    assertEquals(Json.write(saved.get("settings")), plan.settingsJson(spec), record.toString());
                    checked++;
                }
            }
        }
        assertTrue(checked >= 30, "committed runs checked: " + checked);
    }

    private static Object parseJson(String s) {
        try {
            return Json.parse(s, "identity");
        } catch (org.fprnn.io.FormatException e) {
            throw new AssertionError(e);
        }
    }
}
