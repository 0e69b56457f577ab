package org.fprnn.bench;

import java.util.Arrays;

/** Wall-clock timing: warm-up calls, then the median of repeated calls. */
final class Timer {
    private Timer() {
    }

    /** Least warm-up time, so that the JIT has compiled the hot paths before timing starts. */
    static final double WARMUP_SECONDS = 2.0;

    /**
     * Median seconds per call of {@code body} over {@code reps} calls, after at least {@code warmup}
     * calls and at least {@link #WARMUP_SECONDS} of warm-up.
     */
    static double median(Runnable body, int warmup, int reps) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || (System.nanoTime() - start) / 1e9 < WARMUP_SECONDS; i++) {
            body.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return reps % 2 == 1 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    }
}
