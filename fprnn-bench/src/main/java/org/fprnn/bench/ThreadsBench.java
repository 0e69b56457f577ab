package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.NativeBlas;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.ProductTally;
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
        FixedPointNetwork net = P1.countingNetwork(n, op);
        Batch batch = P1.randomBatch(b, 2, Precision.FLOAT);
        TrainingStep converged = new TrainingStep(net, batch, P1.converged(), "linearized");
        TrainingStep gradient = new TrainingStep(net, batch, P1.converged(), "gradient");
        TrainingStep euler = new TrainingStep(net, batch, SolverConfig.euler(P1.EULER_ALPHA, eulerSteps, 0), "linearized");
        List<Work> work = new ArrayList<>(List.of(
                new Work("P1-converged step (anderson to 1e-6, linearized)", converged, 0),
                new Work("P1-converged step (anderson to 1e-6, gradient)", gradient, 0),
                new Work(Section.f("P1 step (euler, %d steps, linearized)", eulerSteps), euler, eulerSteps),
                new Work("P1-converged forward solve alone (anderson to 1e-6)", converged::solve, 0),
                // what the forward solve's mean-gain preconditioner (solver.preconditioner) buys on this network
                new Work("P1-converged step (anderson to 1e-6, linearized), forward mean-gain preconditioner",
                        new TrainingStep(net, batch, P1.converged().withMeanGain(true), "linearized"), 0),
                new Work("P1-converged forward solve alone (anderson to 1e-6), forward mean-gain preconditioner",
                        new TrainingStep(net, batch, P1.converged().withMeanGain(true), "linearized")::solve, 0),
                // what the mean-gain preconditioner of the adjoint's float rounds buys
                new Work("P1-converged step (anderson to 1e-6, gradient), mean-gain preconditioner off",
                        new TrainingStep(net, batch, P1.converged(), "gradient",
                                P1.ruleSettings(P1.converged(), TrainingStep.TIMING_LR).withMeanGainPreconditioner(false)),
                        0)));
        // the same solve by the plain iteration, which keeps no history: how much of the solve's time beyond
        // its products is Anderson's history step, Gram rows, coefficients and mixing on this network
        SolverConfig picardConfig = SolverConfig.picard(1.0, P1.converged().maxIter(), P1.converged().tol());
        TrainingStep picard = new TrainingStep(net, batch, picardConfig, "linearized");
        work.add(new Work(PICARD_SOLVE, picard::solve, 0));
        int picardAt = work.size() - 1;
        if (PackedProduct.supported()) {
            // what the packed products buy: the same steps with OpenBLAS's products in the solves
            work.add(new Work("P1-converged step (anderson to 1e-6, linearized), packed products off",
                    withoutPackedProducts(converged), 0));
            work.add(new Work("P1-converged step (anderson to 1e-6, gradient), packed products off",
                    withoutPackedProducts(gradient), 0));
        }
        // every (work, thread count) and fprnn's raw product at each count, interleaved round by round; the
        // calls on OpenBLAS's own threads last in each round (OwnThreads)
        // 41 rounds: on a host whose speed drifts in waves of a second or so, fewer left the goals' ratios
        // several units apart from run to run
        Timer.Plan plan = o.quick() ? new Timer.Plan(0.2, 3, 5.0) : new Timer.Plan(2.0, 41, 180.0);
        Matrix w = net.params().get("W");
        Runnable warm = ScalingBench.gemmBody(w, b, n);
        List<Runnable> bodies = new ArrayList<>();
        for (int c : counts) {
            bodies.add(atThreads(c, warm, ScalingBench.gemmBody(w, b, n)));
            if (Blas.get() instanceof NativeBlas nb) {
                bodies.add(Timer.afterTheRest(ownThreadsBody(nb, c, w, b, n)));
            }
            for (Work wk : work) {
                bodies.add(atThreads(c, warm, wk.body()));
            }
        }
        Timer.Samples[] measured;
        try {
            measured = Timer.interleaved(bodies, plan);
        } finally {
            Blas.setThreads(before);
        }
        int stride = bodies.size() / counts.size();
        int workFrom = stride - work.size();
        int inner = ScalingBench.gemmInner(b, n);
        Timer.Samples[][] t = new Timer.Samples[work.size()][counts.size()];
        Timer.Samples[] gemm = new Timer.Samples[counts.size()];
        Timer.Samples[] own = new Timer.Samples[counts.size()];
        Timer.Samples[] yard = new Timer.Samples[counts.size()];
        for (int c = 0; c < counts.size(); c++) {
            gemm[c] = measured[c * stride].times(1.0 / inner);
            own[c] = workFrom == 2 ? measured[c * stride + 1].times(1.0 / inner) : null;
            yard[c] = own[c] == null ? gemm[c] : gemm[c].min(own[c]);
            for (int i = 0; i < work.size(); i++) {
                t[i][c] = measured[c * stride + workFrom + i];
            }
        }
        for (int i = 0; i < work.size(); i++) {
            o.say("threads: %-52s %s", work.get(i).name(), times(t[i], counts));
        }
        op[0].reset();
        Equilibrium eq = converged.solve();
        long solveWFlops = op[0].flops();
        op[0].reset();
        Equilibrium picardEq = picard.solve();
        long picardWFlops = op[0].flops();
        // each piece of work's matrix products (every product of the process, not only those with W),
        // counted on one untimed run, in units of the raw product's B N^2 multiply-adds
        double unitMadds = (double) b * n * n;
        ProductTally.Counts[] products = new ProductTally.Counts[work.size()];
        for (int i = 0; i < work.size(); i++) {
            products[i] = ProductTally.of(work.get(i).body());
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
            int per = work.get(i).perIterations();
            addRow(table, work.get(i).name(), t[i], yard, per > 0 ? per : 1, per > 0 ? " per Euler step" : "");
        }
        String sgemmName = Section.f("raw sgemm %d x %d by %d x %d", b, n, n, n);
        addRow(table, sgemmName + ", fprnn's product (blocks on fprnn's threads)", gemm, yard, 1, "");
        if (own[0] != null) {
            addRow(table, sgemmName + ", OpenBLAS's own threads (one unsplit call)", own, yard, 1, "");
        }
        for (int c = 0; c < counts.size(); c++) {
            o.say("threads: raw sgemm, %d thread(s): fprnn's product %s ms, OpenBLAS's own threads %s ms", counts.get(c),
                    gemm[c].format(Section::ms), own[c] == null ? "-" : own[c].format(Section::ms));
        }

        // issue 12's goals, at 2 threads, as ratios of the interleaved medians
        int two = counts.indexOf(2);
        double y2 = yard[two].median();
        double gemmGflops = 2.0 * b * n * (double) n / y2 / 1e9;
        // the solve's GFLOP/s count every product the timed solve makes (ProductTally): the drive x U^T
        // (B x n_in by n_in x N, once per solve) and its products with W; those with W alone as well
        double solveAll = products[3].flops();
        double solveGflops = solveAll / t[3][two].median() / 1e9;
        double solveWShare = solveWFlops / t[3][two].median() / 1e9 / gemmGflops;
        double p1 = t[2][two].median() / eulerSteps / y2;
        double conv = t[0][two].median() / y2;
        double grad = t[1][two].median() / t[0][two].median();
        double scale = t[0][0].median() / t[0][two].median();
        double solveShare = solveGflops / gemmGflops;
        Table goals = new Table("measure (2 threads)", "this run (ratio of medians)",
                "spread of the ratio over the rounds", "goal");
        goals.row("P1 step: raw sgemm per Euler step", Section.f("%.2f", p1),
                spread(t[2][two], yard[two], 1.0 / eulerSteps, "%.2f"), "<= 1.3");
        goals.row("P1-converged step (linearized): raw sgemm", Section.f("%.1f", conv),
                spread(t[0][two], yard[two], 1, "%.1f"), "<= 30");
        goals.row("P1-converged step: gradient / linearized", Section.f("%.2fx", grad),
                spread(t[1][two], t[0][two], 1, "%.2f"), "<= 2.0x");
        goals.row("P1-converged linearized step: speed-up 1 -> 2 threads", Section.f("%.2fx", scale),
                spread(t[0][0], t[0][two], 1, "%.2f"), ">= 1.7x");
        goals.row(Section.f("P1-converged solve: GFLOP/s of all its products (the drive x U^T and the W r products)"
                + " / raw sgemm's (%.1f / %.1f); of its W r products alone: %.0f%%", solveGflops, gemmGflops,
                100 * solveWShare), Section.f("%.0f%%", 100 * solveShare),
                spread(yard[two], t[3][two], 100.0 * solveAll / (2.0 * b * n * (double) n), "%.0f"),
                ">= 70%");
        double picardAll = products[picardAt].flops();
        double picardShare = picardAll / t[picardAt][two].median() / 1e9 / gemmGflops;
        double picardWShare = picardWFlops / t[picardAt][two].median() / 1e9 / gemmGflops;
        String picardLine = Section.f("For comparison, the same forward solve by the plain iteration r <- f(W r + h)"
                + " (picard, no history; median %.0f iterations, %d max, against anderson's %.0f and %d) took %.1f raw"
                + " sgemm units against anderson's %.1f: all its products at %.0f%% of the raw sgemm's GFLOP/s"
                + " (its products with W alone %.0f%%), anderson's at %.0f%% (%.0f%%).", picardEq.medianIterations(),
                picardEq.iterationsMax(), eq.medianIterations(), eq.iterationsMax(), t[picardAt][two].median() / y2,
                t[3][two].median() / y2, 100 * picardShare, 100 * picardWShare, 100 * solveShare, 100 * solveWShare);
        o.say("threads: %s", picardLine);
        o.say("threads: goals: P1 %.2f sgemm per Euler step, P1-converged %.1f sgemm, gradient %.2fx, 1->2 threads"
                + " %.2fx, solve %.0f%% of sgemm GFLOP/s (%d interleaved rounds)", p1, conv, grad, scale,
                100 * solveShare, yard[two].count());

        Table floor = new Table("work", "float products, in raw products (B N^2 multiply-adds each)",
                "double products, in the same unit", Section.f("time, %d threads, in raw sgemm units", counts.get(two)),
                "float products' share of that time, at the raw sgemm's speed");
        for (int i = 0; i < work.size(); i++) {
            int per = Math.max(1, work.get(i).perIterations());
            double fl = products[i].floatMultiplyAdds() / unitMadds / per;
            double dl = products[i].doubleMultiplyAdds() / unitMadds / per;
            double units = t[i][two].median() / yard[two].median() / per;
            floor.row(work.get(i).name() + (per > 1 ? ", per Euler step" : ""), Section.f("%.2f", fl),
                    Section.f("%.2f", dl), Section.f("%.2f", units), Section.f("%.0f%%", 100 * fl / units));
            o.say("threads: %-52s products %.2f float + %.2f double raw products, time %.2f units", work.get(i).name(), fl,
                    dl, units);
        }

        String explanation = Section.f("""
                Wall time of one training step on a fixed batch (N = %d, B = %d, float, P1's network from \
                seed 1, uniform random inputs, SGD update included), and of P1-converged's forward solve alone \
                (%.0f iterations median, %d max, from rest), with the thread count set to each value in turn \
                (Blas.setThreads: the threads that share a product's blocks and the solvers' row work). \
                Every piece of work at every thread count, and fprnn's raw product, are timed interleaved: one \
                call of each per round, %d rounds after a warm-up, so that a slow patch of a shared machine \
                slows all of them alike; %s. Each timed call comes after %d untimed calls of the raw product \
                at its thread count, so that fprnn's row threads are awake, as between the products and steps \
                of training (the raw product's own call is only %d products long). %sSpeed-up = time with 1 thread / time with more. Raw sgemm \
                units: a time over the raw B x N by N x N product's at the same thread count measured in the same \
                run (round by round), the faster of fprnn's own product (a fixed split into blocks, each a \
                single-threaded OpenBLAS call, on fprnn's threads; its bits do not depend on the thread count) \
                and one OpenBLAS call on OpenBLAS's own threads. A ratio cell is the ratio of the two medians; its spread is that ratio times the relative spread (quartiles, \
                or min and max, over the median) of the round-by-round ratios. The P1 step's \
                units are per Euler step (its rule and update are in the step's time, spread over its Euler \
                steps). The solve's GFLOP/s count every product it makes (counted by ProductTally): the drive x U^T, \
                once per solve (B x n_in by n_in x N, n_in = %d), and its products with W (2 B N^2 each); the \
                share of its products with W alone (counted by a wrapper of the operator) is given too: it \
                leaves the drive's flops out but not its time. %s%sThe thread \
                count in effect before the benchmark (%d) is restored after it.""", n, b, eq.medianIterations(),
                eq.iterationsMax(), yard[0].count(), Timer.Samples.spreadNote(yard[0].count()), WARM_CALLS, inner,
                own[0] == null ? "" : OwnThreads.TIMED_LAST + " ", net.inputs(),
                PackedProduct.supported() ? PACKED_NOTE : "", PRECONDITIONER_NOTE, before);
        return Section.of(ID, "Threads: 1 against 2, and every step in raw-sgemm units", o, explanation,
                List.of(table, goals, floor), List.of("", "Issue 12's goals, from the numbers above (2 threads):",
                        picardLine + "\n\nEvery matrix product of each piece of work (with W, with the read-in U, of the rules' weight"
                        + " directions, of the read-out; counted by ProductTally on one untimed run), in raw"
                        + " products: the time the step would take if it did nothing but its float products at"
                        + " the raw sgemm's speed is the float count in raw sgemm units (its floor, before any"
                        + " double product and any elementwise work):"), null);
    }

    /** {@code body} with {@link PackedProduct} turned off (the solvers' products on OpenBLAS). */
    private static Runnable withoutPackedProducts(Runnable body) {
        return () -> {
            boolean before = PackedProduct.setEnabled(false);
            try {
                body.run();
            } finally {
                PackedProduct.setEnabled(before);
            }
        };
    }

    /** The row of the forward solve by the plain iteration, for comparison with anderson's. */
    private static final String PICARD_SOLVE =
            "P1-converged's forward solve by picard instead (no history, to 1e-6; for comparison)";

    /** What the page says where packed products serve the solves. */
    private static final String PACKED_NOTE = "Here the Vector API has 512-bit vectors, so the forward solves'"
            + " products with W run on fprnn's packed product"
            + " (PackedProduct: W packed once per solve, a Java kernel whose bits do not depend on the rows beside"
            + " a row), not on OpenBLAS; the rows \"packed products off\" time the same steps on OpenBLAS's"
            + " products, interleaved with the rest. ";

    /** What the page says of the gradient step without the adjoint's preconditioner. */
    private static final String PRECONDITIONER_NOTE = "The gradient rule's float adjoint rounds are preconditioned"
            + " by the batch's mean gains (MeanGainPreconditioner: Q = (I - W diag(mean g))^{-1} W per step, a float"
            + " Gauss-Jordan solve with N right-hand sides on both cores); the row \"mean-gain preconditioner off\" times the same step without it"
            + " (rule.adjoint_preconditioner = \"none\"), interleaved with the rest. The rows \"forward mean-gain"
            + " preconditioner\" time the step and the solve with the forward solve preconditioned too"
            + " (solver.preconditioner = \"mean_gain\", off by default: Q with the gains at rest, Anderson on the"
            + " pairs [r | u], u = r W^T, then the plain map from there), interleaved with the rest; their iterations"
            + " count both parts, and their products include those with Q (not the solve that forms Q). ";

    /** Untimed calls of the raw product before each timed call ({@link #atThreads}). */
    static final int WARM_CALLS = 3;

    /**
     * {@code body} timed with the thread count set to {@code threads} (Blas.setThreads), each call
     * after {@link #WARM_CALLS} untimed calls of {@code warm} (raw products) at that count: in training,
     * the products and row passes of a step follow each other at one thread count, so fprnn's row
     * threads are awake when a step or a product starts. Without it the first timed call at 2 threads
     * in a round (the raw product's) came after about a second of one-thread work, with fprnn's row
     * thread parked all that while, and that short call (2 products) paid for waking it: it read a 0.95x
     * "speed-up" while the steps read 1.8x.
     */
    static Runnable atThreads(int threads, Runnable warm, Runnable body) {
        return Timer.prepared(() -> {
            Blas.setThreads(threads);
            for (int k = 0; k < WARM_CALLS; k++) {
                warm.run();
            }
        }, body);
    }

    /** "low..high", in {@code format}: the spread of scale * median(a) / median(b) ({@link Timer.Samples#ratioSpread}). */
    static String spread(Timer.Samples a, Timer.Samples b, double scale, String format) {
        double[] s = a.ratioSpread(b);
        return Section.f(format, scale * s[0]) + ".." + Section.f(format, scale * s[1]);
    }

    /** One unsplit OpenBLAS call on its own threads, r W^T for random r (B x N), repeated as the raw gemm is. */
    private static Runnable ownThreadsBody(NativeBlas nb, int threads, Matrix w, int b, int n) {
        Random rng = new Random(9);
        float[] r = new float[b * n];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        float[] z = new float[b * n];
        float[] wd = ((FMatrix) w).data;
        int inner = ScalingBench.gemmInner(b, n);
        return () -> {
            for (int k = 0; k < inner; k++) {
                OwnThreads.sgemm(nb, threads, false, true, b, n, n, 1f, r, n, wd, n, 1f, z, n);
            }
        };
    }

    /**
     * A table row: the times at each count, the speed-ups against the first count and the raw-sgemm
     * units (divided by {@code per}, with {@code unit} after them), each "median (spread)".
     */
    private static void addRow(Table table, String name, Timer.Samples[] t, Timer.Samples[] yard, int per,
                               String unit) {
        List<Object> cells = new ArrayList<>();
        cells.add(name);
        for (Timer.Samples v : t) {
            cells.add(time(v));
        }
        for (int c = 1; c < t.length; c++) {
            cells.add(Section.ratio(t[0].median() / t[c].median()) + " (" + spread(t[0], t[c], 1, "%.2f") + ")");
        }
        for (int c = 0; c < t.length; c++) {
            cells.add(Section.f("%.2f", t[c].median() / yard[c].median() / per) + " ("
                    + spread(t[c], yard[c], 1.0 / per, "%.2f") + ")" + unit);
        }
        table.row(cells.toArray());
    }

    /** "median unit (low..high)", the spread in the median's unit (ms below 0.1 s, else s). */
    private static String time(Timer.Samples t) {
        boolean ms = t.median() < 0.1;
        java.util.function.DoubleFunction<String> f = ms ? Section::ms : Section::sec;
        return f.apply(t.median()) + (ms ? " ms (" : " s (") + f.apply(t.low()) + ".." + f.apply(t.high()) + ")";
    }

    private static String times(Timer.Samples[] t, List<Integer> counts) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < counts.size(); c++) {
            sb.append(c == 0 ? "" : ", ").append(time(t[c])).append(" [").append(counts.get(c))
                    .append(" t]");
        }
        return sb.toString();
    }
}
