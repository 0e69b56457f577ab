package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Each batched rule (MATH 3.6) against the naive per-sample forms of the same formula, measured in
 * the same run: the matrix form with per-sample N x N matrices (O(B N^3), as the published code
 * computes it) and the per-sample matrix-vector form (O(B N^2), no matrix-matrix products).
 */
final class RuleBench {
    record Row(String rule, int n, int b, double batched, double naiveMatrix, double naiveVector, double relDiff) {
    }

    static List<Row> run(int n, int b, Precision p, List<String> rules, int reps) {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(784).units(n).outputs(10).precision(p).seed(7).build();
        java.util.Random rng = new java.util.Random(8);
        Matrix x = p.zeros(b, 784);
        int[] y = new int[b];
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(10);
        }
        Batch batch = Batch.labelled(x, y);
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 200, 1e-5);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, x);
        // Inputs of the naive forms: e = R^T eps and g = f'(z), as the rules compute them.
        Matrix yhat = p.zeros(b, 10);
        net.readout(eq.rates(), yhat);
        Matrix eps = yhat.zerosLike();
        Loss.CROSS_ENTROPY.evaluate(yhat, batch, eps, null);
        Matrix e = p.zeros(b, n);
        Ops.gemm(false, false, 1, eps, net.params().get("R"), 0, e);
        Matrix g = p.zeros(b, n);
        net.nonlinearity().derivative(eq.z(), g);
        NaiveRules naive = new NaiveRules(n, e);
        Matrix w = net.params().get("W");
        Matrix dMat = p.zeros(n, n);
        Matrix dVec = p.zeros(n, n);
        List<Row> rows = new ArrayList<>();
        for (String name : rules) {
            Rule rule = Rules.create(name, RuleSettings.of(Loss.CROSS_ENTROPY, fwd));
            double tb = Timer.median(() -> rule.compute(net, batch, eq), 10, Math.max(reps, 7));
            Matrix dBatched = rule.compute(net, batch, eq).directions().get("W").copy();
            double tm;
            double tv = Double.NaN;
            boolean alt = name.equals("linearized_alt");
            if (name.equals("gradient")) {
                tm = Timer.median(() -> naive.gradientMatrixForm(w, eq.rates(), e, g, dMat), 1, reps);
            } else {
                tm = Timer.median(() -> naive.matrixForm(w, eq.rates(), e, g, alt, dMat), 1, reps);
                tv = Timer.median(() -> naive.vectorForm(w, eq.rates(), e, g, alt, dVec), 1, reps);
            }
            Matrix diff = dMat.copy();
            Ops.sub(dBatched, dMat, diff);
            rows.add(new Row(name, n, b, tb, tm, tv, Ops.norm(diff) / Ops.norm(dMat)));
            System.out.printf(Locale.ROOT, "%-15s N=%-5d B=%-5d batched %9.3f ms  naive matrix %10.1f ms (x%.0f)"
                            + "  naive vector %s  rel diff %.1e%n", name, n, b, tb * 1e3, tm * 1e3, tm / tb,
                    Double.isNaN(tv) ? "-" : String.format(Locale.ROOT, "%.1f ms (x%.1f)", tv * 1e3, tv / tb),
                    rows.getLast().relDiff());
        }
        return rows;
    }

    static String markdown(List<Row> rows, Precision p, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Batched rules against naive per-sample forms\n\n");
        sb.append("Written by `").append(command).append("` on ").append(org.fprnn.diag.Environment.describe()).append(".\n\n");
        sb.append("Precision ").append(p.name().toLowerCase(Locale.ROOT)).append("; median wall time of one direction"
                + " (N x N recurrent weights, the read-out step included in the batched time). 'naive matrix' forms"
                + " per-sample N x N matrices as the formulas read (the gradient's naive form solves a dense"
                + " N x N system per sample, as the published code inverts); 'naive vector' is the per-sample"
                + " matrix-vector form. Speed-up = naive time / batched time, both measured in this run."
                + " 'rel diff' is ||D_batched - D_naive|| / ||D_naive||.\n\n");
        sb.append("| rule | N | B | batched (ms) | naive matrix (ms) | speed-up | naive vector (ms) | speed-up | rel diff |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.1f | %.0f | %s | %s | %.1e |%n", r.rule(), r.n(),
                    r.b(), r.batched() * 1e3, r.naiveMatrix() * 1e3, r.naiveMatrix() / r.batched(),
                    Double.isNaN(r.naiveVector()) ? "-" : String.format(Locale.ROOT, "%.1f", r.naiveVector() * 1e3),
                    Double.isNaN(r.naiveVector()) ? "-" : String.format(Locale.ROOT, "%.1f", r.naiveVector() / r.batched()),
                    r.relDiff()));
        }
        return sb.toString();
    }
}
