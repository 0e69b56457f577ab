package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process killed with SIGKILL (no shutdown hook runs) once it has written a checkpoint, then
 * the same command run again to the end in a new process, reaches bitwise the same weights and
 * metrics (but the seconds) as an uninterrupted run. Checkpoints are written to a temporary file
 * that is renamed into place (AtomicFiles), so a kill mid-write leaves the previous checkpoint.
 * Every wait is bounded.
 */
class KillResumeTest {
    @TempDir
    Path dir;

    static final long RUN_TIMEOUT_S = 120;

    @Test
    void killedProcessResumesToBitwiseTheSameResult() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 400, 60, 17);
        String text = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]"),
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]",
                "threads = 2", "threads = 1",
                "units = 16", "units = 48",
                "batch_size = 64", "batch_size = 20",
                "epochs = 2", "epochs = 6",
                "full_test_every_epoch = true", "full_test_every_epoch = true\noptimizer = \"adam\"");
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, text);
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");

        long t0 = System.nanoTime();
        Process a = start(cfg, whole, "whole");
        assertTrue(a.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS), "uninterrupted run timed out");
        assertEquals(0, a.exitValue(), log("whole"));
        double wholeSeconds = (System.nanoTime() - t0) / 1e9;

        Path ckpt = parts.resolve("checkpoints").resolve("gradient_lr0.2.safetensors");
        Process b = start(cfg, parts, "killed");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_S);
        while (!Files.isRegularFile(ckpt)) {
            if (!b.isAlive()) {
                fail("the process ended (exit " + b.exitValue() + ") before writing a checkpoint: " + log("killed"));
            }
            if (System.nanoTime() > deadline) {
                b.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("no checkpoint within " + RUN_TIMEOUT_S + " s: " + log("killed"));
            }
            Thread.sleep(5);
        }
        assertTrue(b.isAlive(), "the run must still be going when it is killed");
        b.destroyForcibly();   // SIGKILL on Unix: no shutdown hook, no final checkpoint
        assertTrue(b.waitFor(10, TimeUnit.SECONDS), "killed process did not end");
        assertTrue(b.exitValue() != 0, "killed, not finished: " + b.exitValue());
        assertFalse(Files.exists(parts.resolve("summary.json")), "the killed run did not finish");
        int savedStep = Integer.parseInt(Safetensors.read(ckpt).metadata().get("step"));
        assertTrue(savedStep > 0 && savedStep < 6 * 20, "checkpoint step " + savedStep);

        Process c = start(cfg, parts, "resumed");
        assertTrue(c.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS), "resumed run timed out");
        assertEquals(0, c.exitValue(), log("resumed"));
        String out = Files.readString(dir.resolve("resumed.out"));
        assertTrue(out.contains("resuming from its checkpoint at step"), out);

        Path wa = whole.resolve("weights").resolve("gradient_lr0.2.safetensors");
        Path wb = parts.resolve("weights").resolve("gradient_lr0.2.safetensors");
        assertEquals(-1, Files.mismatch(wa, wb), "final weights differ");
        List<String> la = withoutSeconds(whole.resolve("metrics.jsonl"));
        List<String> lb = withoutSeconds(parts.resolve("metrics.jsonl"));
        assertEquals(6 * 20 + 6, la.size());
        assertEquals(la, lb);
        assertFalse(Files.exists(ckpt), "the checkpoint is removed once the run has finished");
        System.out.printf("KillResumeTest: uninterrupted run %.1f s, killed after checkpoint at step %d%n",
                wholeSeconds, savedStep);
    }

    private Process start(Path cfg, Path out, String name) throws IOException {
        return Processes.start(dir, name, "run", cfg.toString(), "--out", out.toString());
    }

    private String log(String name) {
        return Processes.log(dir, name);
    }

    static List<String> withoutSeconds(Path metrics) throws IOException {
        return Files.readAllLines(metrics).stream().map(l -> l.replaceAll(",\"seconds\":[^,}]*", "")).toList();
    }
}
