package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fprnn run` on a tiny P2 config, and config errors. */
class RunCommandTest {
    @TempDir
    Path dir;

    static final String TINY = """
            name = "tiny-linear"
            protocol = "linear_teacher"
            seed = 3
            threads = 2
            [teacher]
            units = 12
            samples = 9
            iterations = 40
            [sweep]
            rules = ["gradient", "reparam", "linearized"]
            learning_rates = [0.1, 100.0]
            """;

    @Test
    void tinyLinearTeacherRunWritesEveryResult() throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        Path out = dir.resolve("res");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String f : List.of("summary.json", "metrics.jsonl", "results.md", "figures/p2_loss.png", "figures/p2_angle.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "summary");
        List<?> runs = (List<?>) summary.get("runs");
        assertEquals(6, runs.size());
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            double lr = ((Number) run.get("lr")).doubleValue();
            if (lr == 0.1) {
                double first = ((Number) run.get("initial_loss")).doubleValue();
                double last = ((Number) run.get("final_loss")).doubleValue();
                assertTrue(last < first, run.get("rule") + " did not reduce the loss: " + first + " -> " + last);
            }
        }
        // metrics.jsonl: one line per run and iteration (41 losses per run).
        assertEquals(6 * 41, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("fprnn run"), "results page names its command");
        for (String key : List.of("git_commit", "blas", "java", "machine", "seed", "fprnn_version")) {
            assertTrue(summary.containsKey(key), key);
        }
    }

    @Test
    void unknownKeyIsAnErrorNamingItAndTheAllowedKeys() throws IOException {
        Path cfg = dir.resolve("bad.toml");
        Files.writeString(cfg, ConfigText.edit(TINY, "units = 12", "unitz = 12"));
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unitz") && r.err().contains("[teacher]") && r.err().contains("units"), r.err());
        assertTrue(!Files.exists(dir.resolve("x").resolve("summary.json")));
    }

    /** Every [teacher] value is checked before any work: a size that cannot fit, NaN, negative scales. */
    @Test
    void teacherValuesOutOfRangeAreConfigErrorsNamingTheKey() throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        for (String[] bad : new String[][] {{"teacher.units=100000", "teacher.units = 100000 is not allowed: it must be"
                + " a whole number from 1 to 10000"}, {"teacher.samples=0", "teacher.samples = 0"},
                {"teacher.iterations=0", "teacher.iterations = 0"}, {"teacher.init_scale=nan", "teacher.init_scale = NaN"},
                {"teacher.noise=-1", "teacher.noise = -1"}, {"teacher.diverge_above=-1", "teacher.diverge_above = -1"},
                {"teacher.teacher_scale=inf", "teacher.teacher_scale = Infinity"},
                // sizes whose arrays cannot be made (they were internal errors: an int overflow, a negative size)
                {"teacher.samples=2147483647", "teacher.samples = 2147483647 is not allowed: the inputs and targets"
                        + " hold samples x units = 2147483647 x 12 numbers"},
                {"teacher.iterations=2147483647", "teacher.iterations = 2147483647 is not allowed: it must be a whole"
                        + " number from 1 to 100000000"}}) {
            Path out = dir.resolve("t" + bad[0].hashCode());
            CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--set", bad[0]);
            assertEquals(2, r.exitCode(), bad[0] + ": " + r.err());
            assertTrue(r.err().contains(bad[1]), r.err());
            assertTrue(!r.err().contains("internal error") && !Files.exists(out.resolve("summary.json")), r.err());
        }
    }

    /**
     * Settings that give no task are bad input, exit 2: a singular teacher (seed 4 with one unit and one sample
     * draws W_hat = 1 at this scale), which was an internal error, and scales so large that inputs or targets
     * overflow, whose runs were all reported as diverged at step 0 with exit 0.
     */
    @Test
    void teacherSettingsThatGiveNoTaskAreBadInput() throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        for (String[] bad : new String[][] {
                {"teacher.teacher_scale=2.692128835153771", "the teacher I - W_hat is singular for seed 4"},
                {"teacher.input_scale=1.7e308", "inputs or targets are not finite numbers"},
                {"teacher.noise=1.7e308", "inputs or targets are not finite numbers"}}) {
            Path out = dir.resolve("n" + bad[0].hashCode());
            List<String> args = new java.util.ArrayList<>(List.of("run", cfg.toString(), "--out", out.toString(),
                    "--set", bad[0]));
            if (bad[1].contains("singular")) {
                args.addAll(List.of("--set", "teacher.units=1", "--set", "teacher.samples=1", "--set", "seed=4"));
            }
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(2, r.exitCode(), bad[0] + ": " + r.err() + r.out());
            assertTrue(r.err().contains(bad[1]), r.err());
            assertTrue(!Files.exists(out.resolve("summary.json")), bad[0]);
            assertFalse(Files.exists(out.resolve("figures")), bad[0] + ": a failed P2 run leaves no empty figures/");
        }
    }

    /**
     * A rule named twice is a config error before any run, as in a classification sweep: it ran every run of
     * the rule twice, then failed on the figures ("Series name ... has already been used") with nothing written.
     */
    @Test
    void aRuleNamedTwiceIsAConfigError() throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        Path out = dir.resolve("twice");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--set",
                "sweep.rules=[\"gradient\", \"gradient\"]");
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("sweep.rules[1] = \"gradient\" is not allowed: each rule may appear once"), r.err());
        assertTrue(!r.out().contains("final J"), r.out());
    }

    /** --allow-missing-weights, which reads a classification sweep's saved runs, is refused for P2 (it was ignored). */
    @Test
    void allowMissingWeightsDoesNotApplyToP2() throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        OptionsThatDoNotApplyTest.assertRefused(List.of("run", cfg.toString(), "--out", dir.resolve("a").toString(),
                "--allow-missing-weights"), "--allow-missing-weights", "protocol linear_teacher");
        assertTrue(!Files.exists(dir.resolve("a")));
    }

    @Test
    void missingFileBadValueAndBadOverrideAreClearErrors() throws IOException {
        CliRunner r = CliRunner.run("run", dir.resolve("nope.toml").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("does not exist"), r.err());
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, TINY);
        r = CliRunner.run("run", cfg.toString(), "--set", "teacher.iterations=-3", "--out", dir.resolve("y").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("iterations"), r.err());
        r = CliRunner.run("run", cfg.toString(), "--set", "sweep.learning_rates=[0.1, -1.0]");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("learning rates"), r.err());
        Files.writeString(cfg, "name = \"x\"\nprotocol = \"mystery\"\n");
        r = CliRunner.run("run", cfg.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("mystery") && r.err().contains("linear_teacher"), r.err());
    }

    @Test
    void helpListsSubcommands() {
        CliRunner r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("run") && r.out().contains("rule"), r.out());
    }
}
