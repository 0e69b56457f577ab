package org.fprnn.diag;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.PackedProduct;

/** The machine and runtime a result was measured on, for results pages and BENCHMARKS.md. */
public final class Environment {
    private Environment() {
    }

    /** CPU model (from /proc/cpuinfo on Linux), or "unknown CPU". */
    public static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception notLinux) {
            // fall through
        }
        return "unknown CPU";
    }

    /** OS, CPU, cores and JVM heap, e.g. "Linux amd64, AMD EPYC, 2 cores, JVM heap 6144 MiB". */
    public static String machine() {
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + cpu() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, JVM heap "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB";
    }

    /**
     * Machine, Java, BLAS (library and kernel), what serves the solvers' products with W
     * ({@link PackedProduct#solverProducts()}) and whether OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were
     * set, in one line.
     */
    public static String describe() {
        String coretype = System.getenv("OPENBLAS_CORETYPE");
        String l2 = System.getenv("OPENBLAS_L2_SIZE");
        return cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores; Java "
                + System.getProperty("java.version") + "; BLAS: " + Blas.get().name()
                + "; solvers' products with W: " + PackedProduct.solverProducts()
                + "; OPENBLAS_CORETYPE " + (coretype == null ? "unset" : "= " + coretype)
                + ", OPENBLAS_L2_SIZE " + (l2 == null ? "unset" : "= " + l2);
    }
}
