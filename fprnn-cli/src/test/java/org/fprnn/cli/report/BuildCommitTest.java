package org.fprnn.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
}
