package org.fprnn.bench;

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
 * random networks, at the published initial scale and closer to instability, measured in one run;
 * the ratio is against picard (the plain fixed-point iteration) on the same network.
 */
final class ConvergenceBench {
    static final String ID = "convergence";

    private ConvergenceBench() {
    }

    static Section run(BenchOptions o) {
        Precision p = Precision.FLOAT;
        int n = o.quick() ? 32 : P1.UNITS;
        int b = o.quick() ? 16 : P1.BATCH;
        int eulerMax = o.quick() ? 1000 : 20_000;
        Timer.Plan plan = o.timing().withReps(o.quick() ? 1 : 3);
        Table table = new Table("network", "solver", "converged", "median iterations", "max iterations", "seconds",
                "time / picard");
        for (double radius : new double[] {0.5, 0.95}) {
            FixedPointNetwork base = P1.network(n, p, 11);
            DMatrix w = base.params().get("W").toDouble().copy();
            double rho = Spectra.spectralRadius(w);
            for (int i = 0; i < w.data.length; i++) {
                w.data[i] *= radius / rho;
            }
            // W given, so U and R are the seed's first draws (not those after W): a network NetworkSpec does
            // not describe, built as before so that the results stay comparable.
            FixedPointNetwork net = FixedPointNetwork.builder().inputs(P1.INPUTS).units(n).outputs(P1.OUTPUTS)
                    .precision(p).seed(11).recurrentWeights(w).build();
            java.util.Random rng = new java.util.Random(12);
            Matrix x = p.zeros(b, P1.INPUTS);
            for (int i = 0; i < x.size(); i++) {
                x.setFlat(i, rng.nextDouble());
            }
            String label = Section.f("random, spectral radius of W %.2f", radius);
            SolverConfig picard = SolverConfig.picard(1.0, 20_000, 1e-6);
            SolverConfig[] configs = {
                picard,
                SolverConfig.euler(0.01, eulerMax, 1e-6),
                SolverConfig.euler(0.5, 20_000, 1e-6),
                SolverConfig.anderson(5, 1.0, 2_000, 1e-6),
                new SolverConfig("broyden", 1e-6, 2_000, 1.0, 8, 1.0),
                SolverConfig.newton(50, 1e-6),
            };
            double tPicard = Double.NaN;
            for (SolverConfig c : configs) {
                EquilibriumSolver s = new EquilibriumSolver(c);
                Equilibrium[] last = new Equilibrium[1];
                double t = Timer.median(() -> last[0] = s.solve(net, x), plan);
                if (c == picard) {
                    tPicard = t;
                }
                Equilibrium eq = last[0];
                String name = c.method().equals("euler") ? "euler (alpha " + c.alpha() + ")" : c.method();
                table.row(label, name, eq.convergedCount() + "/" + b, Section.f("%.0f", eq.medianIterations()),
                        eq.iterationsMax(), Section.sec(t), Section.ratio(t / tPicard));
                o.say("convergence: %-36s %-20s converged %d/%d, iterations median %.0f max %d, %s s", label, name,
                        eq.convergedCount(), b, eq.medianIterations(), eq.iterationsMax(), Section.sec(t));
            }
        }
        String explanation = Section.f("""
                N = %d, B = %d MNIST-sized random inputs (uniform in [0, 1]), tanh, rate dynamics, precision float, \
                from rest; W = 0.5 randn / sqrt(N) rescaled to the spectral radius shown. 'converged' counts \
                samples at max|r - f(W r + h)| <= 1e-6; iterations are per sample (median and max over the \
                batch); time is the median wall time of the whole solve, and 'time / picard' is over the plain \
                fixed-point iteration r <- f(W r + h) on the same network in the same run. Euler with \
                alpha = 0.01 is the published integrator (P1 stops it at 500 steps), here given %,d steps; in \
                float it can stall above 1e-6 because alpha times the residual falls below the resolution of \
                the rates. The solver benchmark above repeats this on trained P1 networks.""", n, b, eulerMax);
        return Section.of(ID, "Solver iterations to a residual of 1e-6 on random networks", o, explanation, table, null);
    }
}
