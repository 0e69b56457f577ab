package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Adam;
import org.fprnn.optim.Optimizer;
import org.fprnn.operator.FeatureShape;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * Training steps give bitwise the same weights with 1 and with 2 threads (the BLAS's threads and the
 * row blocks of the solvers' and maps' elementwise work, both set by Blas.setThreads): forward solve,
 * rule and optimizer update, three steps in a row, for Anderson and Euler forward solves, the
 * linearized and gradient rules (the gradient's adjoint solved by Anderson in double), rate and
 * current dynamics and per-unit time constants, forward solves in chunks of rows, and conv layers under a
 * dense layer with a bound on every recurrent block's norm (the blocks constrained side by side). The batch (300) and width (100, not a multiple of
 * the vector width) are large enough that the products are threaded and the row work splits into
 * blocks. Runs on native OpenBLAS, and on the pure-Java product in the without-native-blas execution.
 */
class ThreadCountDeterminismTest {
    private static final int BATCH = 300;
    private static final int UNITS = 100;
    private static final int INPUTS = 40;
    private static final int OUTPUTS = 10;

    private record Setup(String name, Precision precision, Dynamics dynamics, Nonlinearity f, double[] tau,
                         SolverConfig forward, String rule, boolean adam, NetworkSpec spec) {
        Setup(String name, Precision precision, Dynamics dynamics, Nonlinearity f, double[] tau, SolverConfig forward,
              String rule, boolean adam) {
            this(name, precision, dynamics, f, tau, forward, rule, adam, null);
        }
    }

    /**
     * Conv layers under a dense layer, on 1 x 12 x 12 images: the direct convolutions on row blocks,
     * the dense blocks' products on columns of the stacked state, the bound on every recurrent block.
     */
    private static final NetworkSpec CONV_DENSE = NetworkSpec.fromToml("""
            [network]
            connectivity = "conv"
            train_input = true
            train_bias = true
            train_readout = true
            recurrent_max_norm = 0.8
            [[network.layers]]
            channels = 4
            stride = 2
            [[network.layers]]
            channels = 6
            stride = 2
            [[network.layers]]
            units = 30
            """, "ThreadCountDeterminismTest");

    private static List<Setup> setups() {
        double[] tau = new double[UNITS];
        for (int j = 0; j < UNITS; j++) {
            tau[j] = 1 + 0.5 * (j % 3);
        }
        return List.of(
                new Setup("anderson, linearized, sgd", Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh(), null,
                        SolverConfig.anderson(5, 1.0, 300, 1e-6), "linearized", false),
                new Setup("euler, gradient, adam", Precision.FLOAT, Dynamics.RATE, new Nonlinearity.Tanh(), null,
                        SolverConfig.euler(0.2, 60, 0), "gradient", true),
                new Setup("current dynamics, anderson, gradient", Precision.DOUBLE, Dynamics.CURRENT,
                        new Nonlinearity.Softplus(), null, SolverConfig.anderson(5, 1.0, 300, 1e-9), "gradient", false),
                new Setup("time constants, euler, linearized_alt", Precision.FLOAT, Dynamics.RATE,
                        new Nonlinearity.Tanh(), tau, SolverConfig.euler(0.3, 40, 0), "linearized_alt", true),
                // the batch solved in chunks of rows, on both threads at once (ChunkedSolver)
                new Setup("anderson in chunks of 64, linearized", Precision.FLOAT, Dynamics.RATE,
                        new Nonlinearity.Tanh(), null, SolverConfig.anderson(5, 1.0, 300, 1e-6).withChunkRows(64),
                        "linearized", false),
                new Setup("euler in chunks of 48, time constants, gradient", Precision.FLOAT, Dynamics.RATE,
                        new Nonlinearity.Tanh(), tau, SolverConfig.euler(0.3, 40, 0).withChunkRows(48), "gradient",
                        false),
                new Setup("conv layers under a dense layer, anderson, gradient, adam", Precision.FLOAT, Dynamics.RATE,
                        new Nonlinearity.Tanh(), null, SolverConfig.anderson(5, 1.0, 300, 1e-6), "gradient", true,
                        CONV_DENSE),
                new Setup("anderson with the mean-gain forward preconditioner, linearized", Precision.FLOAT,
                        Dynamics.RATE, new Nonlinearity.Tanh(), null,
                        SolverConfig.anderson(5, 1.0, 300, 1e-6).withMeanGain(true), "linearized", false),
                new Setup("conv layers under a dense layer, anderson, linearized", Precision.FLOAT, Dynamics.RATE,
                        new Nonlinearity.Tanh(), null, SolverConfig.anderson(5, 1.0, 300, 1e-6), "linearized", false,
                        CONV_DENSE));
    }

    /** The network's parameters after three training steps with the given thread count. */
    private static Map<String, long[]> train(Setup s, int threads) {
        int before = Blas.get().threads();
        int rowsBefore = RowParallel.threads();
        Blas.setThreads(threads);
        try {
            assertEquals(threads, RowParallel.threads());
            FixedPointNetwork.Builder nb = FixedPointNetwork.builder().inputs(INPUTS).units(UNITS).outputs(OUTPUTS)
                    .nonlinearity(s.f()).dynamics(s.dynamics()).precision(s.precision()).recurrentScale(0.7)
                    .trainBias(true).seed(11);
            if (s.tau() != null) {
                nb.timeConstants(s.tau());
            }
            FixedPointNetwork net = s.spec() != null ? s.spec().build(new FeatureShape(1, 12, 12), OUTPUTS, 11)
                    : nb.build();
            Random rng = new Random(5);
            Matrix x = s.precision().zeros(BATCH, net.inputs());
            for (int i = 0; i < x.size(); i++) {
                x.setFlat(i, rng.nextDouble());
            }
            int[] y = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                y[i] = rng.nextInt(OUTPUTS);
            }
            Batch batch = Batch.labelled(x, y);
            EquilibriumSolver solver = new EquilibriumSolver(s.forward());
            Rule rule = Rules.create(s.rule(), RuleSettings.of(Loss.CROSS_ENTROPY, s.forward()));
            Optimizer opt = s.adam() ? new Adam(0.01, 0.9, 0.999, 1e-8, 0) : Sgd.plain(0.2);
            for (int step = 0; step < 3; step++) {
                Equilibrium eq = solver.solve(net, x);
                opt.step(net.params(), rule.compute(net, batch, eq).directions());
                net.constrain(); // as the trainer does after each update: the bounds on ||W_k||_2
            }
            Map<String, long[]> bits = new LinkedHashMap<>();
            for (String name : net.params().names()) {
                Matrix m = net.params().get(name);
                long[] b = new long[m.size()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = Double.doubleToRawLongBits(m.getFlat(i));
                }
                bits.put(name, b);
            }
            return bits;
        } finally {
            Blas.setThreads(before);
            RowParallel.setThreads(rowsBefore);
        }
    }

    @Test
    void oneAndTwoThreadsGiveTheSameWeights() {
        List<String> bad = new ArrayList<>();
        for (Setup s : setups()) {
            Map<String, long[]> one = train(s, 1);
            Map<String, long[]> two = train(s, 2);
            assertEquals(one.keySet(), two.keySet(), s.name());
            for (String name : one.keySet()) {
                long[] a = one.get(name);
                long[] b = two.get(name);
                int diff = 0;
                for (int i = 0; i < a.length; i++) {
                    diff += a[i] != b[i] ? 1 : 0;
                }
                if (diff > 0) {
                    bad.add(s.name() + ": " + name + " differs in " + diff + " of " + a.length + " values");
                }
            }
        }
        assertTrue(bad.isEmpty(), "weights depend on the thread count (" + Blas.get().name() + "):\n"
                + String.join("\n", bad));
    }

    /** The steps change the weights (the comparison above is not between untouched networks). */
    @Test
    void theStepsTrain() {
        Setup s = setups().get(0);
        FixedPointNetwork fresh = FixedPointNetwork.builder().inputs(INPUTS).units(UNITS).outputs(OUTPUTS)
                .nonlinearity(s.f()).dynamics(s.dynamics()).precision(s.precision()).recurrentScale(0.7)
                .trainBias(true).seed(11).build();
        Matrix w0 = fresh.params().get("W");
        long[] w = train(s, 2).get("W");
        int changed = 0;
        for (int i = 0; i < w.length; i++) {
            changed += Double.doubleToRawLongBits(w0.getFlat(i)) != w[i] ? 1 : 0;
        }
        assertTrue(changed > w.length / 2, "only " + changed + " of " + w.length + " weights changed");
    }
}
