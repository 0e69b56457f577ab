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
 * threads) are timed after the others, in rounds of their own; a body made by {@link #prepared} has
 * untimed work run right before each of its calls.
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
    /** {@link #trace} entry: the untimed preparation of a {@link #prepared} body's call (noted just before that call's entry). */
    static final String PREPARE = "prepare";

    private Timer() {
    }

    /** A body that {@link #interleaved} times after all the others (see {@link #afterTheRest}). */
    private record AfterTheRest(Runnable body) implements Runnable {
        @Override
        public void run() {
            body.run();
        }
    }

    /**
     * Marks {@code body} to be timed after all the unmarked bodies of the same {@link #interleaved}
     * timing, in rounds of its own: for calls on OpenBLAS's own threads, which keep spinning for a while
     * after the call (OPENBLAS_THREAD_TIMEOUT) and would take a core from whatever is timed next on a
     * machine with few cores.
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
     * plan's warm-up time has passed), then rounds of one call of each body in the given order, as
     * many as the plan's repetitions allow within its budget (estimated from the last warm-up round,
     * after the JIT's first compilations; at least one). Element k of each result is the seconds of
     * that body's call in round k, so that results of the same call can be divided round by round
     * ({@link Samples#over}). Results are in the order of the bodies.
     *
     * <p>Bodies marked {@link #afterTheRest} are timed after all the others the same way, in rounds of
     * their own and, when there are others, as many rounds (with no budget cut), so that round-by-round
     * arithmetic with them stays defined: round k of a marked body is paired with round k of the rest,
     * which ran earlier.
     */
    static Samples[] interleaved(List<Runnable> bodies, Plan plan) {
        return interleaved(bodies, plan, System::nanoTime);
    }

    /** {@link #interleaved(List, Plan)} on the given clock (nanoseconds), which tests replace. */
    static Samples[] interleaved(List<Runnable> bodies, Plan plan, LongSupplier clock) {
        List<Integer> first = new ArrayList<>();
        List<Integer> last = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            (bodies.get(i) instanceof AfterTheRest ? last : first).add(i);
        }
        Samples[] out = new Samples[bodies.size()];
        int rounds = first.isEmpty() ? 0 : rounds(bodies, first, plan, clock, out);
        if (!last.isEmpty()) {
            rounds(bodies, last, rounds == 0 ? plan : new Plan(plan.warmupSeconds(), rounds, Double.POSITIVE_INFINITY),
                    clock, out);
        }
        return out;
    }

    /** Times the bodies at {@code which} interleaved (as {@link #interleaved}) into {@code out}; returns the rounds. */
    private static int rounds(List<Runnable> all, List<Integer> which, Plan plan, LongSupplier clock, Samples[] out) {
        note(BEGIN);
        List<Runnable> bodies = which.stream().map(all::get).toList();
        long start = clock.getAsLong();
        round(bodies, clock); // the first round pays for the JIT's compilations: the budget is set by the last warm-up round
        double round;
        do {
            round = round(bodies, clock);
        } while ((clock.getAsLong() - start) / 1e9 < plan.warmupSeconds());
        int reps = (int) Math.max(1, Math.min(plan.reps(), Math.floor(plan.budgetSeconds() / Math.max(round, 1e-9))));
        double[][] t = new double[bodies.size()][reps];
        for (int k = 0; k < reps; k++) {
            for (int i = 0; i < bodies.size(); i++) {
                t[i][k] = once(bodies.get(i), clock);
            }
        }
        for (int i = 0; i < bodies.size(); i++) {
            out[which.get(i)] = new Samples(t[i]);
        }
        return reps;
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

    /** Seconds of one call of each body, in order. */
    private static double round(List<Runnable> bodies, LongSupplier clock) {
        double t = 0;
        for (Runnable body : bodies) {
            t += once(body, clock);
        }
        return t;
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
