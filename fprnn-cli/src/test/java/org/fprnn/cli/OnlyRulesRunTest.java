package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn run --only RULE: one rule's runs of a sweep first (stopped and resumed as usual), the rest
 * by the plain command later, into the same files; the folder ends bitwise where a sweep run in one
 * go does, and its pages name the plain command.
 */
class OnlyRulesRunTest {
    @TempDir
    Path dir;

    @Test
    void oneRuleFirstThenTheRestEndsWhereTheWholeSweepDoes() throws IOException {
        Path cfg = TinySweep.config(dir);   // gradient lr 0.2, then linearized lr 0.05; 10 steps each
        Path whole = dir.resolve("whole");
        CliRunner a = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, a.exitCode(), a.err() + a.out());

        Path parts = dir.resolve("parts");
        CliRunner b1 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--only", "linearized",
                "--stop-after-steps", "3");
        assertEquals(130, b1.exitCode(), b1.err() + b1.out());
        assertTrue(b1.out().contains("gradient lr 0.2 seed 5: not selected by --only, left for a later command"),
                b1.out());
        assertTrue(b1.out().contains("--only linearized\n"), "the resume command keeps --only: " + b1.out());
        assertTrue(Files.isRegularFile(parts.resolve("checkpoints/" + TinySweep.RESUMED + ".safetensors")));

        CliRunner b2 = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--only", "linearized");
        assertEquals(0, b2.exitCode(), b2.err() + b2.out());
        assertTrue(b2.out().contains("linearized lr 0.05 seed 5: resuming from its checkpoint at step 3"), b2.out());
        assertTrue(b2.out().contains("--only linearized: 1 of 2 runs finished, 1 left for a later command"), b2.out());
        assertTrue(Files.isRegularFile(parts.resolve("runs/" + TinySweep.RESUMED + ".json")));
        assertFalse(Files.exists(parts.resolve("runs/" + TinySweep.FINISHED + ".json")), "gradient was not selected");
        assertFalse(Files.exists(parts.resolve("results.md")), "the pages wait for the whole sweep");
        assertFalse(Files.exists(parts.resolve("summary.json")));

        // The plain command, stopped in the gradient run (first in the plan): metrics.jsonl keeps the
        // linearized run, finished before and later in the plan.
        CliRunner b3a = CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "3");
        assertEquals(130, b3a.exitCode(), b3a.err() + b3a.out());
        String metrics = Files.readString(parts.resolve("metrics.jsonl"));
        String linearized = Files.readString(parts.resolve("runs/" + TinySweep.RESUMED + ".metrics.jsonl"));
        assertTrue(linearized.lines().count() > TinySweep.STEPS && metrics.contains(linearized.strip()), metrics);
        assertEquals(3, metrics.lines().filter(l -> l.startsWith("{\"rule\":\"gradient\"")).count(), metrics);
        assertTrue(b3a.out().contains("stopped: 1 of 2 runs finished"), "the run finished later in the plan counts: "
                + b3a.out());
        assertTrue(b3a.out().endsWith("fprnn run " + cfg + " --out " + parts + "\n"), b3a.out());

        CliRunner b3 = CliRunner.run("run", cfg.toString(), "--out", parts.toString());
        assertEquals(0, b3.exitCode(), b3.err() + b3.out());
        assertTrue(b3.out().contains("linearized lr 0.05 seed 5: finished before, skipped"), b3.out());
        for (String id : new String[] {TinySweep.FINISHED, TinySweep.RESUMED}) {
            assertEquals(-1L, Files.mismatch(whole.resolve("weights/" + id + ".safetensors"),
                    parts.resolve("weights/" + id + ".safetensors")), id + ": weights differ from the whole sweep's");
        }
        String md = Files.readString(parts.resolve("results.md"));
        assertTrue(md.contains("Written by `fprnn run " + cfg) && !md.contains("--only"), md);
    }

    @Test
    void aRuleOutsideTheSweepIsRefusedNamingTheSweepsRules() throws IOException {
        Path cfg = TinySweep.config(dir);
        Path out = dir.resolve("out");
        for (String bad : new String[] {"bptt", "Gradient"}) {
            CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--only=" + bad);
            assertEquals(2, r.exitCode(), r.err() + r.out());
            assertTrue(r.err().contains("its rules are gradient, linearized"), r.err());
        }
        assertTrue(CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--only=bptt").err()
                .contains("rule 'bptt' is not in this sweep"));
        for (String empty : new String[] {"--only=", "--only=,"}) {   // no rule named: refused, not a sweep of nothing
            CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), empty);
            assertEquals(2, r.exitCode(), empty + ": " + r.err() + r.out());
            assertTrue(r.err().contains("gradient, linearized"), r.err());
        }
        assertFalse(Files.exists(out), "nothing is written for a refused command");
    }
}
