package org.fprnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.TestNets;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point: its options, its errors, and an end-to-end run on MNIST when installed. */
class SparkTrainCommandTest {

    record Outcome(int code, String out, String err) {
    }

    /** Runs the command line on the tests' local[2] context. */
    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkTrain.execute(TestSpark.context(), new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** The repository's data folder: the first data/ found walking up from the working directory. */
    private static Path dataRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("data"))) {
                return d.resolve("data");
            }
            if (Files.exists(d.resolve(".git"))) {
                break;
            }
        }
        return Path.of("data").toAbsolutePath();
    }

    @Test
    void badInputExitsWithCode2AndSaysWhatWasWrong() {
        Outcome noLr = run("--data", "mnist");
        assertEquals(2, noLr.code());
        assertTrue(noLr.err().contains("--lr"), noLr.err());

        Outcome badRule = run("--lr", "0.1", "--rule", "hebbian");
        assertEquals(2, badRule.code());
        assertTrue(badRule.err().contains("unknown rule 'hebbian'") && badRule.err().contains("linearized"),
                badRule.err());

        Outcome adamMomentum = run("--lr", "0.1", "--optimizer", "adam", "--momentum", "0.9");
        assertEquals(2, adamMomentum.code());
        assertTrue(adamMomentum.err().contains("--momentum"), adamMomentum.err());

        Outcome alpha = run("--lr", "0.1", "--solver", "anderson", "--alpha", "0.3");
        assertEquals(2, alpha.code());
        assertTrue(alpha.err().contains("--alpha does not apply to --solver anderson"), alpha.err());
        Outcome gain = run("--lr", "0.1", "--gain", "3");
        assertEquals(2, gain.code());
        assertTrue(gain.err().contains("network.gain = 3.0 does not apply to network.nonlinearity = \"tanh\""),
                gain.err());
        Outcome reparam = run("--lr", "0.1", "--rule", "reparam", "--master", "local[1]");
        assertEquals(2, reparam.code());
        assertTrue(reparam.err().contains("rule reparam is defined for linear networks only"), reparam.err());
        Outcome master = run("--lr", "0.1", "--master", "bogus://x");
        assertEquals(2, master.code());
        assertTrue(master.err().contains("--master bogus://x is not a Spark master URL"), master.err());
        Outcome noPort = run("--lr", "0.1", "--master", "spark://host");
        assertTrue(noPort.code() == 2 && noPort.err().contains("is not a Spark master URL"), noPort.err());
        for (String ok : new String[] {"local", "local[*]", "local[2, 3]", "local-cluster[2, 1, 1024]",
                "spark://a:7077,b:7077", "yarn"}) {   // Spark's own forms pass this check (then the data are missing)
            Outcome o = run("--lr", "0.1", "--master", ok, "--data-dir", "/nonexistent/fprnn-data");
            assertTrue(o.code() == 2 && o.err().contains("/nonexistent/fprnn-data"), ok + ": " + o.err());
        }

        Outcome tinyTol = run("--lr", "0.1", "--tol", "1e-400");   // read as 0 before, without a word
        assertEquals(2, tinyTol.code());
        assertTrue(tinyTol.err().contains("'1e-400': it is not 0 but too small for a number"), tinyTol.err());

        Outcome noData = run("--lr", "0.1", "--data-dir", "/nonexistent/fprnn-data");
        assertEquals(2, noData.code());
        assertTrue(noData.err().contains("/nonexistent/fprnn-data"), noData.err());
    }

    /** A misspelt fprnn.blas / FPRNN_BLAS is refused before any work (exit 2), as by the fprnn command. */
    @Test
    void misspeltBlasSettingIsRefused() {
        String before = System.getProperty("fprnn.blas");
        System.setProperty("fprnn.blas", "sytem");
        try {
            Outcome o = run("--data", "mnist", "--rule", "linearized", "--lr", "0.1");
            assertEquals(2, o.code(), o.err());
            assertTrue(o.err().contains("FPRNN_BLAS = sytem") && o.err().contains("native, bundled, system, java"),
                    o.err());
        } finally {
            if (before == null) {
                System.clearProperty("fprnn.blas");
            } else {
                System.setProperty("fprnn.blas", before);
            }
        }
    }

    @Test
    void trainsOnMnistLikeTheSingleProcessTrainerAndWritesWeightsAndMetrics(@TempDir Path tmp) throws Exception {
        Path mnist = dataRoot().resolve("mnist");
        assumeTrue(Files.isDirectory(mnist), "MNIST is not installed in " + mnist + " (run scripts/fetch-data.sh)");
        Path out = tmp.resolve("run");
        Outcome o = run("--data", "mnist", "--data-dir", mnist.toString(), "--train-samples", "300", "--units", "16",
                "--precision", "double", "--train-readout", "--batch", "64", "--steps", "3", "--partitions", "3",
                "--solver", "euler", "--alpha", "0.2", "--max-iter", "60", "--tol", "0", "--rule", "linearized",
                "--lr", "0.05", "--seed", "4", "--out", out.toString(), "--log-every", "1");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("300 training samples") && o.out().contains("3 partitions (shipped)")
                && o.out().contains("step 3/3")
                && o.out().contains("executors' BLAS: ") && o.out().contains("1 thread"), o.out());

        // The same 3 steps single-process, with the settings the options stand for.
        Dataset train = TrainingData.loadTrain("mnist", mnist.toString(), 300);
        SolverConfig fwd = SolverConfig.euler(0.2, 60, 0);
        TrainSettings ts = new TrainSettings("linearized", 0.05, "sgd", 0, 0, 64, 1, fwd,
                RuleSettings.of(Loss.CROSS_ENTROPY, fwd).withLr(0.05), 0, false, 4);
        FixedPointNetwork expected = FixedPointNetwork.builder().inputs(784).units(16).outputs(10)
                .precision(Precision.DOUBLE).trainReadout(true).seed(4).build();
        Trainer.Result res = new Trainer(ts, train, null).run(expected, ts.newOptimizer(), 0, new Trainer.Listener() {
            @Override public void onStep(StepRecord s) { }
            @Override public boolean stopAfter(int done) { return done >= 3; }
        });
        assertEquals(3, res.stepsDone());

        Safetensors.Contents weights = Safetensors.read(out.resolve("weights.safetensors"));
        assertEquals("linearized", weights.metadata().get("rule"));
        assertEquals("3", weights.metadata().get("steps"));
        Params got = new Params();
        for (String name : expected.params().names()) {
            got.put(name, weights.get(name).toMatrix(Precision.DOUBLE));
        }
        for (String name : expected.params().names()) {
            double err = TestNets.relErr(expected.params().get(name), got.get(name));
            assertTrue(err < 1e-10, name + " differs from single-process training by " + err);
        }
        double moved = TestNets.relErr(FixedPointNetwork.builder().inputs(784).units(16).outputs(10)
                .precision(Precision.DOUBLE).trainReadout(true).seed(4).build().params().get("R"), got.get("R"));
        assertTrue(moved > 1e-4, "R hardly moved: " + moved);

        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(4, lines.size(), String.join("\n", lines));
        for (int i = 0; i < 3; i++) {
            StepRecord s = (StepRecord) MetricsLines.parse(lines.get(i), "metrics.jsonl");
            assertEquals(i, s.step());
            assertEquals(res.steps().get(i).trainLoss(), s.trainLoss(), 1e-10 * s.trainLoss());
        }
        EvalRecord eval = (EvalRecord) MetricsLines.parse(lines.get(3), "metrics.jsonl");
        Dataset test = DataSets.load("mnist", "test", DataOptions.defaults().withDir(mnist));
        EvalRecord direct = new Trainer(ts, train, null).evaluate(expected, test, 3, 0);
        assertEquals(3, eval.step());
        assertEquals(direct.accuracy(), eval.accuracy(), 1e-12);
        assertEquals(direct.loss(), eval.loss(), 1e-10 * direct.loss());

        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "summary.json");
        assertEquals("completed", summary.get("outcome"));
        assertEquals(3L, summary.get("steps"));
        assertEquals(3L, ((Map<?, ?>) summary.get("settings")).get("partitions"));

        // The same run with every executor reading its part of the training set itself.
        Path out2 = tmp.resolve("read-on-executors");
        Outcome o2 = run("--data", "mnist", "--data-dir", mnist.toString(), "--read-on-executors", "--train-samples",
                "300", "--units", "16", "--precision", "double", "--train-readout", "--batch", "64", "--steps", "3",
                "--partitions", "3", "--solver", "euler", "--alpha", "0.2", "--max-iter", "60", "--tol", "0", "--rule",
                "linearized", "--lr", "0.05", "--seed", "4", "--out", out2.toString(), "--no-eval");
        assertEquals(0, o2.code(), o2.out() + o2.err());
        assertTrue(o2.out().contains("read on the executors"), o2.out());
        Safetensors.Contents weights2 = Safetensors.read(out2.resolve("weights.safetensors"));
        for (String name : expected.params().names()) {
            double err = TestNets.relErr(got.get(name), weights2.get(name).toMatrix(Precision.DOUBLE));
            assertTrue(err < 1e-12, name + ": reading on the executors changed the weights by " + err);
        }
        assertEquals(3, Files.readAllLines(out2.resolve("metrics.jsonl")).size(), "--no-eval: no evaluation line");
    }

    /**
     * A run stopped after a checkpoint and started again with the same options ends with the weights
     * of an uninterrupted run, bit for bit (Adam, so the optimizer state matters); a run with other
     * settings is refused and changes nothing; --single-process gives the same weights up to rounding.
     */
    @Test
    void resumesFromItsCheckpointBitwiseAndRefusesOtherSettings(@TempDir Path tmp) throws Exception {
        Path mnist = dataRoot().resolve("mnist");
        assumeTrue(Files.isDirectory(mnist), "MNIST is not installed in " + mnist + " (run scripts/fetch-data.sh)");
        List<String> common = List.of("--data", "mnist", "--data-dir", mnist.toString(), "--train-samples", "256",
                "--units", "12", "--precision", "double", "--batch", "64", "--epochs", "2", "--solver", "euler",
                "--alpha", "0.2", "--max-iter", "30", "--tol", "0", "--optimizer", "adam", "--lr", "0.01", "--seed",
                "5", "--no-eval", "--checkpoint-every", "2");
        Path whole = tmp.resolve("whole");
        Path resumed = tmp.resolve("resumed");
        Outcome a = run(args(common, "--partitions", "2", "--out", whole.toString()));
        assertEquals(0, a.code(), a.out() + a.err());
        Outcome first = run(args(common, "--partitions", "2", "--steps", "3", "--out", resumed.toString()));
        assertEquals(0, first.code(), first.out() + first.err());
        assertEquals("3", Safetensors.read(resumed.resolve(Checkpoint.FILE)).metadata().get("step"));
        Outcome second = run(args(common, "--partitions", "2", "--out", resumed.toString()));
        assertEquals(0, second.code(), second.out() + second.err());
        assertTrue(second.out().contains("resuming from") && second.out().contains("after step 3"), second.out());
        Params w = CompareWeights.read(whole);
        Params r = CompareWeights.read(resumed);
        assertTrue(CompareWeights.bitwiseEqual(w, r), "resumed run differs by " + CompareWeights.maxRelErr(w, r));
        assertEquals(Files.readAllLines(whole.resolve("metrics.jsonl")).size(),
                Files.readAllLines(resumed.resolve("metrics.jsonl")).size(), "one metrics line per step and evaluation");

        byte[] before = Files.readAllBytes(resumed.resolve("weights.safetensors"));
        List<String> otherLr = new java.util.ArrayList<>(common);
        otherLr.set(otherLr.indexOf("0.01"), "0.02");
        Outcome refused = run(args(otherLr, "--partitions", "2", "--out", resumed.toString()));
        assertEquals(2, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("other settings") && refused.err().contains("lr 0.01 (saved) vs 0.02 (now)"),
                refused.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(resumed.resolve("weights.safetensors"))));

        Path single = tmp.resolve("single");
        Outcome s = run(args(common, "--single-process", "--out", single.toString()));
        assertEquals(0, s.code(), s.out() + s.err());
        double err = CompareWeights.maxRelErr(CompareWeights.read(single), w);
        assertTrue(err <= 1e-10, "Spark and single-process weights differ by " + err);
        assertTrue(CompareWeights.maxRelErr(CompareWeights.read(single), spec0(mnist)) > 1e-4, "the weights hardly moved");
    }

    private static String[] args(List<String> common, String... more) {
        List<String> all = new java.util.ArrayList<>(common);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** The weights at start of the resume test's network. */
    private static Params spec0(Path mnist) {
        return FixedPointNetwork.builder().inputs(784).units(12).outputs(10).precision(Precision.DOUBLE).seed(5).build()
                .params();
    }
}
