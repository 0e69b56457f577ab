package org.fprnn.bench;

import java.util.Arrays;
import java.util.List;
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
 * Each batched rule (MATH 3.6) against the naive per-sample forms of the same formula
 * ({@link NaiveRules}), measured in the same run: the matrix form with per-sample N x N matrices
 * (O(B N^3), as the published code computes it) and the per-sample matrix-vector form (O(B N^2), no
 * matrix-matrix products). A naive form too slow for the whole batch is timed on its first k samples
 * and scaled by B / k; its agreement is then checked against the batched rule on the same k samples.
 */
final class RuleBench {
    static final String ID = "rules";
    static final List<String> RULES = List.of("linearized", "linearized_alt", "gradient", "bptt");

    private RuleBench() {
    }

    /**
     * Seconds of untimed calls of each rule before the table: in a fresh process the gradient's refined
     * adjoint took some 3 s of calls to settle (at N = 100, B = 128, medians of 20 calls fell from 51 ms
     * to 2.3 ms), longer than a cell's own warm-up, and the first cell showed that.
     */
    static final double WARM_UP_SECONDS = 4.0;

    /** Calls every rule's batched form for {@code seconds} each on a network of n units and a batch of b. */
    private static void warmUp(int n, int b, double bpttAlpha, int bpttSteps, double seconds) {
        FixedPointNetwork net = P1.network(n, Precision.FLOAT, 7);
        Batch batch = P1.randomBatch(b, 8, Precision.FLOAT);
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 300, 1e-6);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
        for (String name : RULES) {
            SolverConfig ruleFwd = name.equals("bptt") ? SolverConfig.euler(bpttAlpha, bpttSteps, 0) : fwd;
            Rule rule = Rules.create(name, RuleSettings.of(Loss.CROSS_ENTROPY, ruleFwd));
            Timer.repeatFor(() -> rule.compute(net, batch, eq), seconds);
        }
    }

    /** A naive form's time for the whole batch, measured on {@code timed} of its {@code of} samples. */
    record Naive(double seconds, int timed, int of) {
        String cell() {
            return timed < of ? Section.ms(seconds) + " (" + timed + " of " + of + " timed)" : Section.ms(seconds);
        }
    }

    /** A naive form over samples from..to-1 into its output. */
    @FunctionalInterface
    interface RangeForm {
        void run(int from, int to);
    }

    static Section run(BenchOptions o) {
        Precision p = Precision.FLOAT;
        int[] ns = o.quick() ? new int[] {16, 32} : new int[] {100, 300, 1000};
        int[] bs = o.quick() ? new int[] {8, 16} : new int[] {128, 512};
        int bpttSteps = o.quick() ? 5 : 100;
        double bpttAlpha = P1.EULER_ALPHA;
        double naiveBudget = o.quick() ? 0.002 : 1.5;
        Timer.Plan batchedPlan = o.timing();
        Timer.Plan naivePlan = new Timer.Plan(0, o.quick() ? 1 : 3, o.quick() ? 0.5 : 3 * naiveBudget);
        Table table = new Table("rule", "N", "B", "batched (ms)", "naive matrix (ms)", "speed-up", "naive vector (ms)",
                "speed-up", "rel diff");
        double warmSeconds = o.quick() ? 0.1 : WARM_UP_SECONDS;
        warmUp(ns[0], bs[0], bpttAlpha, bpttSteps, warmSeconds);
        for (int n : ns) {
            for (int b : bs) {
                FixedPointNetwork net = P1.network(n, p, 7);
                Batch batch = P1.randomBatch(b, 8, p);
                SolverConfig fwd = SolverConfig.anderson(5, 1.0, 300, 1e-6);
                Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
                // Inputs of the naive forms: e = R^T eps and g = f'(z), as the rules compute them.
                Matrix yhat = p.zeros(b, P1.OUTPUTS);
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
                for (String name : RULES) {
                    boolean bptt = name.equals("bptt");
                    SolverConfig ruleFwd = bptt ? SolverConfig.euler(bpttAlpha, bpttSteps, 0) : fwd;
                    Rule rule = Rules.create(name, RuleSettings.of(Loss.CROSS_ENTROPY, ruleFwd));
                    double tb = Timer.median(() -> rule.compute(net, batch, eq), batchedPlan);
                    boolean alt = name.equals("linearized_alt");
                    RangeForm matrixForm = switch (name) {
                        case "gradient" -> (from, to) -> naive.gradientMatrixForm(w, eq.rates(), e, g, from, to, dMat);
                        case "bptt" -> null;
                        default -> (from, to) -> naive.matrixForm(w, eq.rates(), e, g, alt, from, to, dMat);
                    };
                    RangeForm vectorForm = switch (name) {
                        case "gradient" -> null;
                        case "bptt" -> (from, to) -> naive.bpttVectorForm(net, batch, eq.h(), Loss.CROSS_ENTROPY,
                                bpttAlpha, bpttSteps, from, to, dVec);
                        default -> (from, to) -> naive.vectorForm(w, eq.rates(), e, g, alt, from, to, dVec);
                    };
                    Naive nm = matrixForm == null ? null : time(matrixForm, b, naiveBudget, naivePlan);
                    Naive nv = vectorForm == null ? null : time(vectorForm, b, naiveBudget, naivePlan);
                    // Agreement of the matrix form (bptt: the vector form), whose output holds its last
                    // timed range, with the batched rule on the same samples.
                    Naive checked = nm != null ? nm : nv;
                    Matrix naiveOut = nm != null ? dMat : dVec;
                    int k = checked.timed();
                    Matrix dBatched = k == b ? rule.compute(net, batch, eq).directions().get("W").copy()
                            : rule.compute(net, batch.slice(0, k), firstRows(eq, k)).directions().get("W").copy();
                    Matrix diff = dBatched.copy();
                    Ops.sub(dBatched, naiveOut, diff);
                    double rel = Ops.norm(diff) / Ops.norm(naiveOut);
                    table.row(name, n, b, Section.ms(tb), nm == null ? "-" : nm.cell(),
                            nm == null ? "-" : Section.ratio(nm.seconds() / tb), nv == null ? "-" : nv.cell(),
                            nv == null ? "-" : Section.ratio(nv.seconds() / tb), Section.f("%.1e", rel));
                    o.say("rules: %-14s N=%-5d B=%-4d batched %s ms; naive matrix %s; naive vector %s; rel diff %.1e", name,
                            n, b, Section.ms(tb), nm == null ? "-" : nm.cell() + " ms", nv == null ? "-" : nv.cell() + " ms", rel);
                }
            }
        }
        String explanation = Section.f("""
                Precision float; random network W = 0.5 randn / sqrt(N) with the MNIST read-in and read-out shapes \
                (784 inputs, 10 outputs), uniform random inputs and labels, the state from Anderson to 1e-6. Median \
                wall time of one direction (the read-out step included in the batched time), after %s s of \
                untimed calls of each rule at N = %d, B = %d (the JIT's warm-up); the gradient's adjoint is \
                solved to 1e-8 (float solves refined with residuals in double), and bptt unrolls %d Euler \
                steps of alpha %s (P1 unrolls 500; bptt's time grows linearly with the steps). 'naive matrix' forms per-sample N x N matrices as \
                the formulas read (the gradient's naive form solves a dense N x N system per sample by LU in \
                double, as the published code inverts); 'naive vector' is the per-sample matrix-vector form \
                (for bptt: the unroll and its reverse pass one sample at a time). Speed-up = naive time / batched \
                time, both measured in this run. '(k of B timed)': the naive form was timed on the first k samples \
                only and its time scaled by B / k (each sample costs the same). 'rel diff' is \
                ||D_batched - D_naive|| / ||D_naive|| for D_W against the matrix form (bptt: the vector form), on \
                the samples it ran.""", Section.sec(warmSeconds), ns[0], bs[0], bpttSteps, bpttAlpha);
        return Section.of(ID, "Batched rules against naive per-sample forms", o, explanation, table, null);
    }

    /**
     * Times a naive form on the whole batch, or on its first k samples scaled by B / k when the whole
     * batch would take longer than {@code budget} seconds (estimated from one sample, run twice).
     */
    static Naive time(RangeForm form, int b, double budget, Timer.Plan plan) {
        form.run(0, 1);
        double one = Timer.once(() -> form.run(0, 1));
        int k = (int) Math.max(1, Math.min(b, Math.floor(budget / Math.max(one, 1e-9))));
        double t = Timer.median(() -> form.run(0, k), plan);
        return new Naive(t * b / k, k, b);
    }

    /** The first k samples of an equilibrium. */
    static Equilibrium firstRows(Equilibrium eq, int k) {
        int[] it = Arrays.copyOf(eq.iterations(), k);
        return new Equilibrium(rows(eq.rates(), k), rows(eq.z(), k), rows(eq.recurrentInput(), k), rows(eq.h(), k),
                rows(eq.state(), k),
                Arrays.copyOf(eq.residual(), k), Arrays.copyOf(eq.converged(), k), it, Arrays.stream(it).max().orElse(0));
    }

    private static Matrix rows(Matrix m, int k) {
        Matrix out = m.like(k, m.cols);
        for (int i = 0; i < k; i++) {
            out.copyRow(m, i, i);
        }
        return out;
    }
}
