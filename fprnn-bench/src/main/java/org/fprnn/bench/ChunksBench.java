package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Chunked solves (the batch solved in chunks of consecutive rows, each to the end on its own) against
 * the whole batch at once: P1-converged's forward solve and linearized training step, the gradient
 * rule's step (whose adjoint solves are chunked too), and P1's Euler step, each chunked and whole, at
 * 1 and 2 threads, interleaved round by round with the raw B x N by N x N sgemm at the same thread
 * count, in raw-sgemm units.
 */
final class ChunksBench {
    static final String ID = "chunks";

    private ChunksBench() {
    }

    /** A shape: width, batch, and whether to time the (long) Euler step and the gradient step. */
    private record Shape(int n, int b, boolean euler, boolean gradient) {
    }

    /** One timed piece of work at one thread count. */
    private record Work(String name, int threads, Runnable body, int per) {
    }

    static Section run(BenchOptions o) {
        List<Shape> shapes = o.quick() ? List.of(new Shape(32, 64, true, true))
                : List.of(new Shape(300, 512, true, true), new Shape(300, 128, false, false),
                        new Shape(500, 128, false, false));
        String only = System.getProperty("fprnn.bench.chunks.shapes");
        if (only != null) { // e.g. "300x512e,300x128": width x batch, e for the Euler and gradient steps
            shapes = new ArrayList<>();
            for (String t : only.split(",")) {
                boolean e = t.endsWith("e");
                String[] nb = t.replace("e", "").split("x");
                shapes.add(new Shape(Integer.parseInt(nb[0]), Integer.parseInt(nb[1]), e, e));
            }
        }
        String rowsProp = System.getProperty("fprnn.bench.chunks.rows", o.quick() ? "16" : "0,64");
        List<Integer> chunkRows = new ArrayList<>();
        for (String t : rowsProp.split(",")) {
            chunkRows.add(Integer.parseInt(t.trim()));
        }
        int eulerSteps = o.quick() ? 50 : P1.EULER_STEPS;
        int before = Blas.get().threads();
        List<String> lines = new ArrayList<>();
        Table table = new Table("N", "B", "work", "chunk rows", "threads", "median", "raw sgemm units",
                "chunked / whole (spread)");
        try {
            for (Shape sh : shapes) {
                measure(o, sh, chunkRows, eulerSteps, table, lines);
            }
        } finally {
            Blas.setThreads(before);
        }
        String explanation = Section.f("""
                Each row: one piece of work at one thread count, with the batch solved whole (chunk rows \
                'whole') or in chunks of about that many consecutive rows (0: the automatic size), timed \
                interleaved with the others of its shape: one call of each per round after a warm-up, each \
                call after %d untimed raw products at its thread count. Float, P1's network shape (784 \
                inputs, 10 outputs, W = 0.5 randn / sqrt(N) from seed 1), uniform random inputs. Solve: \
                P1-converged's forward solve (Anderson, memory 5, mixing 1, to 1e-6, from rest); step: \
                solve, linearized (or gradient) rule with gains 1 - r^2, SGD update; Euler: P1's step (%d \
                Euler steps, alpha 0.01, linearized rule), its units per Euler step. Raw sgemm units: time \
                over the raw B x N by N x N product (fprnn's, on fprnn's threads) at the same thread \
                count, round by round. The last column is the chunked time over the whole batch's, the \
                median of the round-by-round ratios (quartiles or min..max).""", ThreadsBench.WARM_CALLS,
                eulerSteps);
        return Section.of(ID, "Chunked solves against the whole batch", o, explanation, List.of(table),
                List.of(""), null);
    }

    private static void measure(BenchOptions o, Shape sh, List<Integer> chunkRows, int eulerSteps, Table table,
                                List<String> lines) {
        int n = sh.n();
        int b = sh.b();
        FixedPointNetwork net = P1.network(n);
        Batch batch = P1.randomBatch(b, 2, Precision.FLOAT);
        Matrix w = net.params().get("W");
        Runnable warm = ScalingBench.gemmBody(w, b, n);
        int inner = ScalingBench.gemmInner(b, n);
        List<Integer> settings = new ArrayList<>();
        settings.add(SolverConfig.WHOLE_BATCH);
        settings.addAll(chunkRows);
        // for experiments: only some of the work, e.g. "solve,euler" (default: all that the shape times)
        List<String> which = List.of(System.getProperty("fprnn.bench.chunks.work", "solve,linearized,gradient,euler")
                .split(","));
        List<Work> work = new ArrayList<>();
        for (int threads : List.of(1, 2)) {
            work.add(new Work("raw sgemm", threads, ScalingBench.gemmBody(w, b, n), -inner));
            for (int r : settings) {
                SolverConfig fwd = P1.converged().withChunkRows(r);
                EquilibriumSolver solver = new EquilibriumSolver(fwd);
                if (which.contains("solve")) {
                    work.add(new Work("solve", threads, () -> solver.solve(net, batch.x()), 1));
                }
                if (which.contains("linearized")) {
                    work.add(new Work("step linearized", threads, new TrainingStep(net, batch, fwd, "linearized"), 1));
                }
                if (sh.gradient() && which.contains("gradient")) {
                    work.add(new Work("step gradient", threads, new TrainingStep(net, batch, fwd, "gradient",
                            settings(fwd, r)), 1));
                }
                if (sh.euler() && which.contains("euler")) {
                    SolverConfig e = SolverConfig.euler(P1.EULER_ALPHA, eulerSteps, 0).withChunkRows(r);
                    work.add(new Work("Euler step", threads, new TrainingStep(net, batch, e, "linearized"),
                            eulerSteps));
                }
            }
        }
        List<Runnable> bodies = new ArrayList<>();
        for (Work wk : work) {
            bodies.add(ThreadsBench.atThreads(wk.threads(), warm, wk.body()));
        }
        Timer.Plan plan = o.quick() ? new Timer.Plan(0.2, 3, 5.0) : new Timer.Plan(3.0, 9, 150.0);
        Timer.Samples[] t = Timer.interleaved(bodies, plan);
        for (int i = 0; i < work.size(); i++) {
            Work wk = work.get(i);
            if (wk.per() < 0) {
                t[i] = t[i].times(1.0 / -wk.per());
            }
        }
        int perThreads = work.size() / 2;
        int kinds = (perThreads - 1) / settings.size(); // pieces of work per setting
        for (int c = 0; c < 2; c++) {
            int base = c * perThreads;
            Timer.Samples gemm = t[base];
            table.row(n, b, "raw sgemm", "-", work.get(base).threads(), Section.ms(gemm.median()) + " ms", "1.00", "-");
            for (int k = 0; k < kinds; k++) {
                Timer.Samples whole = t[base + 1 + k];
                for (int s = 0; s < settings.size(); s++) {
                    int i = base + 1 + s * kinds + k;
                    Work wk = work.get(i);
                    double units = t[i].median() / gemm.median() / wk.per();
                    String ratio = s == 0 ? "-" : Section.f("%.3f", Timer.median(t[i].over(whole).values())) + " ("
                            + ThreadsBench.spread(t[i], whole, 1, "%.3f") + ")";
                    int r = settings.get(s);
                    table.row(n, b, wk.name(), r == SolverConfig.WHOLE_BATCH ? "whole" : r, wk.threads(),
                            Section.ms(t[i].median()) + " ms", Section.f("%.2f", units), ratio);
                    o.say("chunks: N %d B %d %-16s rows %-6s %d thread(s): %s ms, %.2f sgemm units%s", n, b, wk.name(),
                            r == SolverConfig.WHOLE_BATCH ? "whole" : r, wk.threads(), Section.ms(t[i].median()), units,
                            s == 0 ? "" : ", chunked / whole " + ratio);
                }
            }
        }
    }

    /** P1's rule settings with the adjoint chunked as the forward solve is. */
    private static RuleSettings settings(SolverConfig forward, int chunkRows) {
        RuleSettings s = P1.ruleSettings(forward, TrainingStep.TIMING_LR);
        return new RuleSettings(Loss.CROSS_ENTROPY, GainMode.FROM_RATES, s.adjoint().withChunkRows(chunkRows), forward,
                TrainingStep.TIMING_LR);
    }
}
