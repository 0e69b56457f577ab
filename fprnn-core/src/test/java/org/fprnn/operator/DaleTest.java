package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.diag.Spectra;
import org.fprnn.linalg.DMatrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.optim.Adam;
import org.fprnn.optim.Optimizer;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Dale's law (MATH section 4): signs under every rule and optimizer, and the balanced initializer. */
class DaleTest {

    /** Number of entries of W whose sign disagrees with their presynaptic unit's. */
    private static int wrongSigns(DMatrix w, double[] s) {
        int bad = 0;
        for (int i = 0; i < w.rows; i++) {
            for (int j = 0; j < w.cols; j++) {
                if (w.get(i, j) * s[j] < 0) {
                    bad++;
                }
            }
        }
        return bad;
    }

    /**
     * Every rule (gradient, bptt, linearized, linearized_alt) with SGD and Adam, 8 steps each with a
     * large step: the parameterization keeps every sign by construction; the projection form keeps
     * them after {@link FixedPointNetwork#constrain()} (which the training loop calls after each
     * step), and the unconstrained step does break them (so the projection is what holds them).
     */
    @ParameterizedTest
    @EnumSource(DaleOperator.Mode.class)
    void signsHoldAfterEveryRuleAndOptimizerStep(DaleOperator.Mode mode) {
        int brokenBeforeProjection = 0;
        for (String rule : new String[] {"gradient", "bptt", "linearized", "linearized_alt"}) {
            for (String opt : new String[] {"sgd", "adam"}) {
                FixedPointNetwork net = OperatorChecks.base(3, 2, 7).recurrent(
                        DaleOperator.factory("W", 10, 0.8, 0.9, mode)).build();
                DaleOperator dale = (DaleOperator) net.recurrent();
                double[] s = dale.signs();
                assertEquals(0, wrongSigns(dale.dense(), s));
                Batch batch = TestNets.labelled(8, 3, 2, 1.5, 8);
                SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.5, 60, 0)
                        : SolverConfig.anderson(5, 0.8, 500, 1e-10);
                Rule r = Rules.create(rule, OperatorChecks.settings(Loss.CROSS_ENTROPY, fwd));
                Optimizer o = opt.equals("sgd") ? Sgd.plain(2.0) : new Adam(0.2, 0.9, 0.999, 1e-8, 0);
                EquilibriumSolver solver = new EquilibriumSolver(fwd);
                for (int step = 0; step < 8; step++) {
                    Equilibrium eq = solver.solve(net, batch.x());
                    o.step(net.params(), r.compute(net, batch, eq).directions());
                    brokenBeforeProjection += wrongSigns(dale.dense(), s);
                    net.constrain();
                    assertEquals(0, wrongSigns(dale.dense(), s), mode + " " + rule + " " + opt + " step " + step);
                }
            }
        }
        if (mode == DaleOperator.Mode.PROJECTION) {
            assertTrue(brokenBeforeProjection > 0, "the unconstrained steps never broke a sign: the test is too weak");
        } else {
            assertEquals(0, brokenBeforeProjection);
        }
    }

    /**
     * The balanced initializer: every row sums to zero, and the largest eigenvalue modulus is at the
     * bulk radius asked for (no outlier); the same magnitudes without the per-row balance have an
     * outlier far outside the bulk.
     */
    @Test
    void balancedInitializerHasNoOutlierEigenvalue() {
        int n = 300;
        double radius = 0.9;
        double[] s = DaleOperator.signs(n, 0.8);
        DMatrix w = DaleOperator.balanced(s, radius, new Random(3));
        assertEquals(0, wrongSigns(w, s));
        for (int i = 0; i < n; i++) {
            double row = 0;
            double abs = 0;
            for (int j = 0; j < n; j++) {
                row += w.get(i, j);
                abs += Math.abs(w.get(i, j));
            }
            assertEquals(0, row, 1e-13 * abs, "row " + i + " does not sum to zero");
        }
        double[] moduli = Arrays.stream(Spectra.eigenvalues(w)).mapToDouble(e -> Math.hypot(e[0], e[1])).sorted().toArray();
        double largest = moduli[n - 1];
        assertTrue(largest > 0.9 * radius && largest < 1.1 * radius, "largest |eigenvalue| " + largest
                + " is not at the bulk radius " + radius);
        assertTrue(largest / moduli[n - 2] < 1.05, "isolated top eigenvalue: " + largest + " vs " + moduli[n - 2]);

        // Contrast: the same kind of magnitudes with inhibition scaled only on average leave the row
        // sums random, and without any inhibitory rescaling the mean input is excitatory: an outlier.
        DMatrix unbalanced = new DMatrix(n, n);
        Random rng = new Random(3);
        for (int i = 0; i < n * n; i++) {
            unbalanced.data[i] = Math.abs(rng.nextGaussian()) * s[i % n];
        }
        org.fprnn.linalg.Ops.scale(radius / Math.sqrt(n * (1 - 2 / Math.PI)), unbalanced);
        double outlier = Spectra.spectralRadius(unbalanced);
        assertTrue(outlier > 3 * radius, "the unbalanced matrix should have an outlier, got " + outlier);
    }

    /** The factory's parameters: |W| for the parameterization, W for the projection; same effective W. */
    @Test
    void factoryModesShareTheEffectiveMatrix() {
        FixedPointNetwork p = OperatorChecks.base(3, 2, 9).recurrent(
                DaleOperator.factory("W", 12, 0.75, 0.7, DaleOperator.Mode.PARAMETERIZATION)).build();
        FixedPointNetwork q = OperatorChecks.base(3, 2, 9).recurrent(
                DaleOperator.factory("W", 12, 0.75, 0.7, DaleOperator.Mode.PROJECTION)).build();
        assertEquals(0, OperatorChecks.maxDiff(p.recurrent().dense(), q.recurrent().dense()));
        for (int i = 0; i < 144; i++) {
            assertTrue(p.params().get("W").getFlat(i) >= 0);
        }
        assertEquals(9, Arrays.stream(((DaleOperator) p.recurrent()).signs()).filter(v -> v > 0).count());
    }

    /**
     * Sparse Dale (a mask drawn from the seed): the effective W is zero off the mask and has the
     * right signs on it at start and after 8 large steps of every rule with Adam (after
     * constrain() in projection form); every row sums to zero at start; the mask's density is near
     * the one asked for.
     */
    @ParameterizedTest
    @EnumSource(DaleOperator.Mode.class)
    void sparseDaleKeepsMaskAndSigns(DaleOperator.Mode mode) {
        for (String rule : new String[] {"gradient", "bptt", "linearized", "linearized_alt"}) {
            FixedPointNetwork net = OperatorChecks.base(3, 2, 7).recurrent(
                    DaleOperator.factory("W", 20, 0.8, 0.9, mode, 0.3)).build();
            DaleOperator dale = (DaleOperator) net.recurrent();
            double[] s = dale.signs();
            var mask = dale.mask();
            double density = 0;
            for (int i = 0; i < mask.size(); i++) {
                density += mask.getFlat(i) / mask.size();
            }
            assertTrue(density > 0.2 && density < 0.4, "mask density " + density);
            DMatrix w0 = dale.dense();
            for (int i = 0; i < 20; i++) {
                double row = 0;
                double abs = 0;
                for (int j = 0; j < 20; j++) {
                    row += w0.get(i, j);
                    abs += Math.abs(w0.get(i, j));
                }
                boolean hasInhibitory = false;
                for (int j = 16; j < 20; j++) {
                    hasInhibitory |= mask.get(i, j) == 1;
                }
                if (hasInhibitory) {
                    assertEquals(0, row, 1e-12 * Math.max(abs, 1), "row " + i);
                }
            }
            Batch batch = TestNets.labelled(8, 3, 2, 1.5, 8);
            SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.5, 60, 0)
                    : SolverConfig.anderson(5, 0.8, 500, 1e-10);
            Rule r = Rules.create(rule, OperatorChecks.settings(Loss.CROSS_ENTROPY, fwd));
            Optimizer o = new Adam(0.2, 0.9, 0.999, 1e-8, 0);
            EquilibriumSolver solver = new EquilibriumSolver(fwd);
            int onMaskChanged = 0;
            for (int step = 0; step < 8; step++) {
                Equilibrium eq = solver.solve(net, batch.x());
                o.step(net.params(), r.compute(net, batch, eq).directions());
                net.constrain();
                DMatrix w = dale.dense();
                assertEquals(0, wrongSigns(w, s), mode + " " + rule + " step " + step);
                for (int i = 0; i < w.data.length; i++) {
                    if (mask.getFlat(i) == 0) {
                        assertTrue(w.data[i] == 0, mode + " " + rule + ": entry " + i + " off the mask is " + w.data[i]);
                        if (mode == DaleOperator.Mode.PROJECTION) {
                            assertTrue(net.params().get("W").getFlat(i) == 0, "parameter off the mask");
                        }
                    } else if (w.data[i] != w0.data[i]) {
                        onMaskChanged++;
                    }
                }
            }
            assertTrue(onMaskChanged > 0, rule + ": training changed nothing on the mask");
        }
    }
}
