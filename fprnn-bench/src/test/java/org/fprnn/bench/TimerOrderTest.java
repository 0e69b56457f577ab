package org.fprnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.NativeBlas;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls on OpenBLAS's own threads come after the other work of each round, which then waits for
 * OpenBLAS's threads to stop spinning: in {@link Timer#interleaved} (on a fake clock, so no timing is
 * asserted) and in the benchmarks that use them as a yardstick (through {@link Timer#trace}).
 */
class TimerOrderTest {
    private final List<String> trace = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stopTracing() {
        Timer.trace = null;
    }

    /** A body that advances the fake clock by {@code micros} and notes its name. */
    private static Runnable advancing(AtomicLong clock, long micros, List<String> calls, String name) {
        return () -> {
            calls.add(name);
            clock.addAndGet(micros * 1000);
        };
    }

    @Test
    void markedBodiesComeLastInEachRoundWhichThenSettlesAndResultsKeepTheBodiesOrder() {
        Timer.trace = trace;
        AtomicLong clock = new AtomicLong();
        List<String> calls = new ArrayList<>();
        List<Runnable> bodies = List.of(advancing(clock, 1000, calls, "a"),
                Timer.afterTheRest(advancing(clock, 5000, calls, "S")), advancing(clock, 2000, calls, "b"),
                Timer.afterTheRest(advancing(clock, 7000, calls, "T")));
        // a round lasts 15 ms on the fake clock: a 46 ms budget allows 3 of them
        Timer.Samples[] t = Timer.interleaved(bodies, new Timer.Plan(0, 10, 0.046), clock::get);
        double[] seconds = {1e-3, 5e-3, 2e-3, 7e-3};
        for (int i = 0; i < bodies.size(); i++) {
            assertEquals(3, t[i].count(), "rounds of body " + i);
            for (double v : t[i].values()) {
                assertEquals(seconds[i], v, 1e-12, "body " + i + " in its own slot");
            }
        }
        // 2 warm-up rounds and 3 timed ones, each the unmarked bodies in order, then the marked ones
        assertEquals("abST".repeat(5), String.join("", calls));
        // and every round ends with the wait for OpenBLAS's threads
        assertEquals(5, trace.stream().filter(Timer.SETTLE::equals).count(), trace.toString());
        assertEquals(Timer.SETTLE, trace.get(trace.size() - 1));
        checkOwnThreadsCallsLast(trace);
    }

    @Test
    void markedBodiesAloneAreTimedUnderThePlan() {
        AtomicLong clock = new AtomicLong();
        List<String> calls = new ArrayList<>();
        Timer.Samples[] t = Timer.interleaved(List.of(Timer.afterTheRest(advancing(clock, 4000, calls, "S"))),
                new Timer.Plan(0, 10, 0.0095), clock::get);
        assertEquals(2, t[0].count(), "the budget cuts the rounds of a timing of marked bodies alone");
    }

    @Test
    void theTraceSeesAnOwnThreadsCallInAnUnmarkedBody() {
        Timer.trace = trace;
        AtomicLong clock = new AtomicLong();
        Timer.interleaved(List.of(() -> Timer.note(OwnThreads.CALL), advancing(clock, 1000, new ArrayList<>(), "a")),
                new Timer.Plan(0, 2, 1), clock::get);
        assertThrows(AssertionError.class, () -> checkOwnThreadsCallsLast(trace), "the check must catch it");
    }

    @Test
    void threadsBenchTimesItsOwnThreadsCallsAfterTheRest() {
        String md = traced(ThreadsBench::run);
        assertTrue(md.contains(OwnThreads.TIMED_LAST), md);
        // and every other timed call comes right after its untimed warm-up at its thread count
        int bodies = 0;
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).equals(Timer.BODY)) {
                bodies++;
                assertEquals(Timer.PREPARE, trace.get(i - 1), "entry " + i + ": a threads body timed cold");
            }
        }
        assertTrue(bodies > 0, "no timed body in the trace");
        // the products table: the gradient step makes more float products than the linearized one, and
        // its double residuals; the linearized step none in double
        String[] lin = lastRow(md, "| P1-converged step (anderson to 1e-6, linearized) |");
        String[] grad = lastRow(md, "| P1-converged step (anderson to 1e-6, gradient) |");
        assertTrue(Double.parseDouble(lin[2]) > 1, md);
        assertEquals(0.0, Double.parseDouble(lin[3]), md);
        assertTrue(Double.parseDouble(grad[2]) > Double.parseDouble(lin[2]), md);
        assertTrue(Double.parseDouble(grad[3]) > 0, md);
    }

    /** The cells of the last table row of md that starts with {@code start} (cell 1 is the name). */
    private static String[] lastRow(String md, String start) {
        String row = md.lines().filter(l -> l.startsWith(start)).reduce((a, b) -> b).orElseThrow();
        String[] cells = row.split("\\|");
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].trim();
        }
        return cells;
    }

    @Test
    void aPreparedBodysPreparationRunsBeforeEachCallAndIsNotTimed() {
        AtomicLong clock = new AtomicLong();
        List<String> calls = new ArrayList<>();
        Runnable body = Timer.prepared(advancing(clock, 9000, calls, "p"), advancing(clock, 1000, calls, "b"));
        Timer.Samples[] t = Timer.interleaved(List.of(body), new Timer.Plan(0, 3, 1), clock::get);
        assertEquals(3, t[0].count());
        for (double v : t[0].values()) {
            assertEquals(1e-3, v, 1e-12, "the preparation's 9 ms are left out");
        }
        assertEquals("pb".repeat(5), String.join("", calls), "2 warm-up rounds and 3 timed ones, each prepared");
    }

    /**
     * ThreadsBench's bodies run at their thread count after the untimed warm-up calls at that count, whatever
     * count the body timed before them left (the raw product at 2 threads once followed a second of
     * one-thread work and was timed cold).
     */
    @Test
    void threadsBenchBodiesWarmUpAtTheirThreadCountUntimed() {
        int before = Blas.get().threads();
        AtomicLong clock = new AtomicLong();
        List<String> calls = new ArrayList<>();
        Runnable warm = () -> {
            calls.add("w" + Blas.get().threads());
            clock.addAndGet(5_000_000);
        };
        Runnable body = () -> {
            calls.add("b" + Blas.get().threads());
            clock.addAndGet(1_000_000);
        };
        try {
            Timer.Samples[] t = Timer.interleaved(List.of(ThreadsBench.atThreads(1, warm, body),
                    ThreadsBench.atThreads(2, warm, body)), new Timer.Plan(0, 2, 1), clock::get);
            for (Timer.Samples s : t) {
                for (double v : s.values()) {
                    assertEquals(1e-3, v, 1e-12, "the warm-up calls are left out of the time");
                }
            }
        } finally {
            Blas.setThreads(before);
        }
        String one = "w1".repeat(ThreadsBench.WARM_CALLS) + "b1";
        String two = "w2".repeat(ThreadsBench.WARM_CALLS) + "b2";
        assertEquals((one + two).repeat(4), String.join("", calls));
    }

    @Test
    void partsBenchTimesItsOwnThreadsCallsAfterTheRest() {
        String md = traced(PartsBench::run);
        assertTrue(md.contains(OwnThreads.TIMED_LAST), md);
    }

    /**
     * Every timed call of PartsBench on fprnn's threads comes right after its untimed preparation (raw
     * products at its thread count), as in the threads benchmark: its 2-thread product once read 1.6
     * raw-sgemm units, timed right after the 1-thread pieces with the row thread parked.
     */
    @Test
    void partsBenchPreparesEveryCallOnFprnnsThreads() {
        traced(PartsBench::run);
        int bodies = 0;
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).equals(Timer.BODY)) {
                bodies++;
                assertEquals(Timer.PREPARE, i > 0 ? trace.get(i - 1) : null, "entry " + i + ": a body timed unprepared");
            }
        }
        assertTrue(bodies > 0, "no body traced");
    }

    @Test
    void blasBenchTimesItsOwnThreadsCallsAfterTheRest() {
        traced(BlasBench::run);
    }

    /** Runs a benchmark quickly with the trace on, checks the order of its calls, returns its markdown. */
    private String traced(Function<BenchOptions, Section> bench) {
        assumeTrue(Blas.get() instanceof NativeBlas, "no native OpenBLAS: no calls on its own threads to order");
        BenchOptions o = new BenchOptions(true, null, null, true, List.of(), Path.of("docs/results"), 0.85, null,
                "test", new PrintWriter(new StringWriter()));
        Timer.trace = trace;
        Section s = bench.apply(o);
        Timer.trace = null;
        checkOwnThreadsCallsLast(trace);
        assertTrue(trace.contains(OwnThreads.CALL), "the benchmark made no call on OpenBLAS's own threads");
        return s.markdown();
    }

    /**
     * Every call on OpenBLAS's own threads is made inside a body marked to be timed after the rest, and
     * no other body is called after a marked one until the round has settled.
     */
    private static void checkOwnThreadsCallsLast(List<String> trace) {
        String current = null;
        boolean markedSeen = false;
        for (int i = 0; i < trace.size(); i++) {
            String e = trace.get(i);
            switch (e) {
                case Timer.BEGIN, Timer.SETTLE -> {
                    current = null;
                    markedSeen = false;
                }
                case Timer.BODY -> {
                    assertFalse(markedSeen, "entry " + i + ": a body timed after a call on OpenBLAS's own threads");
                    current = e;
                }
                case Timer.LAST_BODY -> {
                    markedSeen = true;
                    current = e;
                }
                case Timer.PREPARE -> { }
                case OwnThreads.CALL -> assertEquals(Timer.LAST_BODY, current,
                        "entry " + i + ": a call on OpenBLAS's own threads outside a body timed after the rest");
                default -> throw new AssertionError("unknown trace entry " + e);
            }
        }
    }
}
