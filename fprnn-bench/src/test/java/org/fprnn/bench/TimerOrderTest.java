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
 * Calls on OpenBLAS's own threads are timed after all the other work of a timing, in rounds of their
 * own: in {@link Timer#interleaved} (on a fake clock, so no timing is asserted) and in the benchmarks
 * that use them as a yardstick (through {@link Timer#trace}).
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
    void markedBodiesComeAfterTheRestInAsManyRoundsAndResultsKeepTheBodiesOrder() {
        AtomicLong clock = new AtomicLong();
        List<String> calls = new ArrayList<>();
        List<Runnable> bodies = List.of(advancing(clock, 1000, calls, "a"),
                Timer.afterTheRest(advancing(clock, 5000, calls, "S")), advancing(clock, 2000, calls, "b"),
                Timer.afterTheRest(advancing(clock, 7000, calls, "T")));
        // the unmarked rounds last 3 ms: a 9.5 ms budget allows 3 of them; the marked ones (12 ms) get as many
        Timer.Samples[] t = Timer.interleaved(bodies, new Timer.Plan(0, 10, 0.0095), clock::get);
        double[] seconds = {1e-3, 5e-3, 2e-3, 7e-3};
        for (int i = 0; i < bodies.size(); i++) {
            assertEquals(3, t[i].count(), "rounds of body " + i);
            for (double v : t[i].values()) {
                assertEquals(seconds[i], v, 1e-12, "body " + i + " in its own slot");
            }
        }
        int firstMarked = calls.indexOf("S");
        assertTrue(firstMarked > 0, calls.toString());
        assertFalse(calls.subList(firstMarked, calls.size()).contains("a"), "unmarked after marked: " + calls);
        assertFalse(calls.subList(firstMarked, calls.size()).contains("b"), "unmarked after marked: " + calls);
        // 2 warm-up rounds and 3 timed ones of each group, each group in the given order
        assertEquals("ab".repeat(5) + "ST".repeat(5), String.join("", calls));
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
    }

    @Test
    void partsBenchTimesItsOwnThreadsCallsAfterTheRest() {
        String md = traced(PartsBench::run);
        assertTrue(md.contains(OwnThreads.TIMED_LAST), md);
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
     * within one timing no other body is called after a marked one.
     */
    private static void checkOwnThreadsCallsLast(List<String> trace) {
        String current = null;
        boolean markedSeen = false;
        for (int i = 0; i < trace.size(); i++) {
            String e = trace.get(i);
            switch (e) {
                case Timer.BEGIN -> {
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
                case OwnThreads.CALL -> assertEquals(Timer.LAST_BODY, current,
                        "entry " + i + ": a call on OpenBLAS's own threads outside a body timed after the rest");
                default -> throw new AssertionError("unknown trace entry " + e);
            }
        }
    }
}
