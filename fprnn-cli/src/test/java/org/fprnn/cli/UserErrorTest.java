package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fprnn.cli.report.ResultsFolder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 items 4 and 8: user errors are one message and exit code 2, never a stack trace; an
 * internal error is one line that says where its full report is; configs and files that would
 * misbehave (a name that leaves the results folder, TOML errors, file modes) are handled.
 */
class UserErrorTest {
    @TempDir
    Path dir;

    /** A Java stack trace in printed text: a frame line. */
    static boolean hasTrace(String text) {
        return text.contains("\tat ") || text.contains("Exception in thread");
    }

    static void assertUserError(CliRunner r, String... mentions) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        assertFalse(hasTrace(r.err()) || hasTrace(r.out()), "no stack trace: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "message should mention '" + m + "': " + r.err());
        }
    }

    Path idx() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 60, 20, 3);
        return data;
    }

    List<String> train(Path data, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--lr", "0.1", "--data", "idx", "--data-dir", data.toString(),
                "--batch-size", "20", "--test-batch", "10", "--threads", "1"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void outNamingAFileIsAMessage() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "mine");
        assertUserError(CliRunner.run(train(idx(), "--out", file.toString()).toArray(String[]::new)), "a-file");
        assertEquals("mine", Files.readString(file), "the file is untouched");
    }

    @Test
    void unwritableOrImmutableFolderIsAMessage() throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        boolean root = "root".equals(System.getProperty("user.name"));
        String[] lock;
        String[] unlock;
        if (root) {
            // Root writes through permission bits; the immutable attribute stops it.
            lock = new String[] {"chattr", "+i", ro.toString()};
            unlock = new String[] {"chattr", "-i", ro.toString()};
        } else {
            lock = new String[] {"chmod", "555", ro.toString()};
            unlock = new String[] {"chmod", "755", ro.toString()};
        }
        Process p = new ProcessBuilder(lock).redirectErrorStream(true).start();
        Assumptions.assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0,
                "cannot make a read-only folder here (" + String.join(" ", lock) + ")");
        try {
            Path data = idx();
            CliRunner t = CliRunner.run(train(data, "--out", ro.resolve("res").toString()).toArray(String[]::new));
            assertUserError(t, ro.toString());
            Path in = Files.createDirectories(dir.resolve("in"));
            RuleInputs.write(in);
            CliRunner r = CliRunner.run(RuleInputs.args(in, ro.resolve("out")).toArray(String[]::new));
            assertUserError(r, ro.toString());
            CliRunner r2 = CliRunner.run(RuleInputs.args(in, ro).toArray(String[]::new));
            assertUserError(r2, ro.toString());
        } finally {
            new ProcessBuilder(unlock).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void networkTooLargeForAnIntOrTheHeapIsRefusedBeforeAllocating() throws IOException {
        Path data = idx();
        CliRunner big = CliRunner.run(train(data, "--units", "100000", "--out", dir.resolve("r1").toString())
                .toArray(String[]::new));
        assertUserError(big, "100000 x 100000", "too large");
        CliRunner heap = CliRunner.run(train(data, "--units", "40000", "--out", dir.resolve("r2").toString())
                .toArray(String[]::new));
        assertUserError(heap, "needs at least", "GiB", "FPRNN_JAVA_OPTS=-Xmx");
        assertFalse(Files.exists(dir.resolve("r2").resolve("checkpoints")), "nothing started");
    }

    @Test
    void outOfMemoryIsAMessageWithTheHeapHint() {
        StringWriter err = new StringWriter();
        int code = Main.report(new OutOfMemoryError("Java heap space"), new PrintWriter(err, true), new String[0]);
        assertEquals(2, code);
        assertTrue(err.toString().contains("FPRNN_JAVA_OPTS=-Xmx"), err.toString());
        assertFalse(hasTrace(err.toString()));
    }

    @Test
    void internalErrorIsOneLineAndAReportFile() throws IOException {
        StringWriter err = new StringWriter();
        int code = Main.report(new IllegalStateException("a bug"), new PrintWriter(err, true), new String[] {"run", "x"});
        assertEquals(1, code);
        String text = err.toString().strip();
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.contains("internal error") && text.contains("a bug"), text);
        String file = text.substring(text.indexOf("report is in ") + "report is in ".length(), text.indexOf(" (please"));
        Path report = Path.of(file);
        try {
            String body = Files.readString(report);
            assertTrue(body.contains("IllegalStateException: a bug") && body.contains("\tat "), body);
            assertTrue(body.startsWith("fprnn run x"), body);
        } finally {
            Files.deleteIfExists(report);
        }
    }

    @Test
    void configNameCannotLeaveTheResultsFolder() throws IOException {
        for (String name : List.of("../../x", "a/b", "..", "a\\\\b", "with space")) {
            Path cfg = Files.writeString(dir.resolve("c.toml"), "name = \"" + name + "\"\nprotocol = \"linear_teacher\"\n");
            CliRunner r = CliRunner.run("run", cfg.toString());
            assertUserError(r, "name", "letters, digits");
        }
        assertFalse(Files.exists(Path.of("results", "..", "..", "x")));
    }

    @Test
    void tomlErrorsGiveLineAndColumn() throws IOException {
        Path cfg = Files.writeString(dir.resolve("c.toml"), "name = \"x\"\nprotocol = \"classification\"\n[data\nname = 1\n");
        assertUserError(CliRunner.run("run", cfg.toString()), "line 3, column");
        Path cfg2 = Files.writeString(dir.resolve("c2.toml"), "name = \"x\"\nprotocol = \"classification\"\n[data]\nname = \"mnist\n");
        assertUserError(CliRunner.run("run", cfg2.toString()), "line 4, column");
    }

    @Test
    void summaryAndResultsPageHaveTheModeOfTheOtherFiles() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("res"));
        Path plain = Files.createFile(folder.resolve("metrics.jsonl")); // as the folder's other files are made
        new ResultsFolder(folder).writeText("summary.json", "{}");
        ResultsFolder.writeAtomically(folder.resolve("results.md"), "# r\n");
        var expected = PosixFilePermissions.toString(Files.getPosixFilePermissions(plain));
        assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("summary.json"))));
        assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("results.md"))));
    }
}
