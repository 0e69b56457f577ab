package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The result tables in README.md are copies of the results pages `fprnn run` wrote (made by
 * scripts/readme-results.sh); this fails when a page was rerun and the README was not updated, or
 * when a number in such a block was edited by hand.
 */
class ReadmeResultsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- results: (\\S+) -->\\n(.*?)<!-- end results -->", Pattern.DOTALL);
    private static final String HEADING = "## Final accuracy on the full test set";

    @Test
    void everyResultsBlockEqualsItsPage() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = BLOCK.matcher(readme);
        List<String> pages = new ArrayList<>();
        while (m.find()) {
            pages.add(m.group(1));
            Path page = ROOT.resolve(m.group(1));
            assertTrue(Files.isRegularFile(page), "README names a results page that is missing: " + page);
            assertEquals(section(Files.readString(page)), m.group(2),
                    "README block for " + m.group(1) + " differs from the page; run scripts/readme-results.sh");
        }
        assertFalse(pages.isEmpty(), "README.md has no results block");
    }

    /**
     * scripts/readme-results.sh rewrites the README through a temporary file, keeping its permissions (the
     * file mktemp makes is 0600, so the README became readable by its owner only).
     */
    @Test
    void theScriptKeepsTheReadmesPermissions(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path readme = Files.writeString(tmp.resolve("README.md"), "# R\n\nno results blocks\n");
        var mode = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(readme, mode);
        Process p = new ProcessBuilder("bash", ROOT.resolve("scripts/readme-results.sh").toString(), readme.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals(mode, Files.getPosixFilePermissions(readme));
        assertEquals("# R\n\nno results blocks\n", Files.readString(readme));
    }

    /** The lines under the heading up to the next "## ", without blank lines at either end. */
    private static String section(String page) {
        int at = page.indexOf(HEADING + "\n");
        assertTrue(at >= 0, "page has no section '" + HEADING + "'");
        String rest = page.substring(at + HEADING.length() + 1);
        int end = rest.indexOf("\n## ");
        String body = end >= 0 ? rest.substring(0, end + 1) : rest;
        return body.strip() + "\n";
    }
}
