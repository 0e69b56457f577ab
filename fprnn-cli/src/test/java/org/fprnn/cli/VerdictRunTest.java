package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 7, end to end: a run shorter than train.max_consecutive_refusals every step of
 * which is refused (it never learned) ends as diverged, in the output, summary.json and results.md;
 * it was reported as completed and not diverged.
 */
class VerdictRunTest {
    @TempDir
    Path dir;

    @Test
    void aRunEveryStepOfWhichWasRefusedIsDiverged() throws Exception {
        Path cfg = TinySweep.config(dir);
        Files.writeString(cfg, ConfigText.edit(Files.readString(cfg),
                "epochs = 2", "epochs = 1\nmax_direction_norm = 1e-30",
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]",
                "linearized = [0.05]", ""));
        Path out = dir.resolve("res");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("diverged (no step of the run was applied: all 5 steps were refused or skipped"),
                r.out());
        Map<?, ?> run = (Map<?, ?>) ((List<?>) ((Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")),
                "summary")).get("runs")).getFirst();
        assertEquals("diverged", run.get("outcome"), run.toString());
        assertEquals(true, run.get("loss_diverged"));
        assertEquals(5L, ((Number) run.get("refused_steps")).longValue());
        assertTrue(Files.readString(out.resolve("results.md")).contains("| yes | diverged: "));
    }
}
