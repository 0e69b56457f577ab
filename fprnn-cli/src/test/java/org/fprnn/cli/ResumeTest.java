package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C and resume: a sweep stopped twice (mid-epoch, then at an epoch end) and resumed reaches
 * bitwise the same weights and metrics (but the seconds) as an uninterrupted one.
 */
class ResumeTest {
    @TempDir
    Path dir;

    @Test
    void interruptedAndResumedSweepIsBitwiseIdenticalToAnUninterruptedOne() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 300, 100, 11);
        // Adam and momentum keep optimizer state, which the checkpoint must carry too.
        String text = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]\nlinearized = [0.05, 0.5]"),
                "full_test_every_epoch = true", "full_test_every_epoch = true\noptimizer = \"adam\"");
        Path cfg = dir.resolve("c.toml");
        Files.writeString(cfg, text);
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");
        CliRunner a = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, a.exitCode(), a.err());

        // 10 steps per run (5 per epoch): stop in run 2 at step 3 (mid-epoch) ...
        CliRunner b1 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "13");
        assertEquals(130, b1.exitCode(), b1.err() + b1.out());
        assertTrue(b1.out().contains("Run the same command to resume"), b1.out());
        Path ckpt = parts.resolve("checkpoints").resolve("linearized_lr0.05.safetensors");
        var c = Safetensors.read(ckpt);
        assertEquals("3", c.metadata().get("step"));
        assertEquals(16, c.get("W").dim(0));
        assertTrue(c.tensors().keySet().stream().anyMatch(k -> k.startsWith("optimizer.")), c.tensors().keySet().toString());
        assertTrue(!Files.exists(parts.resolve("summary.json")));
        // ... then, resumed, at step 5 (an epoch end) ...
        CliRunner b2 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "2");
        assertEquals(130, b2.exitCode(), b2.err() + b2.out());
        assertTrue(b2.out().contains("resuming from its checkpoint at step 3"), b2.out());
        assertEquals("5", Safetensors.read(ckpt).metadata().get("step"));
        // ... and finish.
        CliRunner b3 = CliRunner.run("run", cfg.toString(), "--out", parts.toString());
        assertEquals(0, b3.exitCode(), b3.err());
        assertTrue(b3.out().contains("resuming from its checkpoint at step 5"), b3.out());
        assertTrue(!Files.exists(ckpt));

        for (String id : List.of("gradient_lr0.2", "linearized_lr0.05", "linearized_lr0.5")) {
            Path wa = whole.resolve("weights").resolve(id + ".safetensors");
            Path wb = parts.resolve("weights").resolve(id + ".safetensors");
            assertEquals(-1, Files.mismatch(wa, wb), id + ": final weights differ");
        }
        assertEquals(withoutSeconds(whole), withoutSeconds(parts));
        Map<?, ?> sa = (Map<?, ?>) Json.parse(Files.readString(whole.resolve("summary.json")), "a");
        Map<?, ?> sb = (Map<?, ?>) Json.parse(Files.readString(parts.resolve("summary.json")), "b");
        List<?> ra = (List<?>) sa.get("runs");
        List<?> rb = (List<?>) sb.get("runs");
        for (int i = 0; i < ra.size(); i++) {
            for (String k : List.of("final_test_acc", "final_test_loss", "best_test_batch_acc", "spectral_radius_W")) {
                assertEquals(((Map<?, ?>) ra.get(i)).get(k), ((Map<?, ?>) rb.get(i)).get(k), k);
            }
        }
    }

    /** metrics.jsonl lines with the wall-time field removed. */
    static List<String> withoutSeconds(Path results) throws IOException {
        return withoutSeconds(results, 3 * 12);
    }

    /** As {@link #withoutSeconds(Path)}, for a folder of {@code expected} lines. */
    static List<String> withoutSeconds(Path results, int expected) throws IOException {
        List<String> lines = Files.readAllLines(results.resolve("metrics.jsonl"));
        assertTrue(lines.size() == expected, "lines: " + lines.size());
        return lines.stream().map(l -> l.replaceAll(",\"seconds\":[^,}]*", "")).toList();
    }
}
