package org.fprnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.data.Idx;
import org.fprnn.io.FormatException;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn-spark trains one run of an {@code fprnn run} config for every network type: a layered
 * convolutional network (with feedback) and a layered dense one, on local[2] with 3 partitions,
 * equal to single-process training of the same config (largest relative difference <= 1e-10 in
 * double precision); and a Spark run stopped and resumed from its driver's checkpoint ends bitwise
 * where an uninterrupted one does.
 */
class SparkNetworkTypesTest {
    private static final double TOLERANCE = 1e-10;

    @TempDir
    static Path tmp;

    private static Path data;

    /** n images of 8 x 8 in 3 classes (each class brightens its own rows) with their labels, into dir. */
    static void writeSplit(Path dir, String prefix, int n, long seed) throws IOException {
        Random rng = new Random(seed);
        byte[] pixels = new byte[n * 64];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int y = i % 3;
            labels[i] = (byte) y;
            for (int j = 0; j < 64; j++) {
                pixels[i * 64 + j] = (byte) (rng.nextInt(120) + ((j / 8) % 3 == y ? 120 : 0));
            }
        }
        Idx.write(dir.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, 8, 8}, pixels, false);
        Idx.write(dir.resolve(prefix + "-labels-idx1-ubyte"), new int[] {n}, labels, false);
    }

    @BeforeAll
    static void folder() throws IOException {
        data = Files.createDirectories(tmp.resolve("idx"));
        writeSplit(data, "train", 90, 1);
        writeSplit(data, "t10k", 30, 2);
    }

    /** A config of the given [network] text, swept over two rules, in double precision. */
    private static Path config(String name, String network) throws IOException {
        String text = """
                name = "%s"
                protocol = "classification"
                seed = 3
                [data]
                name = "idx"
                data_dir = "%s"
                %s
                [solver]
                method = "euler"
                alpha = 0.2
                max_iter = 60
                tol = 0.0
                [train]
                batch_size = 30
                epochs = 2
                test_batch = 10
                [sweep]
                rules = ["linearized", "gradient"]
                [sweep.learning_rates]
                linearized = [0.1]
                gradient = [0.05]
                """.formatted(name, data.toString().replace("\\", "\\\\"), network);
        return Files.writeString(tmp.resolve(name + ".toml"), text);
    }

    private static final String CONV = """
            [network]
            connectivity = "conv"
            precision = "double"
            train_input = true
            train_bias = true
            train_readout = true
            readout_bias = true
            feedback_scale = 0.3
            [[network.layers]]
            channels = 2
            stride = 2
            feedback = true
            [[network.layers]]
            channels = 3
            stride = 2
            """;

    private static final String LAYERED = """
            [network]
            precision = "double"
            train_input = true
            train_readout = true
            feedback_scale = 0.3
            [[network.layers]]
            units = 12
            feedback = true
            [[network.layers]]
            units = 8
            """;

    @Test
    void aFolderInUseIsRefusedAndLeftAsItWas() throws IOException {
        Path cfg = config("locked", LAYERED);
        Path out = tmp.resolve("locked-out");
        try (var held = org.fprnn.cli.report.FolderLock.acquire(out, "another run", null, new java.io.PrintWriter(
                java.io.Writer.nullWriter()))) {
            SparkTrainCommandTest.Outcome r = run("--config", cfg.toString(), "--rule", "linearized", "--single-process",
                    "--out", out.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("is in use by another fprnn command"), r.err());
            assertFalse(Files.exists(out.resolve("weights.safetensors")), "nothing written into the folder in use");
        }
        SparkTrainCommandTest.Outcome free = run("--config", cfg.toString(), "--rule", "linearized", "--single-process",
                "--out", out.toString());
        assertEquals(0, free.code(), free.err());
        assertTrue(Files.exists(out.resolve("weights.safetensors")));
    }

    /**
     * A config key the run leaves without effect is named in a note, as fprnn run names it, judged by
     * the one rule the submission trains (the sweep's gradient run is not trained here, so the
     * adjoint's settings act on nothing); and diagnostics, which distributed steps do not measure.
     */
    @Test
    void keysWithoutEffectAreNamedAsFprnnRunNamesThem() throws IOException {
        Path cfg = config("notes", LAYERED);
        SparkTrainCommandTest.Outcome r = run("--config", cfg.toString(), "--rule", "linearized", "--single-process",
                "--set", "rule.bptt_steps=40", "--set", "rule.adjoint_max_iter=77", "--steps", "1", "--no-eval");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("note: rule.bptt_steps = 40 has no effect: it sets the bptt rule's own unroll, and"
                + " this submission (--rule linearized) has no bptt"), r.err());
        assertTrue(r.err().contains("note: rule.adjoint_max_iter = 77 has no effect: only the gradient rule (and the"
                + " diagnostics' angle to it) solves the adjoint, and this submission (--rule linearized) has no"
                + " gradient"), r.err());
        SparkTrainCommandTest.Outcome spread = run("--config", cfg.toString(), "--rule", "linearized", "--partitions",
                "2", "--set", "diagnostics.every=1", "--steps", "1", "--no-eval");
        assertEquals(0, spread.code(), spread.err());
        assertTrue(spread.err().contains("note: diagnostics.every = 1 has no effect: fprnn-spark's distributed steps"
                + " measure no diagnostics (--single-process does)"), spread.err());
        SparkTrainCommandTest.Outcome plain = run("--config", cfg.toString(), "--rule", "linearized",
                "--single-process", "--steps", "1", "--no-eval");
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.err().contains("has no effect"), plain.err());
    }

    private static SparkTrainCommandTest.Outcome run(String... args) {
        return SparkTrainCommandTest.run(args);
    }

    private static Map<String, NdArray> weights(Path out) throws IOException {
        return Safetensors.read(out.resolve("weights.safetensors")).tensors();
    }

    /** Largest relative difference (Frobenius) over the tensors, which must have the same names. */
    private static double maxRelErr(Map<String, NdArray> a, Map<String, NdArray> b) throws FormatException {
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        for (String n : a.keySet()) {
            worst = Math.max(worst, TestNets.relErr(a.get(n).toMatrix(Precision.DOUBLE),
                    b.get(n).toMatrix(Precision.DOUBLE)));
        }
        return worst;
    }

    private static void assertSparkEqualsSingleProcess(Path cfg, String rule, String tensor) throws IOException {
        Path one = tmp.resolve(cfg.getFileName() + "-" + rule + "-single");
        Path many = tmp.resolve(cfg.getFileName() + "-" + rule + "-spark");
        SparkTrainCommandTest.Outcome a = run("--config", cfg.toString(), "--rule", rule, "--single-process", "--out", one.toString());
        assertEquals(0, a.code(), a.err());
        SparkTrainCommandTest.Outcome b = run("--config", cfg.toString(), "--rule", rule, "--partitions", "3", "--out", many.toString());
        assertEquals(0, b.code(), b.err());
        Map<String, NdArray> wa = weights(one);
        assertTrue(wa.containsKey(tensor), wa.keySet().toString());
        double diff = maxRelErr(wa, weights(many));
        double moved = moved(cfg, rule, wa);
        System.out.printf("%s %s: Spark (local[2], 3 partitions) vs single process: largest relative difference %.3g;"
                + " training moved the weights by %.3g%n", cfg.getFileName(), rule, diff, moved);
        assertTrue(diff <= TOLERANCE, "Spark vs single process: " + diff);
        assertTrue(moved > 1e-3, "training moved the weights: " + moved);
    }

    /** Largest relative difference between the config's network at start and saved weights. */
    private static double moved(Path cfg, String rule, Map<String, NdArray> weights) throws IOException {
        SparkConfig c = SparkConfig.load(cfg, List.of(), rule, null);
        Params start = c.network(c.loadTest()).build().params();
        double worst = 0;
        for (String n : start.names()) {
            worst = Math.max(worst, TestNets.relErr(start.get(n), weights.get(n).toMatrix(Precision.DOUBLE)));
        }
        return worst;
    }

    @Test
    void aLayeredConvolutionalNetworkTrainsOnSparkAsInOneProcess() throws IOException {
        Path cfg = config("conv", CONV);
        assertSparkEqualsSingleProcess(cfg, "linearized", "B1");
        assertSparkEqualsSingleProcess(cfg, "gradient", "F2");
    }

    @Test
    void aLayeredDenseNetworkTrainsOnSparkAsInOneProcess() throws IOException {
        assertSparkEqualsSingleProcess(config("layered", LAYERED), "linearized", "W2");
    }

    @Test
    void aStoppedRunResumesFromTheDriversCheckpointBitwise() throws IOException {
        Path cfg = config("resume", CONV);
        Path whole = tmp.resolve("resume-whole");
        Path parts = tmp.resolve("resume-parts");
        // Two partitions: adding two shards' sums is exact in either order, so two Spark runs agree
        // bitwise (with three the grouping follows the order in which tasks finish; see ShardSums).
        List<String> common = List.of("--config", cfg.toString(), "--rule", "linearized", "--partitions", "2");
        assertEquals(0, run(args(common, "--out", whole.toString())).code());
        SparkTrainCommandTest.Outcome first = run(args(common, "--steps", "2", "--out", parts.toString()));
        assertEquals(0, first.code(), first.err());
        SparkTrainCommandTest.Outcome rest = run(args(common, "--out", parts.toString()));
        assertEquals(0, rest.code(), rest.err());
        assertTrue(rest.out().contains("resuming from") && rest.out().contains("after step 2"), rest.out());
        Map<String, NdArray> a = weights(whole);
        Map<String, NdArray> b = weights(parts);
        for (String n : a.keySet()) {
            assertTrue(java.util.Arrays.equals(a.get(n).toMatrix(Precision.DOUBLE).toDouble().data,
                    b.get(n).toMatrix(Precision.DOUBLE).toDouble().data), n + " bitwise");
        }
    }

    @Test
    void aConfigThatSweepsSeveralRunsNeedsTheChoiceAndRefusesItsOwnOptions() throws IOException {
        Path cfg = config("choice", LAYERED);
        SparkTrainCommandTest.Outcome none = run("--config", cfg.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("sweeps 2 runs") && none.err().contains("linearized lr 0.1")
                && none.err().contains("gradient lr 0.05"), none.err());
        SparkTrainCommandTest.Outcome units = run("--config", cfg.toString(), "--rule", "linearized", "--units", "30");
        assertEquals(2, units.code());
        assertTrue(units.err().contains("--units is set by the config"), units.err());
        SparkTrainCommandTest.Outcome badKey = run("--config", cfg.toString(), "--rule", "linearized", "--set", "network.unit_count=3");
        assertEquals(2, badKey.code());
        assertTrue(badKey.err().contains("unknown key 'unit_count' in [network]"), badKey.err());
    }

    private static String[] args(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
