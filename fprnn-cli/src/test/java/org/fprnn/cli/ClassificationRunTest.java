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
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fprnn run` with protocol classification on a tiny MNIST-format data set the test writes. */
class ClassificationRunTest {
    @TempDir
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        TinyIdx.write(data, 300, 100, 7);
    }

    static String config(String extraSweep) {
        return config(data, extraSweep);
    }

    static String config(Path dataDir, String extraSweep) {
        return """
                name = "tiny-mnist"
                protocol = "classification"
                seed = 5
                threads = 2
                [data]
                name = "idx"
                data_dir = "%s"
                [network]
                units = 16
                [solver]
                method = "anderson"
                tol = 1e-6
                max_iter = 100
                [train]
                batch_size = 64
                epochs = 2
                test_batch = 32
                full_test_every_epoch = true
                [sweep]
                rules = ["gradient", "linearized"]
                [sweep.learning_rates]
                %s
                """.formatted(dataDir.toString().replace("\\", "\\\\"), extraSweep);
    }

    static final String LRS = "gradient = [0.5, 1e39]\nlinearized = [0.5, 5.0]";

    /** The final full-test accuracy each completed run of {@link #LRS} must reach in its 10 steps. */
    static final Map<String, Double> REACHED = Map.of("gradient 0.5", 0.2, "linearized 0.5", 0.15,
            "linearized 5.0", 0.7);

    Path write(String text) throws IOException {
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, text);
        return cfg;
    }

    @Test
    void tinySweepWritesEveryResultAndRecordsDivergence() throws IOException {
        Path cfg = write(config(LRS));
        Path out = dir.resolve("res");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        for (String f : List.of("summary.json", "metrics.jsonl", "results.md", "figures/loss.png", "figures/accuracy.png",
                "figures/eigenvalues.png", "figures/iterations.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        for (String id : List.of("gradient_lr0.5", "gradient_lr1e39", "linearized_lr0.5",
                "linearized_lr5")) {
            assertTrue(Files.isRegularFile(out.resolve("runs").resolve(id + ".json")), id);
            assertTrue(Files.isRegularFile(out.resolve("runs").resolve(id + ".metrics.jsonl")), id);
            var w = Safetensors.read(out.resolve("weights").resolve(id + ".safetensors"));
            assertEquals(16, w.get("W").dim(0));
            assertEquals(784, w.get("U").dim(1));
        }
        try (var s = Files.list(out.resolve("checkpoints"))) {
            assertEquals(0, s.count(), "no checkpoint is left after finished runs");
        }
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "summary");
        for (String key : List.of("git_commit", "blas", "java", "machine", "seed", "fprnn_version", "command", "config")) {
            assertTrue(summary.containsKey(key), key);
        }
        List<?> runs = (List<?>) summary.get("runs");
        assertEquals(4, runs.size());
        int lines = 0;
        for (Object o : runs) {
            Map<?, ?> run = (Map<?, ?>) o;
            double lr = ((Number) run.get("lr")).doubleValue();
            if (lr == 1e39) {
                assertEquals(true, run.get("diverged"), run.toString());
                assertTrue(String.valueOf(run.get("divergence")).contains("step"), run.toString());
                // Every update at lr 1e39 overflows float32 and is refused, until the limit of
                // consecutive refusals (10) ends the run; weights stay finite.
                assertTrue(((Number) run.get("refused_steps")).intValue() > 0, run.toString());
                lines += ((Number) run.get("steps_done")).intValue() + ((List<?>) run.get("full_test")).size();
                continue;
            }
            assertEquals("completed", run.get("outcome"), run.toString());
            assertEquals(10, ((Number) run.get("steps_done")).intValue());
            // What 10 steps must reach on the tiny task (10 classes, chance 10%; this machine gave
            // 26%, 19% and 78%): every completed run learns, well above chance, and its loss falls.
            double acc = ((Number) run.get("final_test_acc")).doubleValue();
            double want = REACHED.get(run.get("rule") + " " + lr);
            assertTrue(acc >= want, run.get("rule") + " lr " + lr + " reached " + acc + ", below " + want);
            assertTrue(((Number) run.get("end_train_loss")).doubleValue()
                    < ((Number) run.get("initial_train_loss")).doubleValue(), run.toString());
            assertTrue(((Number) run.get("best_test_batch_acc")).doubleValue() >= 0, run.toString());
            assertTrue(((Number) run.get("wall_seconds")).doubleValue() > 0, run.toString());
            assertTrue(((Number) run.get("median_iterations")).doubleValue() >= 1, run.toString());
            assertEquals(2, ((List<?>) run.get("full_test")).size());
            lines += 10 + 2;
        }
        assertEquals(lines, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        Map<?, ?> first = (Map<?, ?>) Json.parse(Files.readAllLines(out.resolve("metrics.jsonl")).getFirst(), "line");
        assertEquals(List.of("rule", "lr", "seed", "step", "epoch", "train_loss", "train_acc", "test_loss", "test_acc",
                "iterations_max", "iterations_median", "not_converged", "seconds"), List.copyOf(first.keySet()));
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("`fprnn run " + cfg + " --out " + out + "`"), md);
        assertTrue(md.contains("diverged") && md.contains("figures/eigenvalues.png"), md);

        // The same command again skips every finished run and rewrites the same pages.
        CliRunner again = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(4, again.out().split("finished before, skipped", -1).length - 1, again.out());
        assertEquals(lines, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test
    void changedSettingsAreRefusedForAnExistingFolder() throws IOException {
        Path cfg = write(ConfigText.edit(config("gradient = [0.5]\nlinearized = [0.5]"), "epochs = 2", "epochs = 1"));
        Path out = dir.resolve("res");
        assertEquals(0, CliRunner.run("run", cfg.toString(), "--out", out.toString()).exitCode());
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--set", "network.units=17");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("network.units") && r.err().contains("--out"), r.err());
    }

    @Test
    void missingDataExitsWith2NamingTheFileAndSetup() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path cfg = write(ConfigText.edit(config(LRS),
                "name = \"idx\"", "name = \"mnist\"",
                data.toString(), empty.toString()));
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", dir.resolve("res").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("train-images-idx3-ubyte") && r.err().contains("./setup.sh"), r.err());
        assertFalse(Files.exists(dir.resolve("res")), "nothing is written before the data is found");
    }

    @Test
    void trainSubcommandPrintsTestAccuracyPerEpoch() throws IOException {
        Path out = dir.resolve("train");
        CliRunner r = CliRunner.run("train", "--data", "idx", "--data-dir", data.toString(), "--units", "16",
                "--rule", "linearized", "--lr", "5", "--epochs", "2", "--batch-size", "64", "--test-batch", "32",
                "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("full test set after epoch 1: accuracy")
                && r.out().contains("full test set after epoch 2: accuracy"), r.out());
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "summary");
        String config = (String) summary.get("config");
        assertTrue(config.contains("protocol = \"classification\"") && config.contains("learning_rates = [5.0]"), config);
        assertTrue(((String) summary.get("command")).startsWith("fprnn train --data idx"), summary.get("command").toString());
        // The recorded config runs as is with fprnn run and finds the finished run.
        Path cfg = write(config);
        CliRunner again = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("finished before, skipped"), again.out());
        CliRunner bad = CliRunner.run("train", "--lr", "-1", "--data", "idx", "--data-dir", data.toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("learning_rates"), bad.err());
    }
}
