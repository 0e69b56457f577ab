package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.io.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn simulate's --out folder, after a hostile review: a file of one of simulate's names that
 * simulate did not write (a tracking.json or sweep.json of the user's) was replaced, since only names
 * were checked; and a run that failed left its lock file and an empty figures/ behind.
 */
class SimulateOutFolderTest {
    @TempDir
    Path dir;

    Path in;

    @BeforeEach
    void inputs() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        RuleInputs.write(in);
    }

    /** A run of the input sequence X.npy (5 frames) for the given steps, into out. */
    CliRunner sequence(Path out, int steps) {
        return CliRunner.run("simulate", "--W", in.resolve("W.npy").toString(), "--U", in.resolve("U.npy").toString(),
                "--nonlinearity", "tanh", "--input", in.resolve("X.npy").toString(), "--steps", Integer.toString(steps),
                "--record-every", "1", "--out", out.toString());
    }

    CliRunner sweep(Path out) throws IOException {
        Path ends = in.resolve("ends.npy");
        org.fprnn.io.Npy.write(ends, RuleCommandTest.randn(2, 4, 1, new java.util.Random(3)));
        return CliRunner.run("simulate", "--W", in.resolve("W.npy").toString(), "--U", in.resolve("U.npy").toString(),
                "--nonlinearity", "tanh", "--stimulus", "morph", "--endpoints", ends.toString(), "--sweep",
                "--ratio-min", "1", "--ratio-max", "2", "--ratio-count", "2", "--records", "20", "--out", out.toString());
    }

    static void refused(CliRunner r, String names) {
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("holds files that fprnn simulate did not write (" + names + ")"), r.err());
        assertFalse(UserErrorTest.hasTrace(r.err()), r.err());
    }

    /** Every entry under folder (files and folders, the lock file included) with its bytes ("" for a folder). */
    static Map<String, String> contents(Path folder) throws IOException {
        Map<String, String> m = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(p -> !p.equals(folder)).toList()) {
                m.put(folder.relativize(p).toString(), Files.isDirectory(p) ? "" : Arrays.toString(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    /**
     * A tracking.json or sweep.json that simulate did not write is never replaced (nor are the files
     * beside it), and neither is a file of simulate's names that its run did not write (a results.md
     * of the user's in the folder of a single run, which a sweep would write).
     */
    @Test
    void filesOfSimulatesNamesThatItDidNotWriteAreNeverReplaced() throws IOException {
        Path own = Files.createDirectories(dir.resolve("own"));
        Files.writeString(own.resolve("tracking.json"), "{\"mode\": \"stimulus\", \"notes\": \"mine\"}\n");
        refused(sequence(own, 20), "tracking.json");
        assertEquals("{\"mode\": \"stimulus\", \"notes\": \"mine\"}\n", Files.readString(own.resolve("tracking.json")));
        assertEquals(List.of("tracking.json"), List.copyOf(contents(own).keySet()), "nothing added");

        // simulate's shape, but another program's mark; and a JSON that is not JSON
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("sweep.json"), "{\"written_by\": \"my script\", \"mode\": \"sweep\","
                + " \"network\": {}, \"tau_relax\": {}, \"files\": [\"sweep.json\", \"trajectory.npy\"]}");
        Files.writeString(other.resolve("trajectory.npy"), "my array");
        refused(sweep(other), "sweep.json, trajectory.npy");
        Path text = Files.createDirectories(dir.resolve("text"));
        Files.writeString(text.resolve("tracking.json"), "not JSON");
        refused(sequence(text, 20), "tracking.json");
        assertEquals("not JSON", Files.readString(text.resolve("tracking.json")));

        Path single = dir.resolve("single");
        assertEquals(0, sequence(single, 20).exitCode());
        Files.writeString(single.resolve("results.md"), "# my notes on this run\n");
        Files.writeString(single.resolve("figures").resolve("sweep.png"), "my figure");
        Map<String, String> before = contents(single);
        refused(sweep(single), "figures/sweep.png, results.md");
        assertEquals(before, contents(single), "nothing changed");
    }

    /**
     * A run into its own folder replaces its outputs, as before, and so does a run into the folder of a
     * simulate from before the JSON outputs were marked (no written_by or files).
     */
    @Test
    void aRunIntoAFolderOfSimulateReplacesItsOutputs() throws IOException {
        Path again = dir.resolve("again");
        assertEquals(0, sequence(again, 20).exitCode());
        CliRunner second = sequence(again, 30);
        assertEquals(0, second.exitCode(), second.err());
        assertTrue(second.out().contains("wrote " + again + " (figures/tracking.png, fixed_points.npy, tracking.json,"
                + " trajectory.npy)"), second.out());
        Map<?, ?> j = (Map<?, ?>) Json.parse(Files.readString(again.resolve("tracking.json")), "tracking.json");
        assertEquals("fprnn simulate", j.get("written_by"));
        assertEquals(List.of("figures/tracking.png", "fixed_points.npy", "tracking.json", "trajectory.npy"), j.get("files"));
        assertEquals(30L, ((Map<?, ?>) j.get("simulation")).get("steps"));
        CliRunner toSweep = sweep(again);
        assertEquals(0, toSweep.exitCode(), toSweep.err());
        assertEquals(List.of(".fprnn.lock", "figures", "figures/sweep.png", "figures/tracking.png", "results.md",
                "sweep.json"), List.copyOf(contents(again).keySet()), "the single run's outputs removed");

        Path older = dir.resolve("older");
        assertEquals(0, sequence(older, 20).exitCode());
        Map<?, ?> unmarked = (Map<?, ?>) Json.parse(Files.readString(older.resolve("tracking.json")), "tracking.json");
        unmarked.remove("written_by");
        unmarked.remove("files");
        Files.writeString(older.resolve("tracking.json"), Json.pretty(unmarked));
        CliRunner intoOlder = sweep(older);
        assertEquals(0, intoOlder.exitCode(), intoOlder.err());
        assertFalse(Files.exists(older.resolve("trajectory.npy")), "the older run's outputs are simulate's: replaced");
    }

    /**
     * The files list of an earlier simulate's JSON output counts only for files in the folder: a list
     * edited to name a file outside it (or a folder in it) made the next run delete that file.
     */
    @Test
    void aListedFileOutsideTheFolderIsNeverTouched() throws IOException {
        Path out = dir.resolve("listed");
        assertEquals(0, sequence(out, 20).exitCode());
        Path victim = Files.writeString(Files.createDirectories(dir.resolve("victim")).resolve("keep.txt"), "mine");
        Map<String, Object> j = new java.util.LinkedHashMap<>();
        ((Map<?, ?>) Json.parse(Files.readString(out.resolve("tracking.json")), "tracking.json"))
                .forEach((k, v) -> j.put(String.valueOf(k), v));
        List<Object> files = new ArrayList<>((List<?>) j.get("files"));
        files.add("../victim/keep.txt");
        files.add(victim.toAbsolutePath().toString());
        files.add("figures");
        j.put("files", files);
        Files.writeString(out.resolve("tracking.json"), Json.pretty(j));
        CliRunner again = sequence(out, 30);
        assertEquals(0, again.exitCode(), again.err());
        assertEquals("mine", Files.readString(victim), "a file outside the folder is not simulate's");
        assertTrue(Files.isDirectory(out.resolve("figures")));
        Map<?, ?> now = (Map<?, ?>) Json.parse(Files.readString(out.resolve("tracking.json")), "tracking.json");
        assertEquals(List.of("figures/tracking.png", "fixed_points.npy", "tracking.json", "trajectory.npy"),
                now.get("files"));
    }

    /**
     * A run that fails after its folder was opened (here: the disk fills while it writes) exits with 2
     * and leaves the folder as it found it: a folder it made is gone (with the parents it made), a
     * folder that was empty is empty, and an earlier run's outputs are there byte for byte; the lock
     * is released. Needs a small tmpfs, so root (skipped otherwise).
     */
    @Test
    void aRunThatFailsLeavesTheFolderAsItFoundIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        Path disk = Files.createDirectories(dir.resolve("disk"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk.toString()) == 0,
                "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        try {
            int tooLong = 20_000;   // 2 x 20001 records of 6 doubles: about 1.9 MB, more than the disk holds
            CliRunner fresh = sequence(disk.resolve("new").resolve("deeper"), tooLong);
            assertEquals(2, fresh.exitCode(), fresh.err());
            assertTrue(fresh.err().contains("cannot write the outputs into") && fresh.err().contains("No space left")
                    && fresh.err().contains("left as it was"), fresh.err());
            assertFalse(UserErrorTest.hasTrace(fresh.err()), fresh.err());
            assertFalse(fresh.out().contains("wrote "), "it says it wrote only once the outputs are in place: " + fresh.out());
            assertEquals(Map.of(), contents(disk), "the folders it made are removed");

            Path empty = Files.createDirectories(disk.resolve("empty"));
            assertEquals(2, sequence(empty, tooLong).exitCode());
            assertEquals(Map.of("empty", ""), contents(disk), "no lock file, no figures/");

            Path earlier = disk.resolve("earlier");
            assertEquals(0, sequence(earlier, 20).exitCode());
            Map<String, String> before = contents(earlier);
            assertEquals(2, sequence(earlier, tooLong).exitCode());
            assertEquals(before, contents(earlier), "the earlier outputs, byte for byte, and nothing else");
            assertNull(FolderLock.heldBy(earlier), "the lock is released");
            CliRunner after = sequence(earlier, 30);
            assertEquals(0, after.exitCode(), after.err());
        } finally {
            run("umount", "-l", disk.toString());
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
