package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn run --status: where a sweep stands (finished, started, not started; the finished runs' mean
 * and sd over seeds so far), read without changing a byte of the folder; a damaged file is refused
 * as a run refuses it; options that would make something are refused.
 */
class StatusRunTest {
    @TempDir
    Path dir;

    private static CliRunner status(Path cfg, Path out, String... extra) {
        String[] args = new String[5 + extra.length];
        args[0] = "run";
        args[1] = cfg.toString();
        args[2] = "--out";
        args[3] = out.toString();
        args[4] = "--status";
        System.arraycopy(extra, 0, args, 5, extra.length);
        return CliRunner.run(args);
    }

    @Test
    void reportsEachRunAndTheMeanOverSeedsSoFarWithoutChangingTheFolder() throws IOException {
        Path cfg = TinySweep.config(dir);   // gradient lr 0.2, linearized lr 0.05; 10 steps, 5 per epoch; seed 5
        Path out = dir.resolve("res");

        CliRunner none = status(cfg, out, "--seeds", "5,6");
        assertEquals(0, none.exitCode(), none.err() + none.out());
        assertTrue(none.out().contains("no run of this sweep has started"), none.out());
        assertFalse(Files.exists(out), "--status makes no folder");

        CliRunner part = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--seeds", "5,6",
                "--stop-after-steps", "13");
        assertEquals(130, part.exitCode(), part.err() + part.out());
        Map<String, byte[]> before = TinySweep.snapshot(out);

        CliRunner s = status(cfg, out, "--seeds", "5,6");
        assertEquals(0, s.exitCode(), s.err() + s.out());
        String text = s.out();
        assertTrue(text.contains("[1/4] gradient lr 0.2 seed 5: finished: test accuracy "), text);
        assertTrue(text.contains("[2/4] linearized lr 0.05 seed 5: started: checkpoint after step 3 (epoch 1 of 2), "),
                text);
        assertTrue(text.contains("[3/4] gradient lr 0.2 seed 6: not started"), text);
        assertTrue(text.contains("[4/4] linearized lr 0.05 seed 6: not started"), text);
        assertTrue(text.contains("1 of 4 runs finished, 1 started, 2 not started"), text);
        assertTrue(text.contains("gradient lr 0.2: ") && text.contains("% (n = 1)"), text);
        assertFalse(text.contains("linearized lr 0.05: "), "no seed of linearized finished: " + text);
        assertTrue(text.strip().endsWith("fprnn run " + cfg + " --out " + out + " --seeds=5,6")
                || text.strip().endsWith("fprnn run " + cfg + " --out " + out + " --seeds 5,6"),
                "the command that continues the sweep, without --status: " + text);
        assertEquals(before.keySet(), TinySweep.snapshot(out).keySet());
        assertTrue(TinySweep.changed(before, TinySweep.snapshot(out)).isEmpty(), "--status wrote into the folder");

        CliRunner rest = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--seeds", "5,6");
        assertEquals(0, rest.exitCode(), rest.err() + rest.out());
        CliRunner all = status(cfg, out, "--seeds", "5,6");
        assertEquals(0, all.exitCode(), all.err() + all.out());
        assertTrue(all.out().contains("4 of 4 runs finished, 0 started, 0 not started"), all.out());
        assertTrue(all.out().contains("% (n = 2)"), "the mean over both seeds: " + all.out());
        assertTrue(all.out().contains("Every run has finished"), all.out());
        assertFalse(all.out().contains("A command is running in this folder now"), "no one holds it: " + all.out());
        try (var lock = org.fprnn.cli.report.FolderLock.acquire(out, "fprnn run c.toml",
                org.fprnn.cli.report.FolderLock.SWEEP_ON_STOP,
                new java.io.PrintWriter(java.io.Writer.nullWriter()))) {
            CliRunner held = status(cfg, out, "--seeds", "5,6");
            assertEquals(0, held.exitCode(), held.err());
            assertTrue(held.out().contains("A command is running in this folder now (this process"), held.out());
        }

        // A damaged record is refused as the sweep refuses it: exit 2, naming the run, nothing changed.
        Path metrics = out.resolve("runs/" + TinySweep.FINISHED + ".metrics.jsonl");
        Files.writeString(metrics, "{\"rule\":\"gradient\"}\n", StandardOpenOption.APPEND);
        Map<String, byte[]> damaged = TinySweep.snapshot(out);
        CliRunner bad = status(cfg, out, "--seeds", "5,6");
        assertEquals(2, bad.exitCode(), bad.err() + bad.out());
        assertTrue(bad.err().contains(TinySweep.FINISHED), bad.err());
        assertTrue(TinySweep.changed(damaged, TinySweep.snapshot(out)).isEmpty());
    }

    @Test
    void optionsThatWouldRunSomethingAndOtherProtocolsAreRefused() throws IOException {
        Path cfg = TinySweep.config(dir);
        Path out = dir.resolve("res");
        CliRunner only = status(cfg, out, "--only", "gradient");
        assertEquals(2, only.exitCode(), only.err() + only.out());
        assertTrue(only.err().contains("leave --only out"), only.err());

        Path p2 = Files.writeString(dir.resolve("p2.toml"), RunCommandTest.TINY);
        CliRunner linear = status(p2, out);
        assertEquals(2, linear.exitCode(), linear.err() + linear.out());
        assertTrue(linear.err().contains("--status applies to classification sweeps"), linear.err());
        assertFalse(Files.exists(out));

        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        CliRunner onFile = status(cfg, file);
        assertEquals(2, onFile.exitCode(), onFile.err() + onFile.out());
        assertTrue(onFile.err().contains("is a file, not a results folder"), onFile.err());
        assertEquals("x", Files.readString(file));
    }
}
