package org.fprnn.bench;

import org.fprnn.io.BenchmarksFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scaling benchmark's skip rule and slope table, BENCHMARKS.md sections, and the table writer. */
class ScalingAndFileTest {
    @TempDir
    Path dir;

    private static ScalingBench.Point measured(int n, int b, double step) {
        return new ScalingBench.Point(n, b, step, step / 2, 1000, 900, 1e-3, 10, 12, null);
    }

    @Test
    void slopesComeFromTheMeasuredShapesOnly() {
        List<ScalingBench.Point> pts = new ArrayList<>();
        for (int n : new int[] {100, 200, 400}) {
            for (int b : new int[] {10, 20}) {
                pts.add(measured(n, b, 1e-9 * b * n * n));
            }
        }
        pts.add(new ScalingBench.Point(800, 20, Double.NaN, Double.NaN, 0, 0, Double.NaN, Double.NaN, 0, "too slow"));
        Table t = ScalingBench.slopes(pts, new int[] {100, 200, 400, 800}, new int[] {10, 20});
        String md = t.markdown();
        assertTrue(md.contains("| B = 10 | N | 100 to 400 | 2.00 |"), md);
        assertTrue(md.contains("| B = 20 | N | 100 to 400 | 2.00 |"), md);
        assertTrue(md.contains("| N = 100 | B | 10 to 20 | 1.00 |"), md);
        assertTrue(!md.contains("N = 800"), "a single skipped shape gives no slope: " + md);
        assertEquals(5, t.size());
    }

    @Test
    void shapesEstimatedOverTheCapAreSkipped() {
        List<ScalingBench.Point> pts = new ArrayList<>(List.of(measured(300, 128, 0.1), measured(300, 512, 0.4)));
        assertNull(ScalingBench.skipReason(pts, 300, 1024, 1.0), "0.8 s estimated");
        String why = ScalingBench.skipReason(pts, 300, 4096, 1.0);
        assertTrue(why != null && why.contains("estimated 3.20 s"), why);
        // A new N is estimated from the same B at the last N measured, as B N^2.
        assertTrue(ScalingBench.skipReason(pts, 3000, 128, 5.0).contains("estimated 10.0 s"));
        assertNull(ScalingBench.skipReason(List.of(), 300, 128, 1.0), "nothing measured yet: measure");
    }

    @Test
    void sectionsAreReplacedInPlaceOrAppended() throws IOException {
        Path f = dir.resolve("BENCHMARKS.md");
        BenchmarksFile.replaceSection(f, "a", "## A\n\none");
        String first = Files.readString(f);
        assertTrue(first.startsWith(BenchmarksFile.PREAMBLE), first);
        BenchmarksFile.replaceSection(f, "b", "## B\n\ntwo");
        BenchmarksFile.replaceSection(f, "a", "## A\n\nthree");
        String text = Files.readString(f);
        assertEquals("## A\n\nthree", BenchmarksFile.section(text, "a"));
        assertEquals("## B\n\ntwo", BenchmarksFile.section(text, "b"));
        assertTrue(text.indexOf("<!-- begin a -->") < text.indexOf("<!-- begin b -->"), "order kept: " + text);
        Files.writeString(f, text.replace("<!-- end b -->", ""));
        IOException e = assertThrows(IOException.class, () -> BenchmarksFile.replaceSection(f, "b", "x"));
        assertTrue(e.getMessage().contains("broken section 'b'"), e.getMessage());
    }

    /**
     * Two processes writing sections of one file at the same time lose none of each other's: this JVM
     * and a child rewrite ten sections each, round after round, and every section ends with its
     * writer's last round (no lost update, no half-written file, no temporary file left).
     */
    @Test
    void twoProcessesWritingSectionsLoseNone() throws Exception {
        Path f = dir.resolve("BENCHMARKS.md");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = String.join(java.io.File.pathSeparator, location(BenchmarksFile.class),
                location(SectionWriterMain.class));
        Process child = new ProcessBuilder(javaBin, "-cp", cp, SectionWriterMain.class.getName(), f.toString(), "child",
                "10", "3").redirectErrorStream(true).start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!(Files.exists(f) && Files.readString(f).contains("<!-- begin child-0 -->"))
                && System.nanoTime() < deadline && child.isAlive()) {
            Thread.sleep(5);
        }
        int parentLast = SectionWriterMain.writeRounds(f, "parent", 10, 1.5);
        String out = new String(child.getInputStream().readAllBytes()).strip();
        assertTrue(child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the child did not finish");
        assertEquals(0, child.exitValue(), out);
        int childLast = Integer.parseInt(out.lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(parentLast > 10 && childLast > 10, "both wrote many rounds: " + parentLast + ", " + childLast);
        String text = Files.readString(f);
        for (int k = 0; k < 10; k++) {
            assertEquals("round " + parentLast, BenchmarksFile.section(text, "parent-" + k), text);
            assertEquals("round " + childLast, BenchmarksFile.section(text, "child-" + k), text);
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
    }

    private static String location(Class<?> c) throws java.net.URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void tablesAreMarkdownAndAlignedText() {
        Table t = new Table("rule", "ms").row("linearized", "3.82").row("gradient", "89.3");
        assertEquals("| rule | ms |\n|---|---|\n| linearized | 3.82 |\n| gradient | 89.3 |\n", t.markdown());
        assertEquals("rule        ms\n----------  ----\nlinearized  3.82\ngradient    89.3\n", t.console());
        assertThrows(IllegalArgumentException.class, () -> t.row("one cell"));
    }

    @Test
    void timerTakesTheMedianWithinItsBudget() {
        int[] calls = {0};
        double t = Timer.median(() -> calls[0]++, new Timer.Plan(0, 5, 10));
        assertEquals(6, calls[0], "one warm-up call and five timed");
        assertTrue(t >= 0 && t < 0.1, "t = " + t);
        calls[0] = 0;
        Timer.median(() -> {
            calls[0]++;
            sleep(30);
        }, new Timer.Plan(0, 5, 0.01));
        assertEquals(1, calls[0], "a first call over the budget is the measurement");
        assertEquals(2.5, Timer.median(new double[] {4, 1, 2, 3}));
    }

    @Test
    void interleavedTimingRunsOneCallOfEachPerRoundInOrder() {
        StringBuilder order = new StringBuilder();
        Timer.Samples[] t = Timer.interleaved(List.of(() -> order.append('A'), () -> order.append('B')),
                new Timer.Plan(0, 4, 10));
        assertEquals("ABAB" + "ABABABAB", order.toString(), "two warm-up rounds, then four interleaved rounds");
        assertEquals(4, t[0].count());
        assertEquals(4, t[1].count());
        order.setLength(0);
        Timer.interleaved(List.of(() -> sleep(30), () -> order.append('B')), new Timer.Plan(0, 5, 0.01));
        assertEquals("BBB", order.toString(), "rounds are cut to the budget, but one is always timed");
    }

    @Test
    void samplesGiveMedianSpreadAndRoundByRoundRatios() {
        Timer.Samples a = new Timer.Samples(new double[] {4, 1, 3, 2});
        assertEquals(2.5, a.median());
        assertEquals(1, a.low(), "below 8 values the spread is min..max");
        assertEquals(4, a.high());
        Timer.Samples nine = new Timer.Samples(new double[] {9, 1, 8, 2, 7, 3, 6, 4, 5});
        assertEquals(5, nine.median());
        assertEquals(3, nine.low(), "from 8 values on, the quartiles");
        assertEquals(7, nine.high());
        Timer.Samples b = new Timer.Samples(new double[] {2, 1, 1, 4});
        assertArrayEquals(new double[] {2, 1, 3, 0.5}, a.over(b).values());
        assertArrayEquals(new double[] {2, 1, 1, 2}, a.min(b).values());
        assertArrayEquals(new double[] {8, 2, 6, 4}, a.times(2).values());
        // median(a) / median(b) = 2.5 / 1.5; the per-round ratios 2, 1, 3, 0.5 have median 1.5, min 0.5, max 3
        double[] spread = a.ratioSpread(b);
        assertEquals(2.5 / 1.5 * 0.5 / 1.5, spread[0], 1e-12);
        assertEquals(2.5 / 1.5 * 3 / 1.5, spread[1], 1e-12);
        assertEquals("2.50 (1.00..4.00)", a.format(v -> Section.f("%.2f", v)));
        assertThrows(IllegalArgumentException.class, () -> a.over(nine));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
