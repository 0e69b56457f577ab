package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.NativeBlas;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.SolverConfig;

/**
 * Time per training step with 1 thread against 2 (and all cores, when there are more), the speed-up,
 * and every step in units of the raw sgemm of the same shape measured in the same run, for P1's and
 * P1-converged's steps and P1-converged's forward solve; then issue 12's goals from those numbers.
 */
final class ThreadsBench {
    static final String ID = "threads";

    private ThreadsBench() {
    }

    /** One timed piece of work and how its time is put in raw-sgemm units. */
    private record Work(String name, Runnable body, int perIterations) {
    }

    static Section run(BenchOptions o) {
        int n = o.quick() ? 32 : P1.UNITS;
        int b = o.quick() ? 16 : P1.BATCH;
        int eulerSteps = o.quick() ? 50 : P1.EULER_STEPS;
        List<Integer> counts = new ArrayList<>(List.of(1, 2));
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores > 2) {
            counts.add(cores);
        }
        int before = Blas.get().threads();
        CountingOperator[] op = {null};
        FixedPointNetwork net = P1.network(n, P1.SEED, w -> op[0] = new CountingOperator(w));
        Random rng = new Random(2);
        Matrix x = new FMatrix(b, P1.INPUTS);
        int[] y = new int[b];
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(P1.OUTPUTS);
        }
        Batch batch = Batch.labelled(x, y);
        TrainingStep converged = new TrainingStep(net, batch, P1.converged(), "linearized");
        TrainingStep gradient = new TrainingStep(net, batch, P1.converged(), "gradient");
        TrainingStep euler = new TrainingStep(net, batch, SolverConfig.euler(P1.EULER_ALPHA, eulerSteps, 0), "linearized");
        List<Work> work = List.of(
                new Work("P1-converged step (anderson to 1e-6, linearized)", converged, 0),
                new Work("P1-converged step (anderson to 1e-6, gradient)", gradient, 0),
                new Work(Section.f("P1 step (euler, %d steps, linearized)", eulerSteps), euler, eulerSteps),
                new Work("P1-converged forward solve alone (anderson to 1e-6)", converged::solve, 0));
        Timer.Plan plan = o.timing();
        double[][] t = new double[work.size()][counts.size()];
        double[] gemm = new double[counts.size()];
        double[] own = new double[counts.size()];
        Matrix w = net.params().get("W");
        try {
            // the raw products before and after the steps (the smaller of the two counts), so that a
            // slow patch of a shared machine does not set the yardstick alone
            rawProducts(w, b, n, counts, plan, gemm, own);
            for (int i = 0; i < work.size(); i++) {
                for (int c = 0; c < counts.size(); c++) {
                    Blas.setThreads(counts.get(c));
                    t[i][c] = Timer.median(work.get(i).body(), plan);
                }
                o.say("threads: %-52s %s", work.get(i).name(), times(t[i], counts));
            }
            double[] gemm2 = new double[counts.size()];
            double[] own2 = new double[counts.size()];
            rawProducts(w, b, n, counts, plan, gemm2, own2);
            for (int c = 0; c < counts.size(); c++) {
                gemm[c] = Math.min(gemm[c], gemm2[c]);
                own[c] = Math.min(own[c], own2[c]);
            }
        } finally {
            Blas.setThreads(before);
        }
        op[0].reset();
        Equilibrium eq = converged.solve();
        long solveFlops = op[0].flops();
        double[] yard = new double[counts.size()];
        for (int c = 0; c < counts.size(); c++) {
            yard[c] = Double.isNaN(own[c]) ? gemm[c] : Math.min(gemm[c], own[c]);
        }

        List<String> headers = new ArrayList<>(List.of("work"));
        for (int c : counts) {
            headers.add(c == 1 ? "1 thread" : c + " threads");
        }
        for (int c : counts.subList(1, counts.size())) {
            headers.add("speed-up, " + c + " threads");
        }
        for (int c : counts) {
            headers.add("raw sgemm units, " + (c == 1 ? "1 thread" : c + " threads"));
        }
        Table table = new Table(headers.toArray(String[]::new));
        for (int i = 0; i < work.size(); i++) {
            List<Object> cells = new ArrayList<>();
            cells.add(work.get(i).name());
            for (double v : t[i]) {
                cells.add(time(v));
            }
            for (int c = 1; c < counts.size(); c++) {
                cells.add(Section.ratio(t[i][0] / t[i][c]));
            }
            int per = work.get(i).perIterations();
            for (int c = 0; c < counts.size(); c++) {
                double units = t[i][c] / yard[c];
                cells.add(per > 0 ? Section.f("%.2f per Euler step", units / per) : Section.f("%.1f", units));
            }
            table.row(cells.toArray());
        }
        String sgemmName = Section.f("raw sgemm %d x %d by %d x %d", b, n, n, n);
        addRawRow(table, sgemmName + ", fprnn's product (blocks on fprnn's threads)", gemm, counts, yard);
        if (Blas.get() instanceof NativeBlas) {
            addRawRow(table, sgemmName + ", OpenBLAS's own threads (one unsplit call)", own, counts, yard);
        }
        for (int c = 0; c < counts.size(); c++) {
            o.say("threads: raw sgemm, %d thread(s): fprnn's product %s ms, OpenBLAS's own threads %s ms", counts.get(c),
                    Section.ms(gemm[c]), Section.ms(own[c]));
        }

        // issue 12's goals, at 2 threads
        int two = counts.indexOf(2);
        double gemmGflops = 2.0 * b * n * (double) n / yard[two] / 1e9;
        double solveGflops = solveFlops / t[3][two] / 1e9;
        Table goals = new Table("measure (2 threads)", "this run", "goal");
        goals.row(Section.f("P1 step: raw sgemm per Euler step"), Section.f("%.2f", t[2][two] / eulerSteps / yard[two]),
                "<= 1.3");
        goals.row("P1-converged step (linearized): raw sgemm", Section.f("%.1f", t[0][two] / yard[two]), "<= 30");
        goals.row("P1-converged step: gradient / linearized", Section.f("%.2fx", t[1][two] / t[0][two]), "<= 2.0x");
        goals.row("P1-converged linearized step: speed-up 1 -> 2 threads", Section.f("%.2fx", t[0][0] / t[0][two]),
                ">= 1.7x");
        goals.row(Section.f("P1-converged solve: GFLOP/s of its W r products / raw sgemm's (%.1f / %.1f)",
                solveGflops, gemmGflops), Section.f("%.0f%%", 100 * solveGflops / gemmGflops), ">= 70%");
        o.say("threads: goals: P1 %.2f sgemm per Euler step, P1-converged %.1f sgemm, gradient %.2fx, 1->2 threads"
                + " %.2fx, solve %.0f%% of sgemm GFLOP/s", t[2][two] / eulerSteps / yard[two], t[0][two] / yard[two],
                t[1][two] / t[0][two], t[0][0] / t[0][two], 100 * solveGflops / gemmGflops);

        String explanation = Section.f("""
                Median wall time of one training step on a fixed batch (N = %d, B = %d, float, P1's network from \
                seed 1, uniform random inputs, SGD update included), and of P1-converged's forward solve alone \
                (%.0f iterations median, %d max, from rest), with the thread count set to each value in turn \
                (Blas.setThreads: the threads that share a product's blocks and the solvers' row work). \
                Speed-up = time with 1 thread / time with more. Raw sgemm units: a time over the raw B x N by \
                N x N product's in this run at the same thread count, the faster of fprnn's own product (a fixed \
                split into blocks, each a single-threaded OpenBLAS call, on fprnn's threads; its bits do not \
                depend on the thread count) and one OpenBLAS call on OpenBLAS's own threads; each product is timed \
                before and after the steps and the faster time kept. The P1 step's units are per Euler step. The \
                solve's GFLOP/s count its products with W (2 B N^2 each, counted). The thread count in effect \
                before the benchmark (%d) is restored after it.""", n, b, eq.medianIterations(), eq.iterationsMax(),
                before);
        return Section.of(ID, "Threads: 1 against 2, and every step in raw-sgemm units", o, explanation,
                List.of(table, goals), List.of("", "Issue 12's goals, from the numbers above (2 threads):"), null);
    }

    /** Raw products at each thread count: fprnn's (into gemm) and OpenBLAS's own threads (into own; NaN without it). */
    private static void rawProducts(Matrix w, int b, int n, List<Integer> counts, Timer.Plan plan, double[] gemm,
                                    double[] own) {
        for (int c = 0; c < counts.size(); c++) {
            Blas.setThreads(counts.get(c));
            gemm[c] = ScalingBench.gemmSeconds(w, b, n, plan);
            own[c] = Blas.get() instanceof NativeBlas nb ? ownThreadsSeconds(nb, counts.get(c), w, b, n, plan)
                    : Double.NaN;
        }
    }

    /** Seconds of one unsplit OpenBLAS call on its own threads, r W^T for random r (B x N). */
    private static double ownThreadsSeconds(NativeBlas nb, int threads, Matrix w, int b, int n, Timer.Plan plan) {
        Random rng = new Random(9);
        float[] r = new float[b * n];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        float[] z = new float[b * n];
        float[] wd = ((FMatrix) w).data;
        int inner = (int) Math.max(1, Math.min(10_000, 2e8 / (2.0 * b * n * n)));
        return Timer.median(() -> {
            for (int k = 0; k < inner; k++) {
                nb.sgemmOwnThreads(threads, false, true, b, n, n, 1f, r, n, wd, n, 1f, z, n);
            }
        }, plan) / inner;
    }

    private static void addRawRow(Table table, String name, double[] t, List<Integer> counts, double[] yard) {
        List<Object> cells = new ArrayList<>();
        cells.add(name);
        for (double v : t) {
            cells.add(time(v));
        }
        for (int c = 1; c < counts.size(); c++) {
            cells.add(Section.ratio(t[0] / t[c]));
        }
        for (int c = 0; c < counts.size(); c++) {
            cells.add(Section.f("%.2f", t[c] / yard[c]));
        }
        table.row(cells.toArray());
    }

    private static String time(double v) {
        return v < 0.1 ? Section.ms(v) + " ms" : Section.sec(v) + " s";
    }

    private static String times(double[] t, List<Integer> counts) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < counts.size(); c++) {
            sb.append(c == 0 ? "" : ", ").append(time(t[c])).append(" (").append(counts.get(c)).append(" t)");
        }
        return sb.toString();
    }
}
