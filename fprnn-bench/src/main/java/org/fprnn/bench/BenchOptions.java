package org.fprnn.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * How the benchmarks run and where they write.
 *
 * @param quick tiny shapes and single measurements, to check that a benchmark runs end to end; the
 *     sections it writes say so
 * @param out the BENCHMARKS.md to write each benchmark's section into, or null to print only
 * @param dataDir a folder holding MNIST's four IDX files, or null for fprnn's usual search
 *     ($FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist)
 * @param syntheticData use generated MNIST-shaped data instead of MNIST (for tests; sections say so)
 * @param weights trained networks (safetensors with W, U, R) for the solver benchmark; empty for the
 *     P1 and P1-converged weights under {@code resultsDir}
 * @param resultsDir where the P1 results folders are (docs/results)
 * @param targetAccuracy the test accuracy the end-to-end benchmark trains to (0.85)
 * @param peersDir the folder of the PyTorch peers (torch_p1_peer.py, torch_conv_peer.py) that the peers and
 *     conv benchmarks run ({@link Peers})
 * @param command the command line, as the sections name it
 * @param log progress lines and tables
 */
public record BenchOptions(boolean quick, Path out, Path dataDir, boolean syntheticData, List<Path> weights,
                           Path resultsDir, double targetAccuracy, Path peersDir, String command,
                           PrintWriter log) {

    public static final double DEFAULT_TARGET_ACCURACY = 0.85;

    public BenchOptions {
        weights = List.copyOf(weights);
        if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
            throw new IllegalArgumentException("the target accuracy must be in (0, 1], got " + targetAccuracy);
        }
    }

    /** Timing of one measured quantity: warm-up, repetitions and a time budget. */
    Timer.Plan timing() {
        return quick ? new Timer.Plan(0.2, 1, 2.0) : new Timer.Plan(1.0, 5, 20.0);
    }

    void say(String format, Object... args) {
        log.printf(java.util.Locale.ROOT, format + "%n", args);
        log.flush();
    }
}
