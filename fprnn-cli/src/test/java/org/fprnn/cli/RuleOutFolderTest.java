package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.fprnn.cli.report.FolderLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 6: fprnn rule refuses an --out folder that holds files unless --overwrite, and then
 * removes the outputs of the earlier call that this call does not write; files it does not write are
 * never removed.
 */
class RuleOutFolderTest {
    @TempDir
    Path dir;

    /** The files in d but the lock of the last command (kept, emptied, on release). */
    static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(FolderLock.FILE)).sorted().toList();
        }
    }

    @Test
    void nonEmptyFolderNeedsOverwriteWhichRemovesStaleDirections() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        RuleInputs.write(in);
        Path out = dir.resolve("out");
        CliRunner first = CliRunner.run(OptionsThatDoNotApplyTest.with(RuleInputs.args(in, out), "--train-input",
                "--train-readout").toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(List.of("direction_R.npy", "direction_U.npy", "direction_W.npy", "rates.npy", "summary.json"), names(out));
        assertEquals(0, Files.size(out.resolve(FolderLock.FILE)), "the lock is released");
        byte[] summary = Files.readAllBytes(out.resolve("summary.json"));

        CliRunner again = CliRunner.run(RuleInputs.args(in, out).toArray(String[]::new));
        assertEquals(2, again.exitCode(), again.err());
        assertTrue(again.err().contains("--overwrite") && again.err().contains("already holds files"), again.err());
        assertTrue(java.util.Arrays.equals(summary, Files.readAllBytes(out.resolve("summary.json"))), "nothing replaced");

        CliRunner over = CliRunner.run(RuleInputs.args(in, out, "--overwrite").toArray(String[]::new));
        assertEquals(0, over.exitCode(), over.err());
        assertEquals(List.of("direction_W.npy", "rates.npy", "summary.json"), names(out), "stale directions removed");

        // The temporary file of a call killed while writing counts as the command's own.
        Files.writeString(out.resolve(".direction_U.npy.5f3a.tmp"), "partial");
        CliRunner afterKill = CliRunner.run(RuleInputs.args(in, out, "--overwrite").toArray(String[]::new));
        assertEquals(0, afterKill.exitCode(), afterKill.err());
        assertEquals(List.of("direction_W.npy", "rates.npy", "summary.json"), names(out));

        Path user = Files.createDirectories(dir.resolve("user"));
        Files.writeString(user.resolve("notes.txt"), "mine");
        CliRunner userFolder = CliRunner.run(RuleInputs.args(in, user).toArray(String[]::new));
        assertEquals(2, userFolder.exitCode(), userFolder.err());
        try (Stream<Path> s = Files.list(user)) {
            assertEquals(List.of("notes.txt"), s.map(p -> p.getFileName().toString()).toList(), "no lock file left");
        }

        Files.writeString(out.resolve("notes.txt"), "mine");
        CliRunner foreign = CliRunner.run(RuleInputs.args(in, out, "--overwrite").toArray(String[]::new));
        assertEquals(2, foreign.exitCode(), foreign.err());
        assertTrue(foreign.err().contains("notes.txt"), foreign.err());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));

        // The inputs' own folder as --out: refused, and nothing of the user's is touched.
        CliRunner inputs = CliRunner.run(RuleInputs.args(in, in, "--overwrite").toArray(String[]::new));
        assertEquals(2, inputs.exitCode(), inputs.err());
        try (Stream<Path> s = Files.list(in)) {   // unfiltered: no lock file either
            assertEquals(List.of("R.npy", "U.npy", "W.npy", "X.npy", "y.npy"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertFalse(UserErrorTest.hasTrace(inputs.err()));
    }

    /**
     * Two calls into one new folder used to both pass the emptiness check and mix their files (one's
     * summary.json beside the other's directions); the folder is locked while a call writes there.
     */
    @Test
    void aFolderLockedByAnotherCommandIsRefusedAndLeftAlone() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        RuleInputs.write(in);
        Path out = dir.resolve("busy");
        try (FolderLock held = FolderLock.acquire(out, "fprnn rule --out busy", null, new java.io.PrintWriter(
                java.io.Writer.nullWriter()))) {
            CliRunner busy = CliRunner.run(RuleInputs.args(in, out).toArray(String[]::new));
            assertEquals(2, busy.exitCode(), busy.err());
            assertTrue(busy.err().contains("is in use by another fprnn command"), busy.err());
            assertFalse(busy.err().contains("checkpoint"), "rule writes no checkpoint: " + busy.err());
            assertEquals(List.of(), names(out), "nothing written");
        }
        CliRunner free = CliRunner.run(RuleInputs.args(in, out).toArray(String[]::new));
        assertEquals(0, free.exitCode(), free.err());
    }
}
