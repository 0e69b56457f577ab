package org.fprnn.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.SolverConfig;

/**
 * Time per training step with 1 BLAS thread against 2 (and all cores, when there are more), and
 * the speed-up, for P1's and P1-converged's steps and for the raw matrix product of the same shape.
 */
final class ThreadsBench {
    static final String ID = "threads";

    private ThreadsBench() {
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
        FixedPointNetwork net = P1.network(n);
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
        Map<String, Runnable> work = new LinkedHashMap<>();
        work.put("P1-converged step (anderson to 1e-6, linearized)", new TrainingStep(net, batch, P1.converged(), "linearized"));
        work.put("P1-converged step (anderson to 1e-6, gradient)", new TrainingStep(net, batch, P1.converged(), "gradient"));
        work.put(Section.f("P1 step (euler, %d steps, linearized)", eulerSteps),
                new TrainingStep(net, batch, SolverConfig.euler(P1.EULER_ALPHA, eulerSteps, 0), "linearized"));
        List<String> headers = new ArrayList<>(List.of("work"));
        for (int t : counts) {
            headers.add(t == 1 ? "1 thread" : t + " threads");
        }
        for (int t : counts.subList(1, counts.size())) {
            headers.add("speed-up, " + t + " threads");
        }
        Table table = new Table(headers.toArray(String[]::new));
        Timer.Plan plan = o.timing();
        try {
            for (var e : work.entrySet()) {
                addRow(table, o, e.getKey(), e.getValue(), counts, plan);
            }
            Matrix w = net.params().get("W");
            double[] gemm = new double[counts.size()];
            for (int i = 0; i < counts.size(); i++) {
                Blas.setThreads(counts.get(i));
                gemm[i] = ScalingBench.gemmSeconds(w, b, n, plan);
            }
            addRow(table, o, Section.f("raw sgemm %d x %d by %d x %d", b, n, n, n), gemm);
        } finally {
            Blas.setThreads(before);
        }
        String explanation = Section.f("""
                Median wall time of one training step on a fixed batch (N = %d, B = %d, float, P1's network from \
                seed 1, uniform random inputs, SGD update included) with the BLAS thread count set to each value \
                in turn (Blas.setThreads: OpenBLAS's own threads; the pure-Java product splits into as many row \
                blocks), and of the bare B x N by N x N product. Speed-up = time with 1 thread / time with more, \
                in this run. Only the matrix products are threaded; the elementwise work, Anderson's per-sample \
                mixing and the rules' elementwise steps run on one thread, which bounds the speed-up of a step. \
                The thread count in effect before the benchmark (%d) is restored after it.""", n, b, before);
        return Section.of(ID, "BLAS threads: 1 against 2", o, explanation, table, null);
    }

    private static void addRow(Table table, BenchOptions o, String name, Runnable body, List<Integer> counts,
                               Timer.Plan plan) {
        double[] t = new double[counts.size()];
        for (int i = 0; i < counts.size(); i++) {
            Blas.setThreads(counts.get(i));
            t[i] = Timer.median(body, plan);
        }
        addRow(table, o, name, t);
    }

    private static void addRow(Table table, BenchOptions o, String name, double[] t) {
        List<Object> cells = new ArrayList<>();
        cells.add(name);
        for (double v : t) {
            cells.add(v < 0.1 ? Section.ms(v) + " ms" : Section.sec(v) + " s");
        }
        for (int i = 1; i < t.length; i++) {
            cells.add(Section.ratio(t[0] / t[i]));
        }
        table.row(cells.toArray());
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < cells.size(); i++) {
            sb.append(i == 1 ? "" : ", ").append(cells.get(i));
        }
        o.say("threads: %-50s %s", name, sb);
    }
}
