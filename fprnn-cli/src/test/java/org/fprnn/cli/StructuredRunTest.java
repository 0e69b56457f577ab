package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * `fprnn run` on the networks of PROTOCOLS P3 (a block of dense layers with feedback, convolutional
 * layers) with training-time diagnostics, on a tiny MNIST-format data set the test writes: the
 * summary, the tables and the metrics carry finite diagnostics, and the diagnostics do not change
 * what is trained.
 */
class StructuredRunTest {
    @TempDir
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        TinyIdx.write(data, 120, 40, 3);
    }

    static String config(String network, String diagnostics) {
        return """
                name = "tiny-p3"
                protocol = "classification"
                seed = 4
                threads = 2
                [data]
                name = "idx"
                data_dir = "%s"
                [network]
                train_input = true
                train_bias = true
                train_readout = true
                %s
                [solver]
                method = "anderson"
                tol = 1e-6
                max_iter = 200
                [rule]
                adjoint_tol = 1e-6
                bptt_steps = 20
                bptt_alpha = 0.5
                [train]
                batch_size = 40
                epochs = 2
                optimizer = "adam"
                test_batch = 20
                full_test_every_epoch = true
                %s
                [sweep]
                rules = ["gradient", "bptt", "linearized"]
                learning_rates = [0.01]
                """.formatted(data.toString().replace("\\", "\\\\"), network, diagnostics);
    }

    static final String BLOCK = """
            feedback_scale = 0.3
            [[network.layers]]
            units = 12
            feedback = true
            [[network.layers]]
            units = 8
            """;

    /** Conv layers 1x14x14 and 2x7x7 (N = 294: the exact SVD), a pooled read-out. */
    static final String CONV = """
            connectivity = "conv"
            readout = "pooled"
            [[network.layers]]
            channels = 1
            stride = 2
            [[network.layers]]
            channels = 2
            stride = 2
            """;

    Path run(String text, String name) throws IOException {
        Path cfg = dir.resolve(name + ".toml");
        Files.writeString(cfg, text);
        Path out = dir.resolve(name);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("angle") && r.out().contains("min sigma"), r.out());
        return out;
    }

    static List<?> runs(Path out) throws IOException {
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "summary");
        return (List<?>) summary.get("runs");
    }

    static double num(Map<?, ?> m, String key) {
        assertTrue(m.get(key) instanceof Number, key + " in " + m);
        return ((Number) m.get(key)).doubleValue();
    }

    /**
     * A block network and a conv network with diagnostics every 2 steps (6 steps: 0, 2, 4): every run
     * has finite diagnostic columns in summary.json, results.md and the printed table; the step
     * lines carry them; the figure is written.
     */
    @Test
    void blockAndConvNetworksRecordFiniteDiagnostics() throws IOException {
        for (String[] net : new String[][] {{"block", BLOCK, "exact"}, {"conv", CONV, "exact"}}) {
            Path out = run(config(net[1], "[diagnostics]\nevery = 2\nsamples = 3\n"), net[0]);
            List<?> runs = runs(out);
            assertEquals(3, runs.size());
            for (Object o : runs) {
                Map<?, ?> run = (Map<?, ?>) o;
                String what = net[0] + " " + run.get("rule");
                assertEquals("completed", run.get("outcome"), what);
                assertEquals(3, ((Number) run.get("diagnosed_steps")).intValue(), what);
                double angle = num(run, "median_angle");
                assertTrue(angle >= 0 && angle < 180, what + " angle " + angle);
                if (run.get("rule").equals("gradient")) {
                    assertEquals(0.0, angle, what);
                } else {
                    assertTrue(angle > 0, what + ": a rule other than the gradient differs from it");
                }
                double sigma = num(run, "min_sigma");
                assertTrue(sigma > 0 && sigma < 10, what + " sigma " + sigma);
                assertTrue(num(run, "median_sigma") >= sigma, what);
                assertEquals(net[2], run.get("sigma_method"), what);
                assertTrue(num(run, "final_test_acc") >= 0, what);
                assertTrue(num(run, "best_full_test_acc") >= num(run, "final_test_acc"), what);
                assertTrue(run.get("loss_diverged") instanceof Boolean, what);
                assertTrue(num(run, "median_iterations") >= 1, what);
                assertTrue(num(run, "wall_seconds") > 0, what);
            }
            long lines = Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"angle\"")).count();
            assertEquals(9, lines, "3 runs x 3 diagnosed steps");
            Map<?, ?> first = (Map<?, ?>) Json.parse(Files.readAllLines(out.resolve("metrics.jsonl")).getFirst(), "line");
            for (String k : List.of("angle", "angle_recurrent", "sigma_min", "sigma_median", "sigma_samples",
                    "sigma_method", "diag_seconds")) {
                assertTrue(first.containsKey(k), k + " in " + first);
            }
            String md = Files.readString(out.resolve("results.md"));
            assertTrue(md.contains("median angle to gradient") && md.contains("min distance to singularity")
                    && md.contains("best test accuracy") && md.contains("| diverged |"), md);
            assertTrue(md.contains("\u00b0"), "angles in degrees in the table: " + md);
            assertTrue(md.contains("figures/diagnostics.png"), md);
            assertTrue(Files.size(out.resolve("figures").resolve("diagnostics.png")) > 0);
        }
    }

    /**
     * The same conv sweep with diagnostics at every step and without: bitwise the same weights and
     * the same losses (diagnostics read, never write); without diagnostics the tables show "–".
     */
    @Test
    void diagnosticsDoNotChangeTheTrajectory() throws IOException {
        Path on = run(config(CONV, "[diagnostics]\nevery = 1\nsamples = 2\n"), "on");
        Path off = run(config(CONV, ""), "off");
        for (String id : List.of("gradient_lr0.01", "bptt_lr0.01", "linearized_lr0.01")) {
            var a = Safetensors.read(on.resolve("weights").resolve(id + ".safetensors"));
            var b = Safetensors.read(off.resolve("weights").resolve(id + ".safetensors"));
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String n : a.tensors().keySet()) {
                assertArrayEquals(a.get(n).toDoubleArray(), b.get(n).toDoubleArray(), id + " " + n);
            }
        }
        List<?> x = runs(on);
        List<?> y = runs(off);
        for (int i = 0; i < x.size(); i++) {
            Map<?, ?> a = (Map<?, ?>) x.get(i);
            Map<?, ?> b = (Map<?, ?>) y.get(i);
            for (String k : List.of("final_test_loss", "final_train_loss", "initial_train_loss")) {
                assertEquals(num(a, k), num(b, k), k);
            }
            assertEquals(6, ((Number) a.get("diagnosed_steps")).intValue());
            assertEquals(0, ((Number) b.get("diagnosed_steps")).intValue());
            assertEquals(null, b.get("median_angle"));
        }
        String md = Files.readString(off.resolve("results.md"));
        assertTrue(md.contains("| \u2013 | \u2013 |"), "no diagnostics: the columns show \u2013\n" + md);
        assertTrue(!Files.exists(off.resolve("figures").resolve("diagnostics.png")));
    }
}
