package org.fprnn.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results pages name the commit the running jar was built from (setup.sh passes it to the build),
 * not whatever the working folder holds when the run starts; a jar built without one falls back to
 * the working folder's commit.
 */
class BuildCommitTest {
    private static String commit(String properties) throws IOException {
        return RunInfo.commitIn(new ByteArrayInputStream(properties.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void theBuildsCommitIsUsedWhenTheBuildWasGivenOne() throws IOException {
        assertEquals("c5a14e1f00", commit("# comment\ncommit=c5a14e1f00\n"));
        assertEquals("c5a14e1f00-dirty", commit("commit=c5a14e1f00-dirty\n"));
        assertNull(commit("commit=\n"), "built without -Dfprnn.commit");
        assertNull(commit("commit=${fprnn.commit}\n"), "resources not filtered");
        assertNull(commit(""));
    }

    /**
     * scripts/build-commit.sh, run in a scratch repository holding a copy of it: HEAD when the
     * sources and build files are as committed (other files may differ), HEAD-dirty once a file under
     * a module's src/ or a pom.xml differs.
     */
    @Test
    void theBuildCommitScriptMarksChangedSourcesDirty(@TempDir Path repo) throws Exception {
        Path script = Path.of("..", "scripts", "build-commit.sh").toAbsolutePath().normalize();
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(script, repo.resolve("scripts/build-commit.sh"));
        Path source = repo.resolve("mod/src/main/java/A.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class A {}\n");
        Files.writeString(repo.resolve("mod/pom.xml"), "<project/>\n");
        Files.writeString(repo.resolve("notes.md"), "notes\n");
        run(repo, "git", "init", "-q");
        run(repo, "git", "add", ".");
        run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start");
        String head = run(repo, "git", "rev-parse", "HEAD");
        assertEquals(head, run(repo, "bash", "scripts/build-commit.sh"), "clean");
        Files.writeString(repo.resolve("notes.md"), "other notes\n");
        assertEquals(head, run(repo, "bash", "scripts/build-commit.sh"), "only a file outside the sources changed");
        Files.writeString(source, "class A { int a; }\n");
        assertEquals(head + "-dirty", run(repo, "bash", "scripts/build-commit.sh"), "a source changed");
        run(repo, "git", "checkout", "-q", "--", "mod/src");
        Files.writeString(repo.resolve("mod/pom.xml"), "<project></project>\n");
        assertEquals(head + "-dirty", run(repo, "bash", "scripts/build-commit.sh"), "a pom.xml changed");
    }

    /** Runs a command in dir; its standard output, trimmed (fails the test on a non-zero exit). */
    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }
}
