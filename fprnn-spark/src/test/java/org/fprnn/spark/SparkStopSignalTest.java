package org.fprnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (and so Ctrl-C) to the spark-submit entry point, in a real process as fprnn-cli's
 * ProcessExitCodesTest does for fprnn run. It had no stop handling: Spark's own shutdown hook stopped
 * the context under the running step, which was reported as an internal error with a stack trace,
 * the steps since the last --checkpoint-every checkpoint (without it, the whole run) were lost, and
 * the lock file was left holding its holder. Now the run stops as fprnn run does: a checkpoint of
 * the steps done, the lock released before the JVM exits, a message, exit code 143 (130 for
 * SIGINT), and the same command resumes to the weights of an uninterrupted run, bit for bit; a
 * second signal ends the process at once. Every wait is bounded.
 */
class SparkStopSignalTest {
    @TempDir
    Path dir;

    /** One dense run of many epochs (3 steps each), Adam (so the optimizer state matters), in double. */
    private Path config() throws IOException {
        Path data = Files.createDirectories(dir.resolve("idx"));
        SparkNetworkTypesTest.writeSplit(data, "train", 90, 1);
        SparkNetworkTypesTest.writeSplit(data, "t10k", 30, 2);
        String text = """
                name = "stop"
                protocol = "classification"
                seed = 4
                [data]
                name = "idx"
                data_dir = "%s"
                [network]
                units = 10
                precision = "double"
                train_readout = true
                [solver]
                method = "euler"
                alpha = 0.2
                max_iter = 400
                tol = 0.0
                [train]
                optimizer = "adam"
                batch_size = 30
                epochs = 1000
                test_batch = 10
                [sweep]
                rules = ["linearized"]
                [sweep.learning_rates]
                linearized = [0.01]
                """.formatted(data.toString().replace("\\", "\\\\"));
        return Files.writeString(dir.resolve("stop.toml"), text);
    }

    /** SparkTrain in a JVM of its own, with the flags of jvm.args (as scripts/spark.sh starts it). */
    private Process start(String name, List<String> args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "@" + Path.of("jvm.args").toAbsolutePath(),
                "-Dlog4j2.configurationFile=" + Path.of("log4j2.properties").toAbsolutePath(), "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), "org.fprnn.spark.SparkTrain"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.redirectOutput(dir.resolve(name + ".out").toFile());
        pb.redirectError(dir.resolve(name + ".err").toFile());
        return pb.start();
    }

    private String read(String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }

    /** Waits (up to 120 s) until the process's stdout matches {@code pattern}; fails if it ends first. */
    private Matcher await(Process p, String name, Pattern pattern) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            Matcher m = pattern.matcher(read(name + ".out"));
            if (m.find()) {
                return m;
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the run did not get there: " + read(name + ".out") + read(name + ".err"));
            }
            Thread.sleep(20);
        }
    }

    private void awaitExit(Process p, String name, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("no exit within " + seconds + " s of the signal: " + read(name + ".out") + read(name + ".err"));
        }
    }

    /** A Java stack trace or exception in the output (Spark's WARN lines are none). */
    private static boolean hasTrace(String text) {
        return text.contains("\tat ") || text.contains("Exception");
    }

    private static List<String> with(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void sigtermStopsASparkRunWithACheckpointThatResumesBitwise() throws Exception {
        Path cfg = config();
        Path out = dir.resolve("stopped");
        List<String> common = List.of("--config", cfg.toString(), "--rule", "linearized", "--master", "local[2]",
                "--partitions", "2", "--log-every", "1", "--no-eval");
        Process p = start("spark", with(common, "--out", out.toString()));
        await(p, "spark", Pattern.compile("step 3/3000"));
        p.destroy(); // SIGTERM
        awaitExit(p, "spark", 60);
        String log = read("spark.out") + read("spark.err");
        assertEquals(143, p.exitValue(), log);
        assertTrue(read("spark.err").contains("fprnn-spark: stopping after the current step to write"), log);
        Matcher stopped = Pattern.compile("fprnn-spark: stopped after step (\\d+) of 3000 \\(\\1 in this command\\);"
                + " checkpoint ").matcher(read("spark.out"));
        assertTrue(stopped.find(), log);
        assertFalse(hasTrace(read("spark.err")), log);
        int step = Integer.parseInt(stopped.group(1));
        assertTrue(step >= 3, log);
        assertEquals(String.valueOf(step), Safetensors.read(out.resolve(Checkpoint.FILE)).metadata().get("step"));
        assertEquals(0, Files.size(out.resolve(FolderLock.FILE)), "lock released before the JVM exited");

        // The same command resumes (on the tests' Spark context), here for 4 more steps, and ends where a
        // run never stopped ends: --steps may differ between the runs.
        String steps = String.valueOf(step + 4);
        SparkTrainCommandTest.Outcome resumed = SparkTrainCommandTest.run(
                with(common, "--out", out.toString(), "--steps", steps).toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("after step " + step) && !resumed.out().contains("took over the lock"),
                resumed.out());
        Path whole = dir.resolve("whole");
        SparkTrainCommandTest.Outcome reference = SparkTrainCommandTest.run(
                with(common, "--out", whole.toString(), "--steps", steps).toArray(String[]::new));
        assertEquals(0, reference.code(), reference.out() + reference.err());
        assertTrue(CompareWeights.bitwiseEqual(CompareWeights.read(whole), CompareWeights.read(out)),
                "resumed weights differ by " + CompareWeights.maxRelErr(CompareWeights.read(whole), CompareWeights.read(out)));
    }

    /**
     * A step that never ends (euler with tol 0 and a huge max_iter, in --single-process mode, where
     * the first signal waits for the step): a second SIGTERM ends the process at once.
     */
    @Test
    void aSecondSigtermEndsTheProcessWithoutWaitingForTheStep() throws Exception {
        Path cfg = config();
        Process p = start("slow", List.of("--config", cfg.toString(), "--rule", "linearized", "--single-process",
                "--set", "solver.max_iter=2000000000", "--out", dir.resolve("slow").toString()));
        await(p, "slow", Pattern.compile("fprnn-spark: linearized, lr 0.01"));
        Thread.sleep(500);
        p.destroy(); // SIGTERM: waits for the step, which does not end
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!read("slow.err").contains("fprnn-spark: stopping after the current step")
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(500);
        assertTrue(p.isAlive(), "the first SIGTERM waits for the step: " + read("slow.err"));
        p.destroy(); // the second
        awaitExit(p, "slow", 20);
        assertEquals(143, p.exitValue(), read("slow.out") + read("slow.err"));
        assertTrue(read("slow.err").contains("fprnn-spark: second SIGTERM: stopping now"), read("slow.err"));
        assertFalse(hasTrace(read("slow.err")), read("slow.err"));
    }

    /**
     * Only Spark's failures of a stopped context become "stopped" after a signal: a failure of the
     * command's own (a checkpoint that cannot be written) was reported as "nothing was trained or
     * written", exit 130, and lost.
     */
    @Test
    void onlyAStoppedContextsFailuresCountAsTheStop() {
        assertTrue(SparkTrain.stoppedContext(new org.apache.spark.SparkException(
                "Job 3 cancelled because SparkContext was shut down")));
        assertTrue(SparkTrain.stoppedContext(new RuntimeException(new IllegalStateException(
                "Cannot call methods on a stopped SparkContext."))));
        assertFalse(SparkTrain.stoppedContext(new java.io.UncheckedIOException(new IOException(
                "checkpoint.safetensors: No space left on device"))));
        assertFalse(SparkTrain.stoppedContext(new IllegalStateException("matrix is singular")));
    }
}
