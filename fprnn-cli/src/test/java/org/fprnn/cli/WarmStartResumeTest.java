package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fprnn.io.Safetensors;
import org.fprnn.train.WarmStartCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm starts across epochs (solver.warm_start) keep resume bitwise: their per-sample states travel
 * in the checkpoint, so a sweep stopped mid-epoch and at an epoch end, then resumed, reaches bitwise
 * the same weights and metrics (but the seconds) as an uninterrupted one; and the option is refused
 * where it would change the protocol (a fixed number of Euler steps).
 */
class WarmStartResumeTest {
    @TempDir
    Path dir;

    private Path config(Path data, String solverExtra) throws IOException {
        String text = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]\nlinearized = [0.5]"),
                "max_iter = 100", "max_iter = 100\n" + solverExtra,
                "epochs = 2", "epochs = 3");
        Path cfg = dir.resolve("warm.toml");
        Files.writeString(cfg, text);
        return cfg;
    }

    @Test
    void interruptedAndResumedRunWithWarmStartsIsBitwiseIdenticalToAnUninterruptedOne() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 300, 100, 11);
        Path cfg = config(data, "warm_start = true");
        Path whole = dir.resolve("whole");
        Path parts = dir.resolve("parts");
        CliRunner a = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, a.exitCode(), a.err() + a.out());

        // 15 steps per run (5 per epoch): stop the gradient run at step 7, in its second epoch, when some of
        // its samples have been revisited from their cached states and others not yet ...
        CliRunner b1 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "7");
        assertEquals(130, b1.exitCode(), b1.err() + b1.out());
        Path ckpt = parts.resolve("checkpoints").resolve("gradient_lr0.2.safetensors");
        var c = Safetensors.read(ckpt);
        assertEquals("7", c.metadata().get("step"));
        // ... whose checkpoint holds the forward and the adjoint caches, one row per training sample.
        assertEquals(300, c.get(WarmStartCache.FORWARD).dim(0));
        assertEquals(16, c.get(WarmStartCache.FORWARD).dim(1));
        assertEquals(300, c.get(WarmStartCache.ADJOINT).dim(0));
        // Then resumed, stopped at step 10 (an epoch end), and finished.
        CliRunner b2 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "3");
        assertEquals(130, b2.exitCode(), b2.err() + b2.out());
        assertTrue(b2.out().contains("resuming from its checkpoint at step 7"), b2.out());
        CliRunner b3 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "9");
        assertEquals(130, b3.exitCode(), b3.err() + b3.out());
        // The linearized run keeps no adjoint.
        var lin = Safetensors.read(parts.resolve("checkpoints").resolve("linearized_lr0.5.safetensors"));
        assertEquals("4", lin.metadata().get("step"));
        assertTrue(lin.tensors().containsKey(WarmStartCache.FORWARD));
        assertTrue(!lin.tensors().containsKey(WarmStartCache.ADJOINT), lin.tensors().keySet().toString());
        CliRunner b4 = CliRunner.run("run", cfg.toString(), "--out", parts.toString());
        assertEquals(0, b4.exitCode(), b4.err() + b4.out());

        for (String id : List.of("gradient_lr0.2", "linearized_lr0.5")) {
            Path wa = whole.resolve("weights").resolve(id + ".safetensors");
            Path wb = parts.resolve("weights").resolve(id + ".safetensors");
            assertEquals(-1, Files.mismatch(wa, wb), id + ": final weights differ");
        }
        assertEquals(withoutSeconds(whole), withoutSeconds(parts));
        assertTrue(Files.readString(whole.resolve("results.md")).contains("warm start"),
                "the results page says the solves started warm");

        // The same sweep without warm starts is another trajectory (not the same folder's settings).
        Path coldCfg = config(data, "");
        CliRunner mixed = CliRunner.run("run", coldCfg.toString(), "--out", whole.toString());
        assertEquals(2, mixed.exitCode(), mixed.out());
        assertTrue(mixed.err().contains("solver.warm_start"), mixed.err());
        Path cold = dir.resolve("cold");
        CliRunner cr = CliRunner.run("run", coldCfg.toString(), "--out", cold.toString());
        assertEquals(0, cr.exitCode(), cr.err());
        assertNotEquals(-1, Files.mismatch(whole.resolve("weights").resolve("gradient_lr0.2.safetensors"),
                cold.resolve("weights").resolve("gradient_lr0.2.safetensors")));
    }

    @Test
    void warmStartsAreRefusedForAFixedNumberOfSteps() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 100, 50, 3);
        String text = ConfigText.edit(ClassificationRunTest.config(data, "linearized = [0.5]"),
                "method = \"anderson\"\ntol = 1e-6", "method = \"euler\"\nalpha = 0.1\ntol = 0\nwarm_start = true");
        Path cfg = dir.resolve("euler.toml");
        Files.writeString(cfg, text);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("solver.warm_start = true needs solver.tol > 0"), r.err());
    }

    /** metrics.jsonl lines with the wall-time field removed. */
    private static List<String> withoutSeconds(Path results) throws IOException {
        return Files.readAllLines(results.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll(",\"seconds\":[^,}]*", "")).toList();
    }
}
