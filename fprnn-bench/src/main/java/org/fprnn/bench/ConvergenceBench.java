package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fprnn.diag.Spectra;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Iterations and time for each solver to reach a residual max|r - f(W r + h)| of 1e-6 on MNIST-sized
 * random networks, at the published initial scale and closer to instability, measured in one run.
 */
final class ConvergenceBench {
    record Row(String network, double radius, String solver, int converged, int samples, double medianIterations,
               int maxIterations, double seconds) {
    }

    static List<Row> run(int n, int b, Precision p, int reps) {
        List<Row> rows = new ArrayList<>();
        for (double radius : new double[] {0.5, 0.95}) {
            FixedPointNetwork base = FixedPointNetwork.builder().inputs(784).units(n).outputs(10).precision(p)
                    .seed(11).build();
            DMatrix w = base.params().get("W").toDouble().copy();
            double rho = Spectra.spectralRadius(w);
            for (int i = 0; i < w.data.length; i++) {
                w.data[i] *= radius / rho;
            }
            FixedPointNetwork net = FixedPointNetwork.builder().inputs(784).units(n).outputs(10).precision(p)
                    .seed(11).recurrentWeights(w).build();
            java.util.Random rng = new java.util.Random(12);
            Matrix x = p.zeros(b, 784);
            for (int i = 0; i < x.size(); i++) {
                x.setFlat(i, rng.nextDouble());
            }
            String label = String.format(Locale.ROOT, "random, spectral radius of W %.2f", radius);
            SolverConfig[] configs = {
                SolverConfig.euler(0.01, 20_000, 1e-6),
                SolverConfig.euler(0.5, 20_000, 1e-6),
                SolverConfig.picard(1.0, 20_000, 1e-6),
                SolverConfig.anderson(5, 1.0, 2_000, 1e-6),
                new SolverConfig("broyden", 1e-6, 2_000, 1.0, 8, 1.0),
                SolverConfig.newton(50, 1e-6),
            };
            for (SolverConfig c : configs) {
                EquilibriumSolver s = new EquilibriumSolver(c);
                Equilibrium[] last = new Equilibrium[1];
                double t = Timer.median(() -> last[0] = s.solve(net, x), 1, reps);
                Equilibrium eq = last[0];
                String name = c.method().equals("euler") ? "euler (alpha " + c.alpha() + ")" : c.method();
                rows.add(new Row(label, radius, name, eq.convergedCount(), b, eq.medianIterations(),
                        eq.iterationsMax(), t));
                System.out.printf(Locale.ROOT, "%-38s %-20s converged %d/%d, iterations median %.0f max %d, %.3f s%n",
                        label, name, eq.convergedCount(), b, eq.medianIterations(), eq.iterationsMax(), t);
            }
        }
        return rows;
    }

    static String markdown(List<Row> rows, int n, int b, Precision p, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Solver iterations to a residual of 1e-6\n\n");
        sb.append("Written by `").append(command).append("` on ").append(org.fprnn.diag.Environment.describe())
                .append(".\n\n");
        sb.append(String.format(Locale.ROOT, "N = %d, B = %d MNIST-sized random inputs, tanh, rate dynamics, precision %s,"
                + " from rest; W = 0.5 randn / sqrt(N) rescaled to the spectral radius shown. Iterations are per"
                + " sample (median and max over the batch); time is the median wall time of the whole solve."
                + " Euler with alpha = 0.01 is the published integrator (P1 stops it at 500 steps), here given 20,000 steps;"
                + " in float it can stall above 1e-6 because alpha times the residual falls below the resolution of"
                + " the rates.%n%n",
                n, b, p.name().toLowerCase(Locale.ROOT)));
        sb.append("| network | solver | converged | median iterations | max iterations | seconds |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d/%d | %.0f | %d | %.3f |%n", r.network(), r.solver(),
                    r.converged(), r.samples(), r.medianIterations(), r.maxIterations(), r.seconds()));
        }
        return sb.toString();
    }
}
