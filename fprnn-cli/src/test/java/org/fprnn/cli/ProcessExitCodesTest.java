package org.fprnn.cli;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 8, what only a real process shows: fprnn without arguments prints its usage and exits
 * with code 2; SIGTERM stops a sweep with exit code 143 after writing a checkpoint, as run --help
 * says (130 for Ctrl-C). Every wait is bounded.
 */
class ProcessExitCodesTest {
    @TempDir
    Path dir;

    Process start(String name, String... args) throws IOException {
        return start(java.util.Map.of(), name, args);
    }

    Process start(java.util.Map<String, String> env, String name, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.fprnn.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("FPRNN_THREADS", "1");
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve(name + ".out").toFile());
        pb.redirectError(dir.resolve(name + ".err").toFile());
        return pb.start();
    }

    String read(String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }

    @Test
    void noArgumentsPrintsUsageAndExits2() throws Exception {
        Process p = start("none");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out");
        assertEquals(2, p.exitValue());
        String err = read("none.err");
        assertTrue(err.contains("Usage: fprnn") && err.contains("Commands:"), err);
    }

    /** A misspelt FPRNN_BLAS is refused (exit 2, naming the value and the choices), not run on Java. */
    @Test
    void unknownBlasChoiceIsRefusedBeforeAnyWork() throws Exception {
        Process p = start(java.util.Map.of("FPRNN_BLAS", "sytem"), "blas", "--version");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out");
        assertEquals(2, p.exitValue(), read("blas.out") + read("blas.err"));
        String err = read("blas.err");
        assertTrue(err.contains("FPRNN_BLAS = sytem") && err.contains("native, bundled, system, java"), err);
        assertFalse(read("blas.out").contains("fprnn"), read("blas.out"));

        p = start(java.util.Map.of("FPRNN_BLAS", "java"), "java", "--version");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out");
        assertEquals(0, p.exitValue(), read("java.err"));
    }

    /** Waits (up to 60 s) until process p, started as {@code name}, prints {@code line}; fails if it ends first. */
    private void awaitStart(Process p, String name, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!read(name + ".out").contains(line)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the run did not start: " + read(name + ".out") + read(name + ".err"));
            }
            Thread.sleep(20);
        }
    }

    @Test
    void sigtermStopsWithExitCode143AsTheHelpSays() throws Exception {
        CliRunner help = CliRunner.run("run", "--help");
        assertTrue(help.out().contains("143") && help.out().contains("SIGTERM"), help.out());
        assertTrue(help.out().contains("130") && help.out().contains("SIGINT"), help.out());

        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 400, 60, 4);
        String text = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]"),
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]",
                "threads = 2", "threads = 1",
                "units = 16", "units = 48",
                "batch_size = 64", "batch_size = 10",
                "epochs = 2", "epochs = 200");
        Path cfg = Files.writeString(dir.resolve("long.toml"), text);
        Path out = dir.resolve("res");
        Process p = start("term", "run", cfg.toString(), "--out", out.toString());
        awaitStart(p, "term", "[1/1] gradient lr 0.2 seed 5: 8000 steps");
        Thread.sleep(300);
        assertTrue(p.isAlive(), "200 epochs are still running");
        p.destroy(); // SIGTERM
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("no exit within 60 s of SIGTERM");
        }
        assertEquals(143, p.exitValue(), read("term.out") + read("term.err"));
        assertTrue(Files.isRegularFile(out.resolve("checkpoints").resolve("gradient_lr0.2.safetensors")),
                "checkpoint written: " + read("term.out"));
        assertFalse(UserErrorTest.hasTrace(read("term.err")), read("term.err"));
        // The lock is released (emptied) before the JVM exits; a lock left holding its holder made the next
        // command note that it took the lock over from a process that ended without releasing it.
        assertEquals(0, Files.size(out.resolve(org.fprnn.cli.report.FolderLock.FILE)), "lock released on SIGTERM");
    }

    /**
     * A step that never ends (euler with tol 0 and a huge max_iter) held a stopping sweep for up to
     * StopSignal.WAIT_SECONDS whatever the user did; a second signal now ends the process at once.
     */
    @Test
    void aSecondSigtermEndsTheProcessWithoutWaitingForTheStep() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data2"));
        TinyIdx.write(data, 400, 60, 4);
        String text = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]"),
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]", "threads = 2", "threads = 1");
        Path cfg = Files.writeString(dir.resolve("slow.toml"), text);
        Path out = dir.resolve("slow");
        Process p = start("slow", "run", cfg.toString(), "--out", out.toString(), "--set", "solver.method=\"euler\"",
                "--set", "solver.tol=0", "--set", "solver.max_iter=2000000000");
        awaitStart(p, "slow", "[1/1] gradient lr 0.2 seed 5");
        Thread.sleep(500);
        p.destroy(); // SIGTERM: waits for the step, which does not end
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!read("slow.err").contains("stopping after the current step") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(500);
        assertTrue(p.isAlive(), "the first SIGTERM waits for the step: " + read("slow.err"));
        p.destroy(); // the second
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("no exit within 20 s of a second SIGTERM: " + read("slow.err"));
        }
        assertEquals(143, p.exitValue(), read("slow.out") + read("slow.err"));
        assertTrue(read("slow.err").contains("second SIGTERM: stopping now"), read("slow.err"));
        assertFalse(UserErrorTest.hasTrace(read("slow.err")), read("slow.err"));
    }
}
