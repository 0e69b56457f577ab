package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fprnn.cli.report.FolderLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 1, with real processes: while one `fprnn run` writes a results folder, a second
 * into the same folder refuses at once (exit 2) naming the first (pid, host, start time) and writes
 * nothing; once the first is killed with SIGKILL (no shutdown hook runs), a third takes the lock
 * over, says so, and runs. Every wait is bounded.
 */
class FolderLockTest {
    @TempDir
    Path dir;

    static final long TIMEOUT_S = 180;

    /**
     * Waits until process a (logging as "a" into logs) holds out's lock, which it does once the lock
     * file names it (a run locks a new folder after reading its data); the lock file.
     */
    private static Path awaitLock(Process a, Path out, Path logs, String what) throws Exception {
        Path lockFile = out.resolve(FolderLock.FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!Files.isRegularFile(lockFile) || !Files.readString(lockFile).contains("\"pid\":")) {
            if (!a.isAlive()) {
                fail(what + " ended (exit " + a.exitValue() + "): " + Processes.log(logs, "a"));
            }
            if (System.nanoTime() > deadline) {
                fail("no lock within " + TIMEOUT_S + " s: " + Processes.log(logs, "a"));
            }
            Thread.sleep(10);
        }
        return lockFile;
    }

    @Test
    void secondRunIntoABusyFolderIsRefusedAndAKilledHoldersLockIsTakenOver() throws Exception {
        Path cfg = TinySweep.config(dir);
        // Long enough to be still running while the second command starts: 400 epochs of 5 steps.
        Files.writeString(cfg, ConfigText.edit(Files.readString(cfg), "epochs = 2", "epochs = 400"));
        Path out = dir.resolve("res");
        Path logs = dir.resolve("logs");
        Process a = Processes.start(logs, "a", "run", cfg.toString(), "--out", out.toString());
        try {
            Path lockFile = awaitLock(a, out, logs, "the first run");
            String lockInfo = Files.readString(lockFile);
            assertTrue(lockInfo.contains("\"pid\":" + a.pid()), lockInfo);

            Process b = Processes.start(logs, "b", "run", cfg.toString(), "--out", out.toString());
            assertTrue(b.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "the second run did not stop");
            assertTrue(a.isAlive(), "the first run must still hold the lock: " + Processes.log(logs, "a"));
            assertEquals(2, b.exitValue(), Processes.log(logs, "b"));
            String err = Processes.err(logs, "b");
            assertTrue(err.contains("is in use by another fprnn command") && err.contains("pid " + a.pid())
                    && err.contains("on host ") && err.contains("started 20"), err);
            assertTrue(err.contains("stop it (" + FolderLock.SWEEP_ON_STOP + ")"), err);
            assertFalse(err.contains("\tat "), err);
            assertFalse(Processes.out(logs, "b").contains("steps into"), "the second run did no work");
            assertTrue(Files.readString(out.resolve(FolderLock.FILE)).contains("\"pid\":" + a.pid()),
                    "the refused run left the holder's lock as it was");
        } finally {
            a.destroyForcibly();   // SIGKILL: the lock file still names a, but the OS lock is gone
            assertTrue(a.waitFor(10, TimeUnit.SECONDS), "the first run did not end when killed");
        }
        assertTrue(Files.readString(out.resolve(FolderLock.FILE)).contains("\"pid\":" + a.pid()));

        Process c = Processes.start(logs, "c", "run", cfg.toString(), "--out", out.toString(), "--stop-after-steps", "1");
        assertTrue(c.waitFor(TIMEOUT_S, TimeUnit.SECONDS), "the third run did not stop");
        assertEquals(130, c.exitValue(), Processes.log(logs, "c"));
        String cout = Processes.out(logs, "c");
        assertTrue(cout.contains("took over the lock") && cout.contains("pid " + a.pid()), cout);
        assertEquals("", Files.readString(out.resolve(FolderLock.FILE)), "a finished command releases the lock");
    }

    /**
     * A folder busy with protocol P2 (fprnn run too, but no checkpoints) was described as held by a
     * command whose Ctrl-C writes a checkpoint to resume from; the refusal now says what the holder
     * recorded it keeps when stopped: nothing.
     */
    @Test
    void aBusyFolderSaysWhatStoppingItsHolderKeeps() throws Exception {
        Path cfg = dir.resolve("p2.toml");
        // Minutes long, so still running while the second command starts (and its loss curves fit the heap).
        Files.writeString(cfg, ConfigText.edit(RunCommandTest.TINY, "iterations = 40", "iterations = 2000000",
                "learning_rates = [0.1, 100.0]", "learning_rates = [0.001]", "threads = 2", "threads = 1"));
        Path out = dir.resolve("res");
        Path logs = dir.resolve("logs");
        Process a = Processes.start(logs, "a", "run", cfg.toString(), "--out", out.toString());
        try {
            awaitLock(a, out, logs, "the P2 run");
            // (one step, should the first have ended after all: the test then fails at once, not minutes later)
            CliRunner b = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--set",
                    "teacher.iterations=1");
            assertTrue(a.isAlive(), "the P2 run must still hold the lock: " + Processes.log(logs, "a"));
            assertEquals(2, b.exitCode(), b.err() + b.out());
            assertTrue(b.err().contains("is in use by another fprnn command") && b.err().contains("pid " + a.pid())
                    && b.err().contains("stop it (" + RunCommand.LINEAR_TEACHER_ON_STOP + ")"), b.err());
            assertFalse(b.err().contains("checkpoint that the same command resumes from"), b.err());
        } finally {
            a.destroyForcibly();
            assertTrue(a.waitFor(10, TimeUnit.SECONDS), "the P2 run did not end when killed");
        }
    }

    @Test
    void aSecondCommandInTheSameProcessIsRefusedToo() throws Exception {
        Path out = Files.createDirectories(dir.resolve("res"));
        try (FolderLock held = FolderLock.acquire(out, "test", null, new java.io.PrintWriter(System.out, true))) {
            Path cfg = TinySweep.config(dir);
            CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
            assertEquals(2, r.exitCode(), r.err() + r.out());
            assertTrue(r.err().contains("in use by another fprnn command"), r.err());
        }
        Path cfg = dir.resolve("tiny.toml");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--stop-after-steps", "1");
        assertEquals(130, r.exitCode(), r.err() + r.out());
    }

    /**
     * A command that starts while another process's --status holds its momentary shared lock waits for
     * it instead of calling the folder busy (here the reader holds it until told to let go); a lock
     * held for longer than that wait is a busy folder, refused.
     */
    @Test
    void aStatusReadersMomentaryLockDoesNotMakeTheFolderBusy() throws Exception {
        Path out = Files.createDirectories(dir.resolve("res"));
        Path file = out.resolve(FolderLock.FILE);
        Files.writeString(file, "");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process reader = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                SharedLockHolder.class.getName(), file.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader said = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", said.readLine());
            // a lock held longer than the wait is a busy folder: refused after about BUSY_WAIT_MS, not waited for
            long t0 = System.nanoTime();
            UserError busy = org.junit.jupiter.api.Assertions.assertThrows(UserError.class,
                    () -> FolderLock.acquire(out, "test", null, new PrintWriter(System.out, true)));
            double waited = (System.nanoTime() - t0) / 1e9;
            assertTrue(busy.getMessage().contains("is in use by another fprnn command"), busy.getMessage());
            assertTrue(waited > 0.5 && waited < 30, "refused after " + waited + " s (it waits about 1 s)");
            CompletableFuture<FolderLock> taking = CompletableFuture.supplyAsync(() -> {
                try {
                    return FolderLock.acquire(out, "test", null, new PrintWriter(System.out, true));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Thread.sleep(100);
            assertFalse(taking.isDone(), "the command waits for the reader's lock rather than refusing");
            reader.getOutputStream().write('\n');
            reader.getOutputStream().flush();
            try (FolderLock lock = taking.get(TIMEOUT_S, TimeUnit.SECONDS)) {
                assertTrue(Files.readString(file).contains("\"pid\":" + ProcessHandle.current().pid()),
                        Files.readString(file));
            }
        } finally {
            reader.destroyForcibly();
            assertTrue(reader.waitFor(10, TimeUnit.SECONDS));
        }
    }
}
