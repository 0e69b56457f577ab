package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one native-library loader: an explicit path is honoured, and a fallback is one clear line. */
class NativeLibraryTest {
    @TempDir
    Path dir;

    @Test
    void aMissingExplicitPathFailsNamingIt() {
        String missing = dir.resolve("libopenblas-missing.so").toString();
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.open(missing));
        assertTrue(e.getMessage().contains(missing + ": no such file"), e.getMessage());
        String line = NativeLibrary.fallbackLine(e);
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains(missing) && line.contains("pure-Java") && line.contains("EJML"), line);
    }

    /** A process whose fprnn.openblas names a missing file: products and LU both fall back, said in one line. */
    @Test
    void thePropertyPointingAtAMissingFileFallsBackWithOneLine() throws IOException, InterruptedException,
            URISyntaxException {
        String missing = dir.resolve("libopenblas-missing.so").toString();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = String.join(java.io.File.pathSeparator, location(Lapack.class), location(NativeFallbackMain.class),
                location(org.ejml.data.DMatrixRMaj.class), location(org.ejml.dense.row.factory.LinearSolverFactory_DDRM.class));
        ProcessBuilder pb = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Dfprnn.openblas=" + missing,
                "-Djava.util.logging.SimpleFormatter.format=%4$s: %5$s%n", "-cp", cp, NativeFallbackMain.class.getName());
        pb.environment().remove("FPRNN_BLAS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertTrue(out.contains("blas: Java") && out.contains("lapack native: false"), out);
        List<String> warnings = err.lines().filter(l -> l.contains("fprnn:")).toList();
        assertEquals(1, warnings.size(), err);
        assertTrue(warnings.getFirst().contains("fprnn.openblas / FPRNN_OPENBLAS = " + missing + ": no such file"), err);
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
