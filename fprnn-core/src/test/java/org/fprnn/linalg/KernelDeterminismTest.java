package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernels give the same bits interpreted and JIT-compiled: a child JVM with -Xint computes
 * {@link KernelFixture#outputs()}, this JVM computes them again after enough repetitions for C2 to
 * compile every stage, and every output bit must agree (the Vector API's own lanewise TANH fails
 * this on Temurin 25).
 */
class KernelDeterminismTest {

    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("xint.bin");
        Process child = startInterpretedChild(file);

        // meanwhile, warm up here: each call runs every stage loop over 16k values, so 60 calls
        // pass C2's invocation and back-edge thresholds many times over
        Map<String, long[]> compiled = null;
        for (int i = 0; i < 60; i++) {
            compiled = KernelFixture.outputs();
        }
        String log = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the -Xint child did not finish");
        assertEquals(0, child.exitValue(), "the -Xint child failed:\n" + log);

        Map<String, long[]> interpreted = read(file);
        assertEquals(compiled.keySet(), interpreted.keySet());
        List<String> bad = new ArrayList<>();
        for (String name : compiled.keySet()) {
            long[] c = compiled.get(name);
            long[] x = interpreted.get(name);
            assertEquals(c.length, x.length, name);
            int diff = 0, first = -1;
            for (int i = 0; i < c.length; i++) {
                if (c[i] != x[i]) {
                    diff++;
                    first = first < 0 ? i : first;
                }
            }
            if (diff > 0) {
                bad.add(name + ": " + diff + " of " + c.length + " differ, first at input " + first);
            }
        }
        assertTrue(bad.isEmpty(), "compiled and interpreted results differ:\n" + String.join("\n", bad));
    }

    private static Process startInterpretedChild(Path out) throws IOException, URISyntaxException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = location(VectorMath.class) + java.io.File.pathSeparator + location(KernelHashMain.class);
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xint", "--add-modules", "jdk.incubator.vector",
                "-cp", cp, KernelHashMain.class.getName(), out.toString());
        pb.redirectErrorStream(true);
        return pb.start();
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Map<String, long[]> read(Path file) throws IOException {
        Map<String, long[]> m = new LinkedHashMap<>();
        try (DataInputStream d = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int n = d.readInt();
            for (int k = 0; k < n; k++) {
                String name = d.readUTF();
                long[] v = new long[d.readInt()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = d.readLong();
                }
                m.put(name, v);
            }
        }
        return m;
    }
}
