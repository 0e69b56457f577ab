package org.fprnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The peers and conv benchmarks find their scripts in one folder and skip for the same reasons. */
class PeersTest {
    @TempDir
    Path dir;

    private static BenchOptions options(Path peers, boolean synthetic) {
        return new BenchOptions(true, null, null, synthetic, List.of(), Path.of("docs/results"), 0.85, peers, "test",
                new PrintWriter(new StringWriter()));
    }

    @Test
    void bothBenchmarksReadOneFolder() throws IOException {
        Path missing = dir.resolve("no-peers");
        String why = Peers.whyNot(options(missing, false), null);
        assertTrue(why.startsWith("no peers folder at " + missing), why);
        assertEquals(why, Peers.whyNot(options(missing, false), ConvBench.PEER));
        Path folder = Files.createDirectories(dir.resolve("peers"));
        String noScript = Peers.whyNot(options(folder, false), ConvBench.PEER);
        assertTrue(noScript.startsWith("no " + ConvBench.PEER + " in " + folder), noScript);
        assertEquals(folder.resolve(ConvBench.PEER).toAbsolutePath(), Peers.script(options(folder, false), ConvBench.PEER));
        assertTrue(Peers.whyNot(options(folder, true), ConvBench.PEER).contains("--synthetic-data"));
    }
}
