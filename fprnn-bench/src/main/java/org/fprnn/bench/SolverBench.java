package org.fprnn.bench;

import java.util.Locale;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Achieved GFLOP/s of one solver iteration against the raw matrix product of the same shape,
 * measured in the same run. One iteration costs one B x N x N product (2 B N^2 flops) plus
 * elementwise work; the fraction says how much of the product's speed the iteration keeps.
 */
final class SolverBench {
    record Row(String solver, int n, int b, double iterSeconds, double gemmSeconds) {
        double gflops(double seconds) {
            return 2.0 * b * n * (double) n / seconds / 1e9;
        }
    }

    static Row run(String solver, int n, int b, Precision p, int iterations, int reps) {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(784).units(n).outputs(10).precision(p).seed(3).build();
        java.util.Random rng = new java.util.Random(4);
        Matrix x = p.zeros(b, 784);
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        // tol = 0: every sample runs all iterations, so the time per iteration is well defined.
        SolverConfig c = solver.equals("euler") ? SolverConfig.euler(0.01, iterations, 0)
                : SolverConfig.anderson(5, 1.0, iterations, 0);
        EquilibriumSolver s = new EquilibriumSolver(c);
        double t = Timer.median(() -> s.solve(net, x), 2, reps) / iterations;
        Matrix r = p.zeros(b, n);
        Matrix z = p.zeros(b, n);
        Matrix w = net.params().get("W");
        double tg = Timer.median(() -> {
            for (int k = 0; k < iterations; k++) {
                Ops.gemm(false, true, 1, r, w, 1, z);
            }
        }, 2, reps) / iterations;
        Row row = new Row(solver, n, b, t, tg);
        System.out.printf(Locale.ROOT, "%-9s N=%-5d B=%-5d iteration %.3f ms = %.1f GFLOP/s; raw product %.3f ms = %.1f GFLOP/s;"
                + " fraction %.0f%%%n", solver, n, b, t * 1e3, row.gflops(t), tg * 1e3, row.gflops(tg), 100 * tg / t);
        return row;
    }

    static String markdown(java.util.List<Row> rows, Precision p, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Solver iteration speed against the raw matrix product\n\n");
        sb.append("Written by `").append(command).append("` on ").append(org.fprnn.diag.Environment.describe()).append(".\n\n");
        sb.append("Precision ").append(p.name().toLowerCase(Locale.ROOT)).append("; rate dynamics, tanh, from rest with"
                + " tolerance 0 so that every sample runs every iteration; median time per iteration. GFLOP/s counts"
                + " 2 B N^2 flops per iteration (the product; elementwise work is not counted). The raw product is"
                + " the same B x N times N x N product alone, measured in the same run.\n\n");
        sb.append("| solver | N | B | ms / iteration | GFLOP/s | raw product ms | raw GFLOP/s | fraction |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.1f | %.3f | %.1f | %.0f%% |%n", r.solver(), r.n(),
                    r.b(), r.iterSeconds() * 1e3, r.gflops(r.iterSeconds()), r.gemmSeconds() * 1e3,
                    r.gflops(r.gemmSeconds()), 100 * r.gemmSeconds() / r.iterSeconds()));
        }
        return sb.toString();
    }
}
