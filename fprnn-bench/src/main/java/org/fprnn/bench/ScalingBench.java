package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.ProductTally;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;

/**
 * Time per training step (linearized rule, P1-converged's Anderson solve, float) over a grid of
 * widths N and batch sizes B; the log-log slopes of time against N at fixed B and against B at fixed
 * N; and the speed of the forward solve (flops of its W r products over its time) as a fraction of
 * the raw sgemm of the same shape, measured in the same run.
 */
final class ScalingBench {
    static final String ID = "scaling";

    private ScalingBench() {
    }

    /**
     * One grid point: its medians; {@code flops}: every product of its solve (the drive x U^T and the
     * products with W), {@code wFlops}: those with W alone; {@code skipped} says why it was not measured
     * (then the numbers are NaN).
     */
    record Point(int n, int b, double step, double solve, double flops, double wFlops, double gemm, double itMedian,
                 int itMax, String skipped) {
        double solveGflops() {
            return flops / solve / 1e9;
        }

        /** The GFLOP/s of the solve's products with W alone, over the solve's whole time. */
        double wGflops() {
            return wFlops / solve / 1e9;
        }

        double gemmGflops() {
            return 2.0 * b * n * (double) n / gemm / 1e9;
        }
    }

    /** Warm-up of the whole step before the first shape, besides each shape's own (see {@link #run}). */
    static final double WARMUP_SECONDS = 5.0;

    static Section run(BenchOptions o) {
        int[] ns = o.quick() ? new int[] {16, 32} : new int[] {300, 1000, 3000};
        int[] bs = o.quick() ? new int[] {8, 16, 32} : new int[] {128, 512, 1024, 4096};
        double cap = o.quick() ? 30.0 : 20.0;
        // more rounds than the default plan: with 5, one slow round moved a small shape's median (a solve
        // timed longer than the step that contains it); large shapes stay within the per-shape budget
        Timer.Plan plan = o.quick() ? o.timing() : new Timer.Plan(2.0, 15, 30.0);
        List<Point> points = new ArrayList<>();
        int rounds = 0;
        if (!o.quick()) {
            // The whole step, before the first shape: with only that shape's own warm-up of 2 s, the first
            // shape (N = 300, B = 128) was timed while the JIT was still compiling on the same two cores of
            // a Xeon (its solve took 1.8 times as long as that of B = 512, timed next).
            TrainingStep warm = new TrainingStep(P1.network(ns[0], 5, CountingOperator::new),
                    P1.randomBatch(bs[Math.min(1, bs.length - 1)], 6, Precision.FLOAT), P1.converged(), "linearized");
            long start = System.nanoTime();
            while ((System.nanoTime() - start) / 1e9 < WARMUP_SECONDS) {
                warm.run();
            }
        }
        for (int n : ns) {
            CountingOperator[] op = {null};
            FixedPointNetwork net = P1.network(n, 5, w -> op[0] = new CountingOperator(w));
            for (int b : bs) {
                String skip = skipReason(points, n, b, cap);
                if (skip != null) {
                    points.add(new Point(n, b, Double.NaN, Double.NaN, 0, 0, Double.NaN, Double.NaN, 0, skip));
                    o.say("scaling: N=%-5d B=%-5d skipped: %s", n, b, skip);
                    continue;
                }
                Batch batch = P1.randomBatch(b, 6, Precision.FLOAT);
                TrainingStep step = new TrainingStep(net, batch, P1.converged(), "linearized");
                // the step, the solve and the raw product interleaved, one call of each per round
                Timer.Samples[] t = Timer.interleaved(List.of(step, step::solve,
                        gemmBody(net.params().get("W"), b, n)), plan);
                double tStep = t[0].median();
                double tSolve = t[1].median();
                double tGemm = t[2].median() / gemmInner(b, n);
                rounds = Math.max(rounds, t[0].count());
                op[0].reset();
                Equilibrium[] eq = {null};
                ProductTally.Counts all = ProductTally.of(() -> eq[0] = step.solve());
                Point pt = new Point(n, b, tStep, tSolve, all.flops(), op[0].flops(), tGemm, eq[0].medianIterations(),
                        eq[0].iterationsMax(), null);
                points.add(pt);
                o.say("scaling: N=%-5d B=%-5d step %s s, solve %s s (%.0f/%d iterations), solve %.1f GFLOP/s, raw sgemm"
                        + " %.1f GFLOP/s (%.0f%%; products with W alone %.0f%%)", n, b, Section.sec(tStep),
                        Section.sec(tSolve), eq[0].medianIterations(), eq[0].iterationsMax(), pt.solveGflops(),
                        pt.gemmGflops(), 100 * pt.solveGflops() / pt.gemmGflops(), 100 * pt.wGflops() / pt.gemmGflops());
            }
        }
        Table grid = new Table("N", "B", "seconds / step", "solve seconds", "iterations (median / max)",
                "solve GFLOP/s", "raw sgemm GFLOP/s", "fraction of sgemm", "fraction, products with W alone");
        for (Point p : points) {
            if (p.skipped() != null) {
                grid.row(p.n(), p.b(), "skipped: " + p.skipped(), "-", "-", "-", "-", "-", "-");
            } else {
                grid.row(p.n(), p.b(), Section.sec(p.step()), Section.sec(p.solve()),
                        Section.f("%.0f / %d", p.itMedian(), p.itMax()), Section.f("%.1f", p.solveGflops()),
                        Section.f("%.1f", p.gemmGflops()), Section.f("%.0f%%", 100 * p.solveGflops() / p.gemmGflops()),
                        Section.f("%.0f%%", 100 * p.wGflops() / p.gemmGflops()));
            }
        }
        Table slopes = slopes(points, ns, bs);
        String explanation = Section.f("""
                One training step: P1-converged's forward solve (Anderson, memory 5, mixing 1, to 1e-6, from rest), \
                the linearized rule with gains 1 - r^2, and the SGD update, in float, on a random network \
                (W = 0.5 randn / sqrt(N), 784 inputs, 10 outputs) and uniform random inputs; median wall time. \
                The solve is also timed alone. Its GFLOP/s count the flops of all its products (counted by \
                ProductTally, not estimated): the drive x U^T, once per solve (2 B n_in N, n_in = %d), and its products with \
                W (2 B N^2 each: one per iteration, one to measure the last residual, one for W r at the \
                returned state), over its time; the last column counts those with W alone (counted by a wrapper \
                of the operator), which leaves the drive's flops out but not its time. The raw sgemm is the same B x N by N x N product \
                alone (OpenBLAS through fprnn's Blas), measured in this run, and 'fraction' is the solve's \
                GFLOP/s over it: what the elementwise work, Anderson's per-sample mixing and the convergence \
                checks leave of the product's speed. Shapes whose step would take over %s s (estimated from \
                the measured ones, as B N^2) or would not fit the heap are skipped. Iteration counts differ a \
                little between shapes, which moves the slopes. At each shape the step, the solve and the raw \
                product are timed interleaved (one call of each per round, up to %d rounds within a budget; \
                medians), so that a slow patch of a shared machine slows all three alike; each shape's timing \
                starts with %s s of untimed calls, and before the first shape the step at N = %d, B = %d runs \
                for %s s untimed, so that the JIT has compiled it.""", P1.INPUTS, Section.sec(cap), rounds,
                Section.sec(plan.warmupSeconds()), ns[0], bs[Math.min(1, bs.length - 1)],
                Section.sec(o.quick() ? 0 : WARMUP_SECONDS));
        String caption = "Log-log slopes of seconds per step: against N at fixed B (2 if a step costs O(B N^2)),"
                + " and against B at fixed N (1 if O(B)); least squares over the shapes measured.";
        return Section.of(ID, "Scaling of a training step with width and batch size", o, explanation,
                List.of(grid, slopes), List.of("", caption), null);
    }

    /** Slopes of log(step time) against log N for each B, and against log B for each N (two points or more). */
    static Table slopes(List<Point> points, int[] ns, int[] bs) {
        Table t = new Table("fixed", "varied", "range", "slope");
        for (int b : bs) {
            List<Point> row = points.stream().filter(p -> p.b() == b && p.skipped() == null).toList();
            if (row.size() >= 2) {
                double[] x = row.stream().mapToDouble(Point::n).toArray();
                double[] y = row.stream().mapToDouble(Point::step).toArray();
                t.row("B = " + b, "N", Section.f("%d to %d", (int) x[0], (int) x[x.length - 1]),
                        Section.f("%.2f", LogLog.slope(x, y)));
            }
        }
        for (int n : ns) {
            List<Point> row = points.stream().filter(p -> p.n() == n && p.skipped() == null).toList();
            if (row.size() >= 2) {
                double[] x = row.stream().mapToDouble(Point::b).toArray();
                double[] y = row.stream().mapToDouble(Point::step).toArray();
                t.row("N = " + n, "B", Section.f("%d to %d", (int) x[0], (int) x[x.length - 1]),
                        Section.f("%.2f", LogLog.slope(x, y)));
            }
        }
        return t;
    }

    /** Why (N, B) is skipped: a step estimated over the cap from a measured shape, or too little heap; else null. */
    static String skipReason(List<Point> done, int n, int b, double cap) {
        long bytes = 40L * b * n * 4 + 12L * n * n * 4;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2) {
            return Section.f("needs about %.1f GB of heap, more than half of the %.1f GB there is", bytes / 1e9, heap / 1e9);
        }
        // Estimate from the closest measured shape: the same N (the largest B so far), else the same B,
        // else the last measured; a step costs about B N^2.
        Point ref = null;
        int best = 3;
        for (Point p : done) {
            int rank = p.skipped() != null ? 3 : p.n() == n ? 0 : p.b() == b ? 1 : 2;
            if (rank <= best && rank < 3) {
                best = rank;
                ref = p;
            }
        }
        double est = ref == null ? 0
                : ref.step() * ((double) b / ref.b()) * ((double) n / ref.n()) * ((double) n / ref.n());
        if (est > cap) {
            return Section.f("estimated %s s per step (over the cap of %s s)", Section.sec(est), Section.sec(cap));
        }
        return null;
    }

    /** Median seconds of one B x N by N x N product (r W^T added into z), repeated to last a few ms per call. */
    static double gemmSeconds(Matrix w, int b, int n, Timer.Plan plan) {
        return Timer.median(gemmBody(w, b, n), plan) / gemmInner(b, n);
    }

    /** How many products {@link #gemmBody} makes per call: enough for about 2e8 flops (at least one). */
    static int gemmInner(int b, int n) {
        return (int) Math.max(1, Math.min(10_000, 2e8 / (2.0 * b * n * n)));
    }

    /** {@link #gemmInner} B x N by N x N products through fprnn's Blas, r W^T added into z, for random r. */
    static Runnable gemmBody(Matrix w, int b, int n) {
        Random rng = new Random(9);
        Matrix r = new FMatrix(b, n);
        for (int i = 0; i < r.size(); i++) {
            r.setFlat(i, rng.nextDouble() * 2 - 1);
        }
        Matrix z = new FMatrix(b, n);
        int inner = gemmInner(b, n);
        return () -> {
            for (int k = 0; k < inner; k++) {
                Ops.gemm(false, true, 1, r, w, 1, z);
            }
        };
    }
}
