package org.fprnn.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.DaleOperator;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.junit.jupiter.api.Test;

/** Training-time diagnostics (MATH section 5): what they measure, and that they never change training. */
class TrainingDiagnosticsTest {

    /** 60 random 1x4x4 images in 3 classes. */
    static Dataset data(long seed) {
        Random rng = new Random(seed);
        FMatrix x = new FMatrix(60, 16);
        int[] y = new int[60];
        for (int i = 0; i < 60; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 16; j++) {
                x.set(i, j, rng.nextDouble() + (j % 3 == y[i] ? 1 : 0));
            }
        }
        return new Dataset("tiny", x, y, 3, 1, 4, 4);
    }

    static TrainSettings settings(String rule, String optimizer, double lr) {
        SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.5, 40, 0) : SolverConfig.anderson(5, 1.0, 300, 1e-6);
        return new TrainSettings(rule, lr, optimizer, 0, 0, 8, 2, fwd, RuleSettings.of(Loss.CROSS_ENTROPY, fwd), 8,
                true, 3);
    }

    static final List<Supplier<FixedPointNetwork>> NETS = List.of(
            () -> FixedPointNetwork.builder().inputs(16).outputs(3).units(12).seed(2).precision(Precision.FLOAT)
                    .trainInput(true).trainBias(true).trainReadout(true).recurrentScale(0.9).build(),
            () -> FixedPointNetwork.builder().inputs(16).outputs(3).seed(4).precision(Precision.FLOAT)
                    .trainInput(true).trainReadout(true)
                    .recurrent(BlockOperator.dense(new int[] {10, 6}, 0.8, 0.4, 0.2)).build(),
            () -> FixedPointNetwork.builder().inputs(16).outputs(3).seed(6).precision(Precision.FLOAT)
                    .trainInput(true).trainReadout(true)
                    .recurrent(DaleOperator.factory("W", 10, 0.8, 0.9, DaleOperator.Mode.PROJECTION, 0.5)).build());

    /**
     * The same run with diagnostics at every step and without: bitwise the same weights after
     * training and the same losses at every step, for every rule, SGD and Adam, and dense, layered and
     * sparse Dale networks; the diagnostics are recorded on every step of the run that asked for them.
     */
    @Test
    void diagnosticsDoNotChangeTheTrajectory() {
        Dataset d = data(1);
        for (String rule : new String[] {"linearized", "linearized_alt", "bptt", "gradient"}) {
            for (String opt : new String[] {"sgd", "adam"}) {
                double lr = opt.equals("sgd") ? 0.5 : 0.05;
                for (int k = 0; k < NETS.size(); k++) {
                    FixedPointNetwork plain = NETS.get(k).get();
                    FixedPointNetwork diag = NETS.get(k).get();
                    TrainSettings off = settings(rule, opt, lr);
                    TrainSettings on = off.withDiagnostics(new DiagnosticSettings(1, 4, true, 5, 4096));
                    Trainer.Result a = new Trainer(off, d, d).run(plain, off.newOptimizer(), 0, s -> { });
                    Trainer.Result b = new Trainer(on, d, d).run(diag, on.newOptimizer(), 0, s -> { });
                    String what = rule + " " + opt + " net " + k;
                    assertEquals(a.steps().size(), b.steps().size(), what);
                    for (int i = 0; i < a.steps().size(); i++) {
                        StepRecord x = a.steps().get(i);
                        StepRecord y = b.steps().get(i);
                        assertEquals(x.trainLoss(), y.trainLoss(), what + " step " + i);
                        assertEquals(x.testLoss(), y.testLoss(), what + " step " + i);
                        assertNull(x.diagnostics());
                        assertNotNull(y.diagnostics(), what + " step " + i);
                        assertTrue(Double.isFinite(y.diagnostics().angle()), what + " " + y.diagnostics());
                        assertTrue(y.diagnostics().sigmaMin() > 0, what + " " + y.diagnostics());
                    }
                    for (String n : plain.params().names()) {
                        Matrix p = plain.params().get(n);
                        Matrix q = diag.params().get(n);
                        for (int i = 0; i < p.size(); i++) {
                            assertEquals(Double.doubleToRawLongBits(p.getFlat(i)), Double.doubleToRawLongBits(q.getFlat(i)),
                                    what + ": parameter " + n + " entry " + i);
                        }
                    }
                }
            }
        }
    }

    /**
     * On one batch: the angle of the gradient rule is 0; the linearized angle is the angle between the
     * two directions computed independently (all parameters and W alone); sigma_min is the smallest
     * singular value of I - G_i W from an independent SVD, exact and estimated.
     */
    @Test
    void measuresTheAngleAndTheDistanceToSingularity() {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(16).outputs(3).units(12).seed(2)
                .trainInput(true).trainBias(true).trainReadout(true).recurrentScale(1.2).build();
        Dataset d = data(2);
        Batch batch = Batch.labelled(d.x().toDouble(), d.labels());
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 500, 1e-12);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x());
        RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, fwd);
        RuleResult lin = Rules.create("linearized", rs).compute(net, batch, eq);
        Params linDir = lin.directions().copy();
        Params grad = Rules.create("gradient", rs).compute(net, batch, eq).directions().copy();

        DiagnosticSettings exact = new DiagnosticSettings(1, 5, true, 100, 4096);
        StepDiagnostics sd = new TrainingDiagnostics(exact, "linearized", rs).measure(net, batch, eq, linDir);
        assertEquals(Angles.degrees(linDir, grad), sd.angle(), 1e-9);
        assertEquals(Angles.degrees(linDir, grad, "W"), sd.angleRecurrent(), 1e-9);
        assertTrue(sd.angle() > 0.1 && sd.angle() < 90, "linearized angle " + sd.angle());
        assertEquals("exact", sd.sigmaMethod());
        assertEquals(5, sd.sigmaSamples());

        double[] expected = new double[5];
        DMatrix w = net.recurrent().dense();
        for (int s = 0; s < 5; s++) {
            DMatrixRMaj m = new DMatrixRMaj(12, 12);
            for (int i = 0; i < 12; i++) {
                double t = Math.tanh(eq.z().get(s, i));
                for (int j = 0; j < 12; j++) {
                    m.set(i, j, (i == j ? 1 : 0) - (1 - t * t) * w.get(i, j));
                }
            }
            var svd = DecompositionFactory_DDRM.svd(12, 12, false, false, true);
            assertTrue(svd.decompose(m));
            double[] sv = svd.getSingularValues().clone();
            java.util.Arrays.sort(sv);
            expected[s] = sv[0];
        }
        double[] sorted = expected.clone();
        java.util.Arrays.sort(sorted);
        assertEquals(sorted[0], sd.sigmaMin(), 1e-10);
        assertEquals(sorted[2], sd.sigmaMedian(), 1e-10);

        DiagnosticSettings estimate = new DiagnosticSettings(1, 5, true, 0, 4096);
        StepDiagnostics se = new TrainingDiagnostics(estimate, "linearized", rs).measure(net, batch, eq, linDir);
        assertEquals("estimate", se.sigmaMethod());
        assertEquals(sd.sigmaMin(), se.sigmaMin(), 1e-4 * sd.sigmaMin());

        StepDiagnostics sg = new TrainingDiagnostics(exact, "gradient", rs).measure(net, batch, eq, grad);
        assertEquals(0.0, sg.angle());
        assertEquals(sd.sigmaMin(), sg.sigmaMin());

        DiagnosticSettings none = new DiagnosticSettings(1, 5, true, 100, 10);
        StepDiagnostics sn = new TrainingDiagnostics(none, "linearized", rs).measure(net, batch, eq, linDir);
        assertEquals("none", sn.sigmaMethod());
        assertTrue(Double.isNaN(sn.sigmaMin()) && sn.sigmaSamples() == 0);
        assertEquals(sd.angle(), sn.angle());
        // The direction handed in is not touched.
        assertEquals(0, org.fprnn.TestNets.relErr(linDir, lin.directions()));
    }
}
