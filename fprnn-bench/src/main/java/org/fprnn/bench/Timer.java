package org.fprnn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Wall-clock timing: warm-up calls, then the median of repeated calls, within a time budget. Things
 * that are compared with each other are timed {@link #interleaved}: one call of each per round
 * (A B C A B C ...), so that a slow patch of a shared machine hits all of them alike, and their
 * ratios are taken within each round; bodies marked {@link #afterTheRest} (calls on OpenBLAS's own
 * threads) come last in each round, which then waits for OpenBLAS's threads to stop spinning; a body
 * made by {@link #prepared} has untimed work run right before each of its calls.
 */
final class Timer {
    /** For tests: when not null, every timed call, its preparation and every call on OpenBLAS's own threads are noted here, in order. */
    static volatile List<String> trace;
    /** {@link #trace} entry: a timing starts (its warm-up absorbs what an earlier timing left running). */
    static final String BEGIN = "begin";
    /** {@link #trace} entry: one call of a body timed with the others. */
    static final String BODY = "body";
    /** {@link #trace} entry: one call of a body marked {@link #afterTheRest}. */
    static final String LAST_BODY = "last body";
    /** {@link #trace} entry: the wait for OpenBLAS's threads to stop spinning that ends a round with marked bodies. */
    static final String SETTLE = "settle";
    /** {@link #trace} entry: the untimed preparation of a {@link #prepared} body's call (noted just before that call's entry). */
    static final String PREPARE = "prepare";

    private Timer() {
    }

    /** A body that {@link #interleaved} times after the others of each round (see {@link #afterTheRest}). */
    private record AfterTheRest(Runnable body) implements Runnable {
        @Override
        public void run() {
            body.run();
        }
    }

    /**
     * Marks {@code body} to be timed after all the unmarked bodies of each round of the same
     * {@link #interleaved} timing, the round then waiting until the process is idle ({@link #settle}):
     * for calls on OpenBLAS's own threads, which keep spinning for a while after the call
     * (OPENBLAS_THREAD_TIMEOUT) and would take a core from whatever is timed next on a machine with
     * few cores.
     */
    static Runnable afterTheRest(Runnable body) {
        return new AfterTheRest(body);
    }

    /** A body whose every call {@link #once} times after running {@code prepare}, untimed. */
    private record Prepared(Runnable prepare, Runnable body) implements Runnable {
        @Override
        public void run() {
            prepare.run();
            body.run();
        }
    }

    /**
     * {@code body}, with {@code prepare} run right before each of its calls (warm-up calls included)
     * and left out of the time: to put the machine in the state the body meets in real use (fprnn's
     * row threads awake at the thread count being timed, say) rather than the state the previously
     * timed body left it in.
     */
    static Runnable prepared(Runnable prepare, Runnable body) {
        return new Prepared(prepare, body);
    }

    /** Adds {@code event} to the {@link #trace}, if one is being kept. */
    static void note(String event) {
        List<String> t = trace;
        if (t != null) {
            t.add(event);
        }
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
        note(BEGIN);
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

    /**
     * Times the bodies interleaved: warm-up (two rounds of one call of each body, then more until the
     * plan's warm-up time has passed), then rounds of one call of each body, as many as the plan's
     * repetitions allow within its budget (estimated from the last warm-up round, after the JIT's first
     * compilations; at least one). Element k of each result is the seconds of that body's call in round
     * k, so that results of the same call can be divided round by round ({@link Samples#over}).
     * Results are in the order of the bodies.
     *
     * <p>Within a round the unmarked bodies come first, in the given order, then the bodies marked
     * {@link #afterTheRest}, in theirs; after them the round waits until OpenBLAS's threads have
     * stopped spinning ({@link #settle}), so that they take no core from the next round's work. So a
     * marked body's round k ran in the same stretch of time as the others' round k: on a host whose
     * speed drifts in waves of a second or so, a yardstick timed in rounds of its own (as before) fell
     * in one wave and scaled every ratio with it.
     */
    static Samples[] interleaved(List<Runnable> bodies, Plan plan) {
        return interleaved(bodies, plan, System::nanoTime);
    }

    /** {@link #interleaved(List, Plan)} on the given clock (nanoseconds), which tests replace. */
    static Samples[] interleaved(List<Runnable> bodies, Plan plan, LongSupplier clock) {
        List<Runnable> order = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < bodies.size(); i++) {
                if ((bodies.get(i) instanceof AfterTheRest) == (pass == 1)) {
                    order.add(bodies.get(i));
                    slots.add(i);
                }
            }
        }
        note(BEGIN);
        long start = clock.getAsLong();
        round(order, clock); // the first round pays for the JIT's compilations: the budget is set by the last warm-up round
        double round;
        do {
            round = round(order, clock);
        } while ((clock.getAsLong() - start) / 1e9 < plan.warmupSeconds());
        int reps = (int) Math.max(1, Math.min(plan.reps(), Math.floor(plan.budgetSeconds() / Math.max(round, 1e-9))));
        double[][] t = new double[order.size()][reps];
        for (int k = 0; k < reps; k++) {
            for (int i = 0; i < order.size(); i++) {
                t[i][k] = once(order.get(i), clock);
            }
            settleAfter(order);
        }
        Samples[] out = new Samples[bodies.size()];
        for (int i = 0; i < order.size(); i++) {
            out[slots.get(i)] = new Samples(t[i]);
        }
        return out;
    }

    /** {@link #settle} if the round ended with a marked body. */
    private static void settleAfter(List<Runnable> order) {
        if (!order.isEmpty() && order.get(order.size() - 1) instanceof AfterTheRest) {
            settle();
        }
    }

    /** Slices of {@link #settle}'s wait, and the most it waits. */
    private static final long SETTLE_SLICE_MILLIS = 20;
    private static final long SETTLE_MOST_MILLIS = 1000;
    /** Busy share of one core, over a slice, below which the process counts as idle. */
    private static final double SETTLE_IDLE_SHARE = 0.2;

    /**
     * Waits until the process is idle: after a call on OpenBLAS's own threads those threads keep
     * spinning for a while (measured on a 2-core Xeon: about 130 ms at one core's full use). Sleeps in
     * slices of 20 ms until one in which the process used under a fifth of a core, at most a second
     * (where the JVM cannot tell its CPU time, it sleeps 200 ms).
     */
    static void settle() {
        note(SETTLE);
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long waited = 0;
        try {
            if (!(os instanceof com.sun.management.OperatingSystemMXBean sun) || sun.getProcessCpuTime() < 0) {
                Thread.sleep(200);
                return;
            }
            while (waited < SETTLE_MOST_MILLIS) {
                long cpu0 = sun.getProcessCpuTime();
                long t0 = System.nanoTime();
                Thread.sleep(SETTLE_SLICE_MILLIS);
                waited += SETTLE_SLICE_MILLIS;
                double share = (double) (sun.getProcessCpuTime() - cpu0) / Math.max(1, System.nanoTime() - t0);
                if (share < SETTLE_IDLE_SHARE) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Repeated measurements of one quantity, in the order of the rounds that made them: a median and
     * a spread (the quartiles, or min and max below 8 values).
     */
    record Samples(double[] values) {
        Samples {
            if (values.length == 0) {
                throw new IllegalArgumentException("no measurements");
            }
            values = values.clone();
        }

        int count() {
            return values.length;
        }

        double median() {
            return quantile(0.5);
        }

        /** The lower end of the spread: the first quartile, or the minimum below 8 values. */
        double low() {
            return values.length < 8 ? quantile(0) : quantile(0.25);
        }

        /** The upper end of the spread: the third quartile, or the maximum below 8 values. */
        double high() {
            return values.length < 8 ? quantile(1) : quantile(0.75);
        }

        /** Quantile q of the values, interpolated linearly between order statistics. */
        double quantile(double q) {
            double[] v = values.clone();
            Arrays.sort(v);
            double pos = q * (v.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(v.length - 1, lo + 1);
            return v[lo] + (pos - lo) * (v[hi] - v[lo]);
        }

        /** Every value times f. */
        Samples times(double f) {
            double[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] *= f;
            }
            return new Samples(v);
        }

        /** Round-by-round ratios this / other (both from the same interleaved rounds). */
        Samples over(Samples other) {
            sameRounds(other);
            double[] v = new double[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = values[i] / other.values[i];
            }
            return new Samples(v);
        }

        /**
         * The spread to show with the ratio of the medians, median(this) / median(other): that ratio
         * times the relative spread (low / median, high / median) of the round-by-round ratios, so that
         * it brackets the ratio it goes with. Returns {low, high}.
         */
        double[] ratioSpread(Samples other) {
            Samples r = over(other);
            double m = median() / other.median();
            return new double[] {m * r.low() / r.median(), m * r.high() / r.median()};
        }

        /** Round-by-round differences this - other (both from the same interleaved rounds). */
        Samples minus(Samples other) {
            sameRounds(other);
            double[] v = new double[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = values[i] - other.values[i];
            }
            return new Samples(v);
        }

        /** Round by round, the smaller of this and other. */
        Samples min(Samples other) {
            sameRounds(other);
            double[] v = values.clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.min(v[i], other.values[i]);
            }
            return new Samples(v);
        }

        private void sameRounds(Samples other) {
            if (other.values.length != values.length) {
                throw new IllegalArgumentException("round-by-round arithmetic needs the same rounds: "
                        + values.length + " against " + other.values.length + " measurements");
            }
        }

        /** The median and the spread, each formatted by {@code fmt}: "median (low..high)". */
        String format(java.util.function.DoubleFunction<String> fmt) {
            return fmt.apply(median()) + " (" + fmt.apply(low()) + ".." + fmt.apply(high()) + ")";
        }

        /** Says what {@link #format} shows, for a section's text. */
        static String spreadNote(int count) {
            return count < 8
                    ? Section.f("each cell: median of %d interleaved repetitions (min..max)", count)
                    : Section.f("each cell: median of %d interleaved repetitions (interquartile range)", count);
        }
    }

    /** Seconds of one call of each body, in order (with the settling after marked bodies). */
    private static double round(List<Runnable> bodies, LongSupplier clock) {
        long t0 = clock.getAsLong();
        for (Runnable body : bodies) {
            once(body, clock);
        }
        settleAfter(bodies);
        return (clock.getAsLong() - t0) / 1e9;
    }

    /**
     * Calls {@code body} once and then again until {@code seconds} have passed since the first call
     * began: untimed warm-up, so that Java's compiler has done its work before anything is timed.
     */
    static void repeatFor(Runnable body, double seconds) {
        long start = System.nanoTime();
        do {
            body.run();
        } while ((System.nanoTime() - start) * 1e-9 < seconds);
    }

    /** Seconds of one call. */
    static double once(Runnable body) {
        return once(body, System::nanoTime);
    }

    private static double once(Runnable body, LongSupplier clock) {
        Runnable timed = body instanceof AfterTheRest a ? a.body() : body;
        if (timed instanceof Prepared p) {
            note(PREPARE);
            p.prepare().run();
            timed = p.body();
        }
        note(body instanceof AfterTheRest ? LAST_BODY : BODY);
        long t0 = clock.getAsLong();
        timed.run();
        return (clock.getAsLong() - t0) / 1e9;
    }

    static double median(double[] values) {
        double[] t = values.clone();
        Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    }
}
