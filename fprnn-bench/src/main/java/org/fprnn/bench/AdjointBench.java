package org.fprnn.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.MeanGainPreconditioner;

/**
 * The gradient rule with its float adjoint rounds preconditioned by the batch's mean gains
 * ({@link MeanGainPreconditioner}) against the same rule without it, on the untrained and the trained
 * P1 networks, at each network's equilibrium for MNIST test images: adjoint iterations, the rule's time
 * (interleaved), and how far the two D_W lie apart.
 */
final class AdjointBench {
    static final String ID = "adjoint";

    private AdjointBench() {
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) throws IOException {
        BenchData d = data.get();
        int b = o.quick() ? 48 : P1.BATCH; // 48 samples for N = 300 still turn the preconditioner on
        Batch batch = BenchData.first(d.test(), b);
        List<SolverBench.Named> nets = new ArrayList<>();
        nets.add(new SolverBench.Named("P1 network at start (untrained, seed 1)", P1.network(P1.UNITS)));
        String source = SolverBench.trainedNetworks(o, d, nets);
        RuleSettings on = P1.ruleSettings(P1.converged(), TrainingStep.TIMING_LR);
        RuleSettings off = on.withMeanGainPreconditioner(false);
        Timer.Plan plan = o.quick() ? new Timer.Plan(0.2, 3, 5.0) : new Timer.Plan(2.0, 15, 60.0);
        Table table = new Table("network", "adjoint iterations, plain: median / max", "with the preconditioner:"
                + " median / max", "rule, plain", "rule, preconditioned", "speed-up", "all converged (plain,"
                + " preconditioned)", "D_W, relative difference");
        for (SolverBench.Named nn : nets) {
            Equilibrium eq = new EquilibriumSolver(P1.converged()).solve(nn.net(), batch.x()).copy();
            Rule plain = Rules.create("gradient", off);
            Rule preconditioned = Rules.create("gradient", on);
            RuleResult[] last = new RuleResult[2];
            Timer.Samples[] t = Timer.interleaved(List.of(
                    () -> last[0] = plain.compute(nn.net(), batch, eq),
                    () -> last[1] = preconditioned.compute(nn.net(), batch, eq)), plan);
            double[] spread = t[0].ratioSpread(t[1]);
            table.row(nn.label(), iterations(last[0]), iterations(last[1]), Section.sec(t[0].median()),
                    Section.sec(t[1].median()), Section.f("%s (%s..%s)", Section.ratio(t[0].median() / t[1].median()),
                            Section.ratio(spread[0]), Section.ratio(spread[1])),
                    last[0].adjoint().allConverged() + ", " + last[1].adjoint().allConverged(),
                    Section.f("%.1e", Ops.relativeDifference(last[0].directions().get("W"),
                            last[1].directions().get("W"))));
            o.say("adjoint: %s: iterations %s against %s, rule %s s against %s s", nn.label(), iterations(last[0]),
                    iterations(last[1]), Section.sec(t[0].median()), Section.sec(t[1].median()));
        }
        String explanation = Section.f("""
                The gradient rule (MATH section 3.1) on the first %d images of the %s test set, at each \
                network's equilibrium from P1-converged's forward solve (Anderson to 1e-6); P1's tanh network \
                (N = 300, float, gains 1 - r^2), the adjoint refined to relative residual 1e-8 by float \
                rounds with residuals in double. 'plain': the float rounds on the adjoint equation itself \
                (rule.adjoint_preconditioner = "none"); 'preconditioned': on its mean-gain form, \
                lambda = e + (mean g * e + (g_i - mean g) * lambda) Q with Q = W (I - diag(mean g) W)^{-1}, \
                from one float Gauss-Jordan solve per call (MeanGainPreconditioner; the default where the batch has at \
                least one sample per 8 units). Iterations are the float iterations per sample over all \
                rounds (median and max over the batch). The two rules are timed interleaved, one call of \
                each per round after a warm-up (%s); speed-up = plain / preconditioned, with the spread of \
                the round-by-round ratios. The last column is ||D_W plain - D_W preconditioned|| / \
                ||D_W plain||: both meet the same tolerance, so they agree to about its size. Networks: %s""",
                b, d.description(), Timer.Samples.spreadNote(plan.reps()), source);
        return Section.of(ID, "The gradient rule's adjoint with and without the mean-gain preconditioner", o,
                explanation, table, null);
    }

    private static String iterations(RuleResult r) {
        int[] it = r.adjoint().iterations().clone();
        Arrays.sort(it);
        return it[it.length / 2] + " / " + it[it.length - 1];
    }
}
