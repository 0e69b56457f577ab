package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing saved is lost to a run of another kind: P2 (which rewrites every page at once) refuses a
 * folder holding a classification sweep or P2 results made with other settings, a sweep refuses a
 * folder holding P2's results, and a sweep over fewer seeds than its folder holds says that its pages
 * will cover its own runs only.
 */
class FolderProtocolTest {
    @TempDir
    Path dir;

    private static final String[] P2 = {"--set", "teacher.iterations=20", "--set", "teacher.units=20", "--set",
        "teacher.samples=10", "--set", "threads=1"};

    @Test
    void runsOfOneProtocolNeverOverwriteAnothersPages() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();   // tests run in fprnn-cli/; configs/ is beside it
        Path cfg = TinySweep.config(dir);
        Path sweep = dir.resolve("sweep");
        assertEquals(0, CliRunner.run("run", cfg.toString(), "--out", sweep.toString()).exitCode());
        Map<String, byte[]> before = TinySweep.snapshot(sweep);

        CliRunner intoSweep = p2(root, sweep);
        assertEquals(2, intoSweep.exitCode(), intoSweep.err() + intoSweep.out());
        assertTrue(intoSweep.err().contains("holds a classification sweep's results"), intoSweep.err());

        Path linear = dir.resolve("linear");
        CliRunner first = p2(root, linear);
        assertEquals(0, first.exitCode(), first.err() + first.out());
        Map<String, byte[]> p2Pages = TinySweep.snapshot(linear);
        CliRunner again = p2(root, linear);   // the same settings: made anew, allowed
        assertEquals(0, again.exitCode(), again.err() + again.out());
        CliRunner other = p2(root, linear, "--set", "teacher.iterations=21");
        assertEquals(2, other.exitCode(), other.err() + other.out());
        assertTrue(other.err().contains("holds P2 results made with other settings (iterations 20 -> 21)"),
                other.err());

        CliRunner sweepIntoLinear = CliRunner.run("run", cfg.toString(), "--out", linear.toString());
        assertEquals(2, sweepIntoLinear.exitCode(), sweepIntoLinear.err() + sweepIntoLinear.out());
        assertTrue(sweepIntoLinear.err().contains("holds the results of P2"), sweepIntoLinear.err());
        assertEquals(java.util.List.of(), TinySweep.changed(before, TinySweep.snapshot(sweep)), "sweep folder changed");
        assertTrue(TinySweep.snapshot(linear).keySet().containsAll(p2Pages.keySet()));
        assertTrue(TinySweep.changed(p2Pages, TinySweep.snapshot(linear)).stream().noneMatch(f -> f.startsWith("runs")));
    }

    private static CliRunner p2(Path root, Path out, String... more) {
        String[] args = new String[4 + P2.length + more.length];
        args[0] = "run";
        args[1] = root.resolve("configs/paper-linear.toml").toString();
        args[2] = "--out";
        args[3] = out.toString();
        System.arraycopy(P2, 0, args, 4, P2.length);
        System.arraycopy(more, 0, args, 4 + P2.length, more.length);
        return CliRunner.run(args);
    }

    @Test
    void aSweepOverFewerSeedsThanItsFolderHoldsSaysSo() throws IOException {
        Path cfg = TinySweep.config(dir);   // seed 5
        Path out = dir.resolve("out");
        assertEquals(0, CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--seeds", "5,6").exitCode());
        CliRunner fewer = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--seeds", "5");
        assertEquals(0, fewer.exitCode(), fewer.err() + fewer.out());
        assertTrue(fewer.out().contains("also holds 2 finished runs this sweep does not make (gradient_lr0.2_seed6,"
                + " linearized_lr0.05_seed6)"), fewer.out());
        assertTrue(Files.isRegularFile(out.resolve("runs/gradient_lr0.2_seed6.json")), "their files are kept");
    }

    /**
     * A folder holding pages that no fprnn run wrote (a user's results.md, figures, a summary.json of
     * something else) is refused by run, train and P2 before anything is written; files that a run does
     * not write do not matter.
     */
    @Test
    void pagesThatFprnnDidNotWriteAreNeverReplaced() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path cfg = TinySweep.config(dir);
        Path notebook = Files.createDirectories(dir.resolve("notebook/figures"));
        Files.writeString(notebook.resolveSibling("results.md"), "# my lab notebook\n");
        Files.write(notebook.resolve("loss.png"), new byte[] {1, 2, 3});
        Files.writeString(notebook.resolveSibling("summary.json"), "{\"mine\": 1}\n");
        Path folder = notebook.getParent();
        Map<String, byte[]> before = TinySweep.snapshot(folder);

        CliRunner run = CliRunner.run("run", cfg.toString(), "--out", folder.toString());
        assertEquals(2, run.exitCode(), run.err() + run.out());
        assertTrue(run.err().contains("holds results.md, summary.json, figures/, which no fprnn run wrote there"),
                run.err());
        CliRunner p2 = p2(root, folder);
        assertEquals(2, p2.exitCode(), p2.err() + p2.out());
        assertTrue(p2.err().contains("which no fprnn run wrote there"), p2.err());
        Files.delete(folder.resolve("summary.json"));   // results.md alone is enough to refuse
        CliRunner train = CliRunner.run("train", "--data", "idx", "--data-dir", dir.resolve("data").toString(),
                "--units", "8", "--lr", "0.1", "--out", folder.toString());
        assertEquals(2, train.exitCode(), train.err() + train.out());
        assertTrue(train.err().contains("holds results.md, figures/, which no fprnn run wrote there"), train.err());
        before.remove("summary.json");
        Map<String, byte[]> after = TinySweep.snapshot(folder);
        after.remove(".fprnn.lock");   // the refused commands' (emptied) lock file, nothing else
        assertEquals(java.util.List.of(), TinySweep.changed(before, after));
        assertFalse(Files.exists(folder.resolve("runs")));

        // other files are not the runs' pages: a folder holding only those is used
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("notes.txt"), "mine");
        CliRunner beside = CliRunner.run("run", cfg.toString(), "--out", notes.toString());
        assertEquals(0, beside.exitCode(), beside.err() + beside.out());
        assertEquals("mine", Files.readString(notes.resolve("notes.txt")));
        CliRunner again = CliRunner.run("run", cfg.toString(), "--out", notes.toString());   // its own pages now
        assertEquals(0, again.exitCode(), again.err() + again.out());
    }

    @Test
    void p2SettingsThatDifferAreNamedOneByOne() {
        assertEquals("units 4 -> 5, rules [gradient, reparam] -> [gradient]", org.fprnn.cli.report.FolderProtocol
                .differences("Settings[units=4, rules=[gradient, reparam], seed=1]",
                        "Settings[units=5, rules=[gradient], seed=1]"));
        assertEquals("summary.json: odd; now: Settings[units=5]",
                org.fprnn.cli.report.FolderProtocol.differences("odd", "Settings[units=5]"));
    }
}
