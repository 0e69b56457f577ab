package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.fprnn.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 9: results name no machine's absolute path. The committed pages
 * (docs/results/*: summary.json, results.md, runs/*.json) and BENCHMARKS.md contain none, and a new run records its
 * data folder relative to the project root (the working directory), or null outside it.
 */
class PortableResultsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** An absolute Unix path of two or more parts, or a Windows drive path, not inside a URL or a formula. */
    private static final Pattern ABSOLUTE = Pattern.compile("(?<![\\w.):/\\\\])/[\\w.-]+/[\\w.-]+|\\b[A-Za-z]:\\\\\\w");

    @Test
    void committedResultsNameNoAbsolutePath() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs").resolve("results"))) {
            List<Path> pages = new ArrayList<>(s.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".md"))
                    .toList());
            pages.add(ROOT.resolve("BENCHMARKS.md")); // every section names the BLAS library it ran on
            for (Path f : pages) {
                files++;
                String text = Files.readString(f);
                Matcher m = ABSOLUTE.matcher(text);
                while (m.find()) {
                    found.add(ROOT.relativize(f) + ": " + m.group());
                }
            }
        }
        assertTrue(files > 10, "docs/results holds the committed pages: " + files);
        assertEquals(List.of(), found, "absolute paths in committed results; rewrite with scripts/portable-summaries.sh");
    }

    @Test
    void committedSummariesRecordTheirDataFolderRelativeToTheProjectRoot() throws IOException {
        int checked = 0;
        try (Stream<Path> s = Files.list(ROOT.resolve("docs").resolve("results"))) {
            for (Path page : s.sorted().toList()) {
                Path f = page.resolve("summary.json");
                if (!Files.isRegularFile(f) || !(Json.parse(Files.readString(f), f.toString()) instanceof Map<?, ?> m)
                        || !(m.get("data") instanceof Map<?, ?> d)) {
                    continue;
                }
                assertEquals("data/" + d.get("name"), d.get("folder"), f.toString());
                checked++;
            }
        }
        assertTrue(checked >= 10, "classification pages checked: " + checked);
    }

    @Test
    void theRegexFindsAbsolutePathsAndSparesFormulas() {
        assertTrue(ABSOLUTE.matcher("\"folder\": \"/work/main/data/mnist\"").find());
        assertTrue(ABSOLUTE.matcher("--out /home/x/results").find());
        assertFalse(ABSOLUTE.matcher("0.5 randn(N, N)/sqrt(N), dt/tau, see https://github.com/a/b, data/mnist").find());
    }

    @TempDir
    Path dir;

    @Test
    void aNewRunRecordsItsDataFolderRelativeOrNotAtAll() throws IOException {
        assertEquals("data/mnist", org.fprnn.cli.classify.ClassificationRunnerAccess.portableFolder(Path.of("data", "mnist")));
        assertEquals("data/mnist", org.fprnn.cli.classify.ClassificationRunnerAccess.portableFolder(
                Path.of("data", "mnist").toAbsolutePath()));
        assertNull(org.fprnn.cli.classify.ClassificationRunnerAccess.portableFolder(dir));
        Path cfg = TinySweep.config(dir);
        Path out = dir.resolve("res");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(out.resolve("summary.json")), "s")).get("data");
        assertTrue(data.containsKey("folder"), data.toString());
        assertNull(data.get("folder"), "a folder outside the project is not recorded: " + data);
    }
}
