package org.fprnn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.NativeBlas;

/**
 * The native OpenBLAS libraries this machine offers (the bundled org.bytedeco:openblas and the
 * system's, {@link NativeBlas#everyLibrary()}) against each other, in one process, through fprnn's
 * own binding: sgemm and dgemm of P1's shape (B x N by N x N, N = 300 and the SIMD-friendly 304) at 1
 * and 2 threads, interleaved round by round; and whether each gives the same bits at every thread
 * count. Its numbers decide {@code NativeLibrary.PREFERENCE}, the order fprnn loads libraries in by
 * default (the first, unless its kernel is older than the CPU).
 */
final class BlasBench {
    static final String ID = "blas";

    private BlasBench() {
    }

    /**
     * One timed product: precision, width, thread count, and whether it is fprnn's product (split into
     * blocks on fprnn's threads) or one unsplit call on OpenBLAS's own threads (whose bits depend on
     * the thread count, so fprnn never uses it; shown to tell the libraries' kernels from their threading).
     */
    private record Case(boolean dbl, int n, int threads, boolean own) {
        String label(int b) {
            return Section.f("%s %d x %d by %d x %d, %d %s%s", dbl ? "dgemm" : "sgemm", b, n, n, n, threads,
                    threads == 1 ? "thread" : "threads", own ? ", one call on OpenBLAS's own threads" : "");
        }
    }

    static Section run(BenchOptions o) {
        List<NativeBlas> libs = NativeBlas.everyLibrary();
        int b = o.quick() ? 64 : P1.BATCH;
        int[] widths = o.quick() ? new int[] {60, 64} : new int[] {P1.UNITS, 304};
        List<Integer> counts = List.of(1, 2);
        List<Case> cases = new ArrayList<>();
        for (boolean dbl : new boolean[] {false, true}) {
            for (int n : widths) {
                for (int c : counts) {
                    cases.add(new Case(dbl, n, c, false));
                }
            }
        }
        for (int n : widths) {
            for (int c : counts) {
                cases.add(new Case(false, n, c, true));
            }
        }
        StringBuilder names = new StringBuilder();
        String processWide = Blas.get() instanceof NativeBlas nb ? nb.origin() : null;
        for (int i = 0; i < libs.size(); i++) {
            names.append(Section.f("%n- %s: %s [%s: %s]%s", label(i), libs.get(i).config(), libs.get(i).origin(),
                    libs.get(i).libraryFile(), libs.get(i).origin().equals(processWide) ? " (fprnn's default here)" : ""));
            o.say("blas: %s is %s", label(i), libs.get(i).name());
        }
        if (libs.isEmpty()) {
            o.say("blas: no native OpenBLAS loads in this process: nothing to compare");
            return Section.of(ID, "BLAS libraries: the bundled OpenBLAS against the system's", o,
                    "No native OpenBLAS loads in this process (FPRNN_BLAS = java, or neither the bundled nor a"
                            + " system library is there): nothing to compare.", List.of(), List.of(), null);
        }

        // fprnn's products first, interleaved on their own; then the calls on OpenBLAS's own threads, after
        // which a library's idle threads spin for a while and would slow whatever is timed next (OwnThreads);
        // two timings rather than one Timer.interleaved of all, so that each group gets its own number of
        // rounds within the budget (no ratio here mixes the two groups)
        int before = Blas.get().threads();
        Timer.Plan plan = o.quick() ? new Timer.Plan(0.2, 3, 5.0) : new Timer.Plan(3.0, 101, 150.0);
        Timer.Samples[] t = new Timer.Samples[cases.size() * libs.size()];
        try {
            for (boolean own : new boolean[] {false, true}) {
                List<Runnable> bodies = new ArrayList<>();
                List<Integer> slots = new ArrayList<>();
                for (int ci = 0; ci < cases.size(); ci++) {
                    if (cases.get(ci).own() != own) {
                        continue;
                    }
                    for (int i = 0; i < libs.size(); i++) {
                        bodies.add(body(libs.get(i), cases.get(ci), b, perTiming(b, cases.get(ci).n(), o.quick())));
                        slots.add(ci * libs.size() + i);
                    }
                }
                Timer.Samples[] got = Timer.interleaved(bodies, plan);
                for (int j = 0; j < got.length; j++) {
                    t[slots.get(j)] = got[j];
                }
            }
        } finally {
            Blas.setThreads(before);
        }

        List<String> headers = new ArrayList<>(List.of("product"));
        for (int i = 0; i < libs.size(); i++) {
            headers.add(label(i) + ": ms");
        }
        for (int i = 0; i < libs.size(); i++) {
            headers.add(label(i) + ": GFLOP/s");
        }
        for (int i = 1; i < libs.size(); i++) {
            headers.add("time " + label(i) + " / " + label(0));
        }
        Table table = new Table(headers.toArray(String[]::new));
        int rounds = t[0].count();
        for (int ci = 0; ci < cases.size(); ci++) {
            Case c = cases.get(ci);
            int inner = perTiming(b, c.n(), o.quick());
            double flops = 2.0 * b * c.n() * (double) c.n();
            List<Object> cells = new ArrayList<>();
            cells.add(c.label(b));
            Timer.Samples[] per = new Timer.Samples[libs.size()];
            for (int i = 0; i < libs.size(); i++) {
                per[i] = t[ci * libs.size() + i].times(1.0 / inner);
                cells.add(per[i].format(Section::ms));
            }
            for (int i = 0; i < libs.size(); i++) {
                cells.add(Section.f("%.1f", flops / per[i].median() / 1e9));
            }
            StringBuilder line = new StringBuilder();
            for (int i = 1; i < libs.size(); i++) {
                cells.add(Section.ratio(per[i].median() / per[0].median()) + " ("
                        + ThreadsBench.spread(per[i], per[0], 1, "%.2f") + ")");
                line.append(Section.f(", %s / %s %.2f", label(i), label(0), per[i].median() / per[0].median()));
            }
            o.say("blas: %-40s %s ms%s", c.label(b), Arrays.stream(per).map(s -> Section.ms(s.median())).toList(), line);
            table.row(cells.toArray());
        }

        Table bits = new Table("library", "products above with the same bits at 1 and 2 threads",
                "largest |difference| from " + label(0) + ", sgemm / dgemm (relative to the largest |entry|)");
        for (int i = 0; i < libs.size(); i++) {
            int products = (int) cases.stream().filter(c -> !c.own()).count() / counts.size();
            bits.row(label(i), sameBitsAtEveryCount(libs.get(i), cases, b, counts) + " of " + products,
                    Section.f("%.1e / %.1e", difference(libs.get(0), libs.get(i), false, b, widths[0]),
                            difference(libs.get(0), libs.get(i), true, b, widths[0])));
        }
        Blas.setThreads(before);

        String explanation = Section.f("""
                Every native OpenBLAS this process can load, each loaded on its own beside the process-wide one \
                and called through fprnn's own binding (NativeBlas: the same fixed split into blocks of rows, \
                each a single-threaded OpenBLAS call, on fprnn's threads):%s

                The product is C = A W^T + C with A B x N and W N x N, random, row-major, as the solvers' \
                product with W; N = %d is P1's width and %d its next multiple of the SIMD width. The last rows \
                make sgemm one unsplit call on OpenBLAS's own threads instead (its bits depend on the thread \
                count, so fprnn never uses it): they tell a library's faster kernel from its faster threading. \
                They come last in each round, which then waits until the process is idle: after a call on its \
                own threads an OpenBLAS keeps its idle threads spinning for a while (OPENBLAS_THREAD_TIMEOUT \
                shortens it), which slows whatever runs next on a machine with few cores. Each timing \
                makes %d products (more for small shapes) and is divided by their number; every product of \
                every library at both thread counts is timed interleaved, one call of each per round, %d \
                rounds after a warm-up, so that a slow patch of a \
                shared machine slows all of them alike; %s. \
                A ratio cell is the ratio of the two medians (below 1: the second library is faster); its \
                spread is that ratio times the relative spread of the round-by-round ratios. fprnn loads the \
                first library of NativeLibrary.PREFERENCE that is there, L1 above, unless that library's \
                kernel uses narrower vectors than this CPU (it did not know the CPU) and a later one's uses \
                wider ones (FPRNN_BLAS = bundled or system, or FPRNN_OPENBLAS naming a file, overrides it); \
                that order is chosen by these numbers, measured on a quiet machine. For whole training steps, run `fprnn bench threads` once with FPRNN_BLAS = bundled \
                and once with FPRNN_BLAS = system.""", names, widths[0], widths[1], perTiming(b, widths[0], o.quick()), rounds,
                Timer.Samples.spreadNote(rounds));
        return Section.of(ID, "BLAS libraries: the bundled OpenBLAS against the system's", o, explanation,
                List.of(table, bits), List.of("", "Bits: each library against itself across thread counts, and the"
                        + " libraries against each other (different builds round differently: results are"
                        + " reproducible for one library, not across libraries):"), null);
    }

    /** "L1", "L2", ...: the short names of the libraries in the tables. */
    private static String label(int i) {
        return "L" + (i + 1);
    }

    /** Products per timing: about 1e9 flops' worth, long enough for one clean reading (1e7 for --quick); at least one. */
    static int perTiming(int b, int n, boolean quick) {
        return (int) Math.max(1, Math.min(10_000, Math.round((quick ? 1e7 : 1e9) / (2.0 * b * n * n))));
    }

    /** {@code inner} products A W^T added into C through {@code nb}, at the case's thread count. */
    private static Runnable body(NativeBlas nb, Case c, int b, int inner) {
        int n = c.n();
        if (c.dbl()) {
            double[] a = random(b * n, 9);
            double[] w = random(n * n, 10);
            double[] z = new double[b * n];
            return () -> {
                Blas.setThreads(c.threads());
                for (int k = 0; k < inner; k++) {
                    nb.dgemm(false, true, b, n, n, 1, a, 0, n, w, 0, n, 1, z, 0, n);
                }
            };
        }
        float[] a = toFloat(random(b * n, 9));
        float[] w = toFloat(random(n * n, 10));
        float[] z = new float[b * n];
        if (c.own()) {
            return Timer.afterTheRest(() -> {
                for (int k = 0; k < inner; k++) {
                    OwnThreads.sgemm(nb, c.threads(), false, true, b, n, n, 1f, a, n, w, n, 1f, z, n);
                }
            });
        }
        return () -> {
            Blas.setThreads(c.threads());
            for (int k = 0; k < inner; k++) {
                nb.sgemm(false, true, b, n, n, 1f, a, 0, n, w, 0, n, 1f, z, 0, n);
            }
        };
    }

    /**
     * How many of the cases' products (each precision and width once), A W^T from the same operands,
     * have the same bits at every thread count.
     */
    private static int sameBitsAtEveryCount(NativeBlas nb, List<Case> cases, int b, List<Integer> counts) {
        int same = 0;
        for (Case c : cases) {
            if (c.own() || c.threads() != counts.getFirst()) {
                continue;
            }
            boolean equal = true;
            double[] first = null;
            for (int threads : counts) {
                Blas.setThreads(threads);
                double[] got = product(nb, c.dbl(), b, c.n());
                if (first == null) {
                    first = got;
                } else {
                    equal &= Arrays.equals(first, got);
                }
            }
            same += equal ? 1 : 0;
        }
        return same;
    }

    /** max |A W^T by x - by y| / max |A W^T by x|. */
    private static double difference(NativeBlas x, NativeBlas y, boolean dbl, int b, int n) {
        double[] p = product(x, dbl, b, n);
        double[] q = product(y, dbl, b, n);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < p.length; i++) {
            diff = Math.max(diff, Math.abs(p[i] - q[i]));
            scale = Math.max(scale, Math.abs(p[i]));
        }
        return diff / scale;
    }

    /** A W^T (beta 0) for the benchmark's operands, widened to double. */
    private static double[] product(NativeBlas nb, boolean dbl, int b, int n) {
        double[] a = random(b * n, 9);
        double[] w = random(n * n, 10);
        double[] out = new double[b * n];
        if (dbl) {
            nb.dgemm(false, true, b, n, n, 1, a, 0, n, w, 0, n, 0, out, 0, n);
            return out;
        }
        float[] z = new float[b * n];
        nb.sgemm(false, true, b, n, n, 1f, toFloat(a), 0, n, toFloat(w), 0, n, 0f, z, 0, n);
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i];
        }
        return out;
    }

    private static double[] random(int size, long seed) {
        Random rng = new Random(seed);
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = rng.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
