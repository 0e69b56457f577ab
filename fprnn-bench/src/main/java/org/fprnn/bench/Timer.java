package org.fprnn.bench;

import java.util.Arrays;

/** Wall-clock timing: warm-up calls, then the median of repeated calls, within a time budget. */
final class Timer {
    private Timer() {
    }

    /**
     * How to time one quantity.
     *
     * @param warmupSeconds least warm-up time (at least one call), so that the JIT has compiled the hot
     *     paths before timing starts
     * @param reps most timed calls after the warm-up
     * @param budgetSeconds the timed calls are cut to fit this budget, estimated from the first
     *     call; a first call longer than the budget is itself the measurement (for such long calls the
     *     JIT's share is negligible)
     */
    record Plan(double warmupSeconds, int reps, double budgetSeconds) {
        Plan {
            if (reps < 1 || !(warmupSeconds >= 0) || !(budgetSeconds > 0)) {
                throw new IllegalArgumentException("bad timing plan " + warmupSeconds + ", " + reps + ", " + budgetSeconds);
            }
        }

        Plan withReps(int r) {
            return new Plan(warmupSeconds, r, budgetSeconds);
        }
    }

    /** Median seconds per call of {@code body} under the plan. */
    static double median(Runnable body, Plan plan) {
        long start = System.nanoTime();
        double first = once(body);
        if (first >= plan.budgetSeconds()) {
            return first;
        }
        while ((System.nanoTime() - start) / 1e9 < plan.warmupSeconds()) {
            body.run();
        }
        int reps = (int) Math.max(1, Math.min(plan.reps(), Math.floor(plan.budgetSeconds() / Math.max(first, 1e-9))));
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            t[i] = once(body);
        }
        return median(t);
    }

    /** Seconds of one call. */
    static double once(Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    }
}
