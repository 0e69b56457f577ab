package org.fprnn.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.linalg.Blas;

/** The machine a benchmark ran on, in one line for BENCHMARKS.md. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (Exception ignored) {
            // keep "unknown CPU"
        }
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores; Java "
                + System.getProperty("java.version") + "; BLAS: " + Blas.get().name()
                + "; OPENBLAS_CORETYPE " + (coretype == null ? "unset" : "= " + coretype);
    }
}
