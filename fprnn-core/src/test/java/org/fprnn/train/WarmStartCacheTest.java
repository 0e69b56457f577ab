package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Lapack;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Warm starts across epochs: the first epoch is exactly the cold run (every sample's first visit
 * starts from rest), later epochs take fewer iterations, and a warm-started solve ends at the same
 * fixed point (and the gradient rule at the same adjoint) as a cold one, to within what the
 * tolerances allow.
 */
class WarmStartCacheTest {
    private static final int UNITS = 24;
    private static final int FEATURES = 20;

    /** 96 samples in 3 classes, each class lighting its own features. */
    private static Dataset data() {
        Random rng = new Random(4);
        FMatrix x = new FMatrix(96, FEATURES);
        int[] y = new int[96];
        for (int i = 0; i < 96; i++) {
            y[i] = i % 3;
            for (int j = 0; j < FEATURES; j++) {
                x.set(i, j, rng.nextDouble() + (j % 3 == y[i] ? 1 : 0));
            }
        }
        return new Dataset("tiny", x, y, 3, 1, 1, FEATURES);
    }

    private static FixedPointNetwork net(Precision p) {
        return FixedPointNetwork.builder().inputs(FEATURES).units(UNITS).outputs(3).precision(p).recurrentScale(0.9)
                .seed(3).trainInput(true).build();
    }

    private static TrainSettings settings(String rule, Precision p, boolean warm) {
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 300, p == Precision.DOUBLE ? 1e-10 : 1e-6);
        return new TrainSettings(rule, 0.05, "sgd", 0, 0, 16, 3, fwd, RuleSettings.of(Loss.CROSS_ENTROPY, fwd), 0,
                false, 1).withWarmStart(warm);
    }

    private record Run(List<StepRecord> steps, FixedPointNetwork net, Trainer trainer) {
        /** Sum over the steps of epochs {@code from}.. of the batch's largest forward iteration count. */
        long iterations(int fromEpoch) {
            return steps.stream().filter(s -> s.epoch() >= fromEpoch).mapToLong(StepRecord::iterationsMax).sum();
        }
    }

    private static Run train(String rule, Precision p, boolean warm) {
        Dataset d = data();
        FixedPointNetwork net = net(p);
        TrainSettings ts = settings(rule, p, warm);
        Trainer trainer = new Trainer(ts, d, null);
        List<StepRecord> steps = new ArrayList<>();
        Trainer.Result res = trainer.run(net, ts.newOptimizer(), 0, steps::add);
        assertEquals(Trainer.Outcome.COMPLETED, res.outcome(), res.divergence());
        assertTrue(steps.stream().allMatch(s -> s.notConverged() == 0), "every training sample converged");
        return new Run(steps, net, trainer);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void theFirstEpochIsTheColdRunAndLaterEpochsTakeFewerIterations(Precision p) {
        for (String rule : new String[] {"linearized", "gradient"}) {
            Run cold = train(rule, p, false);
            Run warm = train(rule, p, true);
            int perEpoch = 6;
            for (int s = 0; s < perEpoch; s++) {
                StepRecord c = cold.steps().get(s);
                StepRecord w = warm.steps().get(s);
                assertEquals(c.trainLoss(), w.trainLoss(), rule + " " + p + " step " + s + ": first visits start cold");
                assertEquals(c.iterationsMax(), w.iterationsMax(), rule + " " + p + " step " + s);
            }
            long c2 = cold.iterations(1);
            long w2 = warm.iterations(1);
            System.out.printf(java.util.Locale.ROOT, "warm starts, %s %s: epochs 2-3 forward iterations (batch max,"
                    + " summed) %d cold, %d warm%n", rule, p, c2, w2);
            assertTrue(w2 < c2, rule + " " + p + ": warm " + w2 + " against cold " + c2);
            // The two runs see states that differ within the solver's tolerance: the same training.
            double rel = TestNets.relErr(cold.net().params(), warm.net().params());
            assertTrue(rel < (p == Precision.DOUBLE ? 1e-7 : 1e-3), rule + " " + p + ": weights differ by " + rel);
        }
    }

    /**
     * At the same weights, the warm-started solve and the cold one meet the same tolerance, and they
     * differ by no more than the first-order bound ||(I - G W)^{-1}||_inf (res_warm + res_cold) of two
     * states within those residuals of one fixed point.
     */
    @Test
    void aWarmStartReachesTheSameFixedPointWithinTheTolerance() {
        Run run = train("gradient", Precision.DOUBLE, true);
        FixedPointNetwork net = run.net();
        TrainSettings ts = run.trainer().settings();
        WarmStartCache cache = run.trainer().warmStarts(net);
        Dataset d = data();
        int[] rows = {0, 5, 17, 33, 42, 64, 80, 95};
        Batch batch = Trainer.gather(d, rows, 0, rows.length, Precision.DOUBLE);
        EquilibriumSolver solver = new EquilibriumSolver(ts.forward());
        Equilibrium cold = solver.solve(net, batch.x()).copy();
        Equilibrium warm = cache.solve(new EquilibriumSolver(ts.forward()), net, batch.x(), rows,
                Precision.DOUBLE.zeros(rows.length, UNITS));
        double tol = ts.forward().tol();
        DMatrix w = net.recurrent().dense();
        for (int i = 0; i < rows.length; i++) {
            assertTrue(cold.residual()[i] <= tol && warm.residual()[i] <= tol, "sample " + i);
            assertTrue(warm.iterations()[i] < cold.iterations()[i], "sample " + i + ": warm " + warm.iterations()[i]
                    + " iterations, cold " + cold.iterations()[i]);
            // (I - G W)^{-1} with G = 1 - r^2 at the cold state, in the max norm.
            DMatrix a = new DMatrix(UNITS, UNITS);
            for (int j = 0; j < UNITS; j++) {
                double g = 1 - cold.rates().get(i, j) * cold.rates().get(i, j);
                for (int k = 0; k < UNITS; k++) {
                    a.data[j * UNITS + k] = (j == k ? 1 : 0) - g * w.data[j * UNITS + k];
                }
            }
            Lapack.invert(a);
            double norm = 0;
            for (int j = 0; j < UNITS; j++) {
                double s = 0;
                for (int k = 0; k < UNITS; k++) {
                    s += Math.abs(a.data[j * UNITS + k]);
                }
                norm = Math.max(norm, s);
            }
            double diff = 0;
            for (int j = 0; j < UNITS; j++) {
                diff = Math.max(diff, Math.abs(warm.rates().get(i, j) - cold.rates().get(i, j)));
            }
            double bound = 1.01 * norm * (warm.residual()[i] + cold.residual()[i]) + 1e-15;
            assertTrue(diff <= bound, "sample " + i + ": |r_warm - r_cold| = " + diff + " > " + bound);
        }
    }

    /** The gradient rule from a warm adjoint start gives the cold start's gradient to the adjoint's tolerance. */
    @Test
    void aWarmAdjointStartGivesTheSameGradient() {
        Run run = train("gradient", Precision.DOUBLE, true);
        FixedPointNetwork net = run.net();
        TrainSettings ts = run.trainer().settings();
        WarmStartCache cache = run.trainer().warmStarts(net);
        assertTrue(cache.hasAdjoint());
        int[] rows = {1, 2, 3, 10, 20, 30, 40, 50, 60, 70, 90, 91};
        Batch batch = Trainer.gather(data(), rows, 0, rows.length, Precision.DOUBLE);
        Equilibrium eq = new EquilibriumSolver(ts.forward()).solve(net, batch.x()).copy();
        Rule rule = Rules.create("gradient", ts.ruleSettings());
        RuleResult cold = rule.compute(net, batch, eq);
        int coldIterations = cold.adjoint().iterationsMax();
        Params coldDirs = cold.directions().copy();
        RuleResult warm = Rules.create("gradient", ts.ruleSettings()).compute(net, batch, eq, cache.adjointStart(rows));
        assertTrue(warm.adjoint().allConverged());
        assertTrue(warm.adjoint().iterationsMax() < coldIterations,
                "warm " + warm.adjoint().iterationsMax() + " adjoint iterations, cold " + coldIterations);
        double rel = TestNets.relErr(coldDirs, warm.directions());
        // Both adjoints meet a relative residual of 1e-8; the directions agree to a small multiple of it.
        assertTrue(rel < 1e-6, "directions differ by " + rel);
    }

    @Test
    void rowsThatDidNotConvergeAreForgottenAndShapesAreChecked() {
        WarmStartCache cache = new WarmStartCache(10, 3, false);
        assertEquals(null, cache.adjointStart(new int[] {0}));
        Matrix state = new DMatrix(2, 3);
        state.fill(0.5);
        int[] rows = {4, 7};
        cache.storeForward(rows, state, new boolean[] {true, true});
        cache.storeForward(rows, state, new boolean[] {true, false});
        Matrix start = new FMatrix(2, 3);
        start.fill(9);
        assertEquals(1, cache.loadForward(rows, start));
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0, 0, 0}, start.toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> cache.loadForward(new int[] {1, 2, 3}, start));
        assertThrows(IllegalArgumentException.class, () -> cache.restore(WarmStartCache.FORWARD, new FMatrix(10, 4)));
        assertThrows(IllegalArgumentException.class, () -> cache.restore(WarmStartCache.ADJOINT, new FMatrix(10, 3)));
    }

    @Test
    void warmStartsNeedAToleranceAndTheSingleProcessTrainer() {
        SolverConfig euler = SolverConfig.euler(0.1, 100, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new TrainSettings("linearized", 0.1, "sgd", 0, 0,
                16, 1, euler, RuleSettings.of(Loss.CROSS_ENTROPY, euler), 0, false, 1).withWarmStart(true));
        assertTrue(e.getMessage().contains("tolerance > 0"), e.getMessage());
        TrainSettings ts = settings("linearized", Precision.FLOAT, true);
        Trainer t = new Trainer(ts, 96, null);
        var e2 = assertThrows(IllegalArgumentException.class, () -> t.run(net(Precision.FLOAT), ts.newOptimizer(), 0, 0,
                s -> { }, (n, step, rows) -> null));
        assertTrue(e2.getMessage().contains("single-process"), e2.getMessage());
    }
}
