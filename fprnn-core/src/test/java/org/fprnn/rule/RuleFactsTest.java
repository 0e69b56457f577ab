package org.fprnn.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** MATH section 6, facts 1, 2, 4, 5 and 7, in double precision. Fact 3 is in LinearizedDescentPropertiesTest. */
class RuleFactsTest {
    private static final SolverConfig TIGHT = SolverConfig.newton(100, 1e-14);
    private static final SolverConfig TIGHT_ADJOINT = SolverConfig.newton(100, 1e-14);

    private static double meanLoss(FixedPointNetwork net, Batch batch, Loss loss) {
        Equilibrium eq = new EquilibriumSolver(TIGHT).solve(net, batch.x());
        assertEquals(batch.size(), eq.convergedCount());
        Matrix yhat = eq.rates().like(batch.size(), net.outputs());
        net.readout(eq.rates(), yhat);
        return loss.evaluate(yhat, batch, null, null);
    }

    /** Central finite differences of the mean loss for every entry of every trained parameter. */
    private static Params finiteDifferences(FixedPointNetwork net, Batch batch, Loss loss, double step) {
        return TestNets.centralDifferences(net.params(), net.trained(), () -> meanLoss(net, batch, loss), step);
    }

    private static double relErr(Params a, Params b) {
        return TestNets.relErr(a, b);
    }

    private static RuleSettings settings(Loss loss, SolverConfig fwd) {
        return RuleSettings.of(loss, fwd).withAdjoint(TIGHT_ADJOINT);
    }

    /** Fact 1: the gradient rule equals central finite differences at the fixed point. */
    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void gradientEqualsFiniteDifferences(Dynamics dyn) {
        for (Loss loss : Loss.values()) {
            FixedPointNetwork net = TestNets.tanhNet(4, 6, 3, 0.8, dyn, 21);
            Batch batch = loss == Loss.MSE ? TestNets.regression(5, 4, 3, 1.0, 0.5, 22)
                    : TestNets.labelled(5, 4, 3, 1.0, 22);
            Equilibrium eq = new EquilibriumSolver(TIGHT).solve(net, batch.x());
            RuleResult res = Rules.create("gradient", settings(loss, TIGHT)).compute(net, batch, eq);
            assertTrue(res.adjoint().allConverged());
            Params fd = finiteDifferences(net, batch, loss, 1e-5);
            double err = relErr(res.directions(), fd);
            assertTrue(err < 1e-6, dyn + " " + loss + ": relative error " + err);
            assertEquals(meanLoss(net, batch, loss), res.loss(), 1e-13);
        }
    }

    /** Fact 1, second half: bptt through a long, converged unroll equals the gradient. */
    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void bpttThroughConvergedUnrollEqualsGradient(Dynamics dyn) {
        FixedPointNetwork net = TestNets.tanhNet(4, 6, 3, 0.8, dyn, 31);
        Batch batch = TestNets.labelled(5, 4, 3, 1.0, 32);
        SolverConfig unroll = SolverConfig.euler(0.5, 400, 0);
        Equilibrium eq = new EquilibriumSolver(unroll).solve(net, batch.x());
        assertTrue(eq.maxResidual() < 1e-14, "unroll not converged: " + eq.maxResidual());
        RuleResult bptt = Rules.create("bptt", settings(Loss.CROSS_ENTROPY, unroll)).compute(net, batch, eq);
        Params bpttDirs = bptt.directions().copy();
        Equilibrium exact = new EquilibriumSolver(TIGHT).solve(net, batch.x());
        RuleResult grad = Rules.create("gradient", settings(Loss.CROSS_ENTROPY, TIGHT)).compute(net, batch, exact);
        double err = relErr(bpttDirs, grad.directions());
        assertTrue(err < 1e-6, dyn + ": bptt vs gradient " + err);
    }

    /** bptt is the exact gradient of the loss after a short, unconverged unroll. */
    @ParameterizedTest
    @EnumSource(Dynamics.class)
    void bpttEqualsFiniteDifferencesOfShortUnroll(Dynamics dyn) {
        FixedPointNetwork net = TestNets.tanhNet(3, 5, 2, 0.9, dyn, 41);
        Batch batch = TestNets.regression(4, 3, 2, 1.0, 0.5, 42);
        SolverConfig unroll = SolverConfig.euler(0.3, 7, 0);
        EquilibriumSolver fwd = new EquilibriumSolver(unroll);
        Rule bptt = Rules.create("bptt", settings(Loss.MSE, unroll));
        Params dirs = bptt.compute(net, batch, fwd.solve(net, batch.x())).directions().copy();
        Params fd = TestNets.centralDifferences(net.params(), net.trained(), () -> unrolledLoss(net, batch, fwd), 1e-6);
        double err = relErr(dirs, fd);
        assertTrue(err < 1e-7, dyn + ": bptt vs finite differences of the unroll " + err);
    }

    private static double unrolledLoss(FixedPointNetwork net, Batch batch, EquilibriumSolver fwd) {
        Equilibrium eq = fwd.solve(net, batch.x());
        Matrix yhat = eq.rates().like(batch.size(), net.outputs());
        net.readout(eq.rates(), yhat);
        return Loss.MSE.evaluate(yhat, batch, null, null);
    }

    /** Fact 2: the batched linearized rules equal the per-sample matrix formulas to round-off. */
    @Test
    void batchedLinearizedEqualsPerSampleMatrixFormulas() {
        for (String rule : new String[] {"linearized", "linearized_alt"}) {
            boolean alt = rule.endsWith("alt");
            for (GainMode gm : GainMode.values()) {
                FixedPointNetwork net = TestNets.tanhNet(5, 9, 4, 0.9, Dynamics.RATE, 51);
                Batch batch = TestNets.labelled(7, 5, 4, 1.0, 52);
                // An unconverged state, so that f'(z) and 1 - r^2 differ.
                Equilibrium eq = new EquilibriumSolver(SolverConfig.euler(0.1, 20, 0)).solve(net, batch.x());
                RuleResult res = Rules.create(rule, settings(Loss.CROSS_ENTROPY, TIGHT).withGains(gm))
                        .compute(net, batch, eq);
                // Reference quantities computed here independently of the rule.
                Matrix yhat = new DMatrix(7, 4);
                net.readout(eq.rates(), yhat);
                Matrix eps = yhat.zerosLike();
                Loss.CROSS_ENTROPY.evaluate(yhat, batch, eps, null);
                Matrix e = new DMatrix(7, 9);
                Ops.gemm(false, false, 1, eps, net.params().get("R"), 0, e);
                Matrix g = new DMatrix(7, 9);
                for (int i = 0; i < g.size(); i++) {
                    double r = eq.rates().getFlat(i);
                    double t = Math.tanh(eq.z().getFlat(i));
                    g.setFlat(i, gm == GainMode.FROM_RATES ? 1 - r * r : 1 - t * t);
                }
                Matrix dm = perSampleMatrixFormula(net.params().get("W"), eq.rates(), e, g, alt);
                assertTrue(TestNets.relErr(res.directions().get("W"), dm) < 1e-13, rule + " " + gm);
                // Read-in and bias from the same a_i: D_U = mean a_i x_i^T, D_b = mean a_i.
                Matrix a = new DMatrix(7, 9);
                for (int s = 0; s < 7; s++) {
                    for (int i = 0; i < 9; i++) {
                        double v = alt ? e.get(s, i) : g.get(s, i) * e.get(s, i);
                        double wx = 0;
                        for (int j = 0; j < 9; j++) {
                            double xj = alt ? e.get(s, j) : g.get(s, j) * e.get(s, j);
                            wx += net.params().get("W").get(i, j) * g.get(s, j) * xj;
                        }
                        a.set(s, i, v - wx);
                    }
                }
                Matrix du = new DMatrix(9, 5);
                Ops.gemm(true, false, 1.0 / 7, a, batch.x(), 0, du);
                assertTrue(TestNets.relErr(res.directions().get("U"), du) < 1e-13, rule + " U");
                Matrix db = new DMatrix(1, 9);
                Ops.columnSums(1.0 / 7, a, db);
                assertTrue(TestNets.relErr(res.directions().get("b"), db) < 1e-13, rule + " b");
            }
        }
    }

    /**
     * D_W = mean_i a_i b_i^T exactly as MATH 3.4 and 3.5 read, with per-sample N x N matrices in
     * plain loops: M_i = I - G_i W (linearized) or I - W G_i (linearized_alt), P_i = I - W G_i,
     * T_i = M_i^T M_i, a_i = P_i G_i e_i (linearized) or P_i e_i (alt), b_i = T_i r_i. (fprnn-bench's
     * NaiveRules holds the benchmark baselines; this reference is kept independent of them.)
     */
    private static DMatrix perSampleMatrixFormula(Matrix w, Matrix r, Matrix e, Matrix g, boolean alt) {
        int b = r.rows;
        int n = w.rows;
        DMatrix out = new DMatrix(n, n);
        double[][] p = new double[n][n];
        double[][] m = new double[n][n];
        for (int s = 0; s < b; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double id = i == j ? 1 : 0;
                    p[i][j] = id - w.get(i, j) * g.get(s, j);
                    m[i][j] = alt ? p[i][j] : id - g.get(s, i) * w.get(i, j);
                }
            }
            double[] a = new double[n];
            double[] bv = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i] += p[i][j] * (alt ? e.get(s, j) : g.get(s, j) * e.get(s, j));
                    double tij = 0;
                    for (int k = 0; k < n; k++) {
                        tij += m[k][i] * m[k][j];
                    }
                    bv[i] += tij * r.get(s, j);
                }
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out.data[i * n + j] += a[i] * bv[j] / b;
                }
            }
        }
        return out;
    }

    /** Fact 4: reparam moves A along -lr grad_A, and its direction approaches linearized linearly in lr. */
    @Test
    void reparamStepIsAStraightLineInA() {
        int n = 8;
        Random rng = new Random(61);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(n).units(n).outputs(n)
                .nonlinearity(new Nonlinearity.Linear(1.0)).recurrentScale(0.6).seed(62)
                .inputWeights(identity(n)).readoutWeights(identity(n)).build();
        Batch batch = Batch.regression(TestNets.randn(6, n, 0.5, rng), TestNets.randn(6, n, 0.5, rng));
        SolverConfig direct = new SolverConfig("direct", 1e-12, 3, 1.0, 5, 1.0);
        Equilibrium eq = new EquilibriumSolver(direct).solve(net, batch.x());
        DMatrix w = net.params().get("W").toDouble().copy();
        DMatrix a = ReparamRule.reparamMatrix(w, 1.0);
        // grad_A of the mean loss: mean_i e_i h_i^T with e = dl/dr = 2 (r - t) and h = x.
        DMatrix gradA = new DMatrix(n, n);
        Matrix e = eq.rates().copy();
        Ops.lincomb(2, eq.rates(), -2, batch.targets(), e);
        Ops.gemm(true, false, 1.0 / 6, e, eq.h(), 0, gradA);
        double lr = 0.05;
        Params rep = Rules.create("reparam", settings(Loss.MSE, direct).withLr(lr)).compute(net, batch, eq)
                .directions().copy();
        DMatrix wNew = w.copy();
        Ops.axpy(-lr, rep.get("W"), wNew);
        DMatrix aNew = ReparamRule.reparamMatrix(wNew, 1.0);
        DMatrix expected = a.copy();
        Ops.axpy(-lr, gradA, expected);
        assertTrue(TestNets.relErr(aNew, expected) < 1e-12, "A' != A - lr grad_A");

        Matrix lin = Rules.create("linearized", settings(Loss.MSE, direct)).compute(net, batch, eq)
                .directions().get("W").copy();
        double prev = Double.NaN;
        for (double l = 0.02; l > 0.0005; l /= 2) {
            Matrix d = Rules.create("reparam", settings(Loss.MSE, direct).withLr(l)).compute(net, batch, eq)
                    .directions().get("W");
            Matrix diff = d.copy();
            Ops.sub(d, lin, diff);
            double gap = Ops.norm(diff);
            if (!Double.isNaN(prev)) {
                double ratio = prev / gap;
                assertTrue(Math.abs(ratio - 2) < 0.1, "halving lr changed the gap by " + ratio);
            }
            prev = gap;
        }
        assertTrue(prev > 0);
    }

    private static DMatrix identity(int n) {
        DMatrix m = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            m.data[i * n + i] = 1;
        }
        return m;
    }

    /** Fact 5: the dense operator's generic projection equals a^T b / B. */
    @Test
    void denseProjectionEqualsClosedForm() {
        FixedPointNetwork net = TestNets.tanhNet(3, 6, 2, 0.5, Dynamics.RATE, 71);
        Random rng = new Random(72);
        DMatrix a = TestNets.randn(5, 6, 1, rng);
        DMatrix b = TestNets.randn(5, 6, 1, rng);
        Params into = net.params().zerosLike(java.util.List.of("W"));
        net.recurrent().project(a, b, 1.0 / 5, into, false);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                double s = 0;
                for (int k = 0; k < 5; k++) {
                    s += a.get(k, i) * b.get(k, j);
                }
                assertEquals(s / 5, into.get("W").get(i, j), 1e-15);
            }
        }
    }

    /** Fact 7: fixed points and direction contributions do not depend on the rest of the batch. */
    @Test
    void batchIndependence() {
        FixedPointNetwork net = TestNets.tanhNet(5, 12, 3, 0.9, Dynamics.RATE, 81);
        Batch batch = TestNets.labelled(10, 5, 3, 1.0, 82);
        Batch first = batch.slice(0, 4);
        Batch second = batch.slice(4, 10);
        for (SolverConfig c : new SolverConfig[] {SolverConfig.anderson(5, 0.8, 300, 1e-12),
                SolverConfig.euler(0.2, 300, 1e-12), SolverConfig.newton(30, 1e-12),
                new SolverConfig("broyden", 1e-12, 300, 1.0, 8, 1.0)}) {
            EquilibriumSolver s = new EquilibriumSolver(c);
            Equilibrium whole = s.solve(net, batch.x()).copy();
            Equilibrium e1 = s.solve(net, first.x()).copy();
            Equilibrium e2 = s.solve(net, second.x()).copy();
            for (int i = 0; i < 10; i++) {
                Matrix part = i < 4 ? e1.rates() : e2.rates();
                int row = i < 4 ? i : i - 4;
                for (int j = 0; j < 12; j++) {
                    assertEquals(whole.rates().get(i, j), part.get(row, j), 1e-15, c.method());
                }
                assertEquals(whole.iterations()[i], (i < 4 ? e1 : e2).iterations()[row], c.method());
            }
            for (String rule : new String[] {"gradient", "linearized", "linearized_alt"}) {
                RuleSettings rs = settings(Loss.CROSS_ENTROPY, c);
                Params dAll = Rules.create(rule, rs).compute(net, batch, whole).directions().copy();
                Params d1 = Rules.create(rule, rs).compute(net, first, e1).directions().copy();
                Params d2 = Rules.create(rule, rs).compute(net, second, e2).directions().copy();
                for (String p : dAll.names()) {
                    Matrix combined = d1.get(p).copy();
                    Ops.lincomb(4.0 / 10, d1.get(p), 6.0 / 10, d2.get(p), combined);
                    assertTrue(TestNets.relErr(dAll.get(p), combined) < 1e-12, rule + " " + p + " " + c.method());
                }
            }
        }
    }
}
