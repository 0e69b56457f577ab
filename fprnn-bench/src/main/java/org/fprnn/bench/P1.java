package org.fprnn.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.fprnn.io.FormatException;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.TrainSettings;

/**
 * The settings of protocols P1 and P1-converged (PROTOCOLS.md; configs/paper-mnist.toml and
 * configs/paper-mnist-converged.toml) as the benchmarks use them: a tanh rate network with fixed
 * read-in and read-out, float, W = 0.5 randn / sqrt(N) from seed 1; plain SGD; gains 1 - r^2.
 */
final class P1 {
    private P1() {
    }

    static final int UNITS = 300;
    static final int INPUTS = 784;
    static final int OUTPUTS = 10;
    static final long SEED = 1;
    static final int BATCH = 512;
    static final int EULER_STEPS = 500;
    static final double EULER_ALPHA = 0.01;

    /**
     * B random P1-shaped samples: inputs uniform in [0, 1) (B x 784, in {@code precision}) and labels
     * uniform over the 10 classes, drawn in that order from {@code new Random(seed)}.
     */
    static Batch randomBatch(int b, long seed, Precision precision) {
        Random rng = new Random(seed);
        Matrix x = precision.zeros(b, INPUTS);
        int[] y = new int[b];
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(OUTPUTS);
        }
        return Batch.labelled(x, y);
    }

    /** The network at start of every P1 run (the configs' seed 1), with {@code units} units. */
    static FixedPointNetwork network(int units) {
        return NetworkSpec.dense(units).build(INPUTS, OUTPUTS, SEED);
    }

    /**
     * A P1-shaped network at start in either precision: dense, {@code units} units, weights from
     * {@code seed} (drawn in double, so both precisions hold the same weights).
     */
    static FixedPointNetwork network(int units, Precision precision, long seed) {
        return NetworkSpec.fromToml("[network]\nunits = " + units + "\nprecision = \""
                + precision.name().toLowerCase(Locale.ROOT) + "\"", "P1").build(INPUTS, OUTPUTS, seed);
    }

    /**
     * A P1-shaped network at start (dense, {@code units} units, weights from {@code seed}) whose
     * recurrent operator {@code wrap} wraps (the benchmarks' operation counters).
     */
    static FixedPointNetwork network(int units, long seed, UnaryOperator<RecurrentOperator> wrap) {
        return NetworkSpec.dense(units).build(new FeatureShape(1, 1, INPUTS), OUTPUTS, seed, wrap);
    }

    /**
     * P1's network built the way the threads and parts benchmarks time it (W = 0.5 randn / sqrt(N) from
     * seed 1, float), its recurrent operator wrapped to count the flops of its products; the wrapper
     * is put into {@code op[0]}.
     */
    static FixedPointNetwork countingNetwork(int units, CountingOperator[] op) {
        return network(units, SEED, w -> op[0] = new CountingOperator(w));
    }

    /**
     * A trained P1 network from a weights file (safetensors with W, U and R, as fprnn run writes
     * them into RESULTS/weights/).
     *
     * @throws IllegalArgumentException naming the file if it lacks a tensor or shapes do not fit
     */
    static FixedPointNetwork fromWeights(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        try {
            Matrix w = c.get("W").toMatrix(Precision.FLOAT);
            Matrix u = c.get("U").toMatrix(Precision.FLOAT);
            Matrix r = c.get("R").toMatrix(Precision.FLOAT);
            if (w.rows != w.cols || u.rows != w.rows || r.cols != w.rows) {
                throw new IllegalArgumentException("weights file " + file + ": W " + w.shape() + ", U " + u.shape()
                        + " and R " + r.shape() + " do not make a network (W N x N, U N x n_in, R n_out x N)");
            }
            if (u.cols != INPUTS || r.rows != OUTPUTS) {
                // else an error naming no file, in the middle of the benchmark
                throw new IllegalArgumentException("weights file " + file + ": U " + u.shape() + " and R " + r.shape()
                        + " make a network of " + u.cols + " inputs and " + r.rows + " outputs; the benchmarks run"
                        + " it on MNIST, which needs " + INPUTS + " and " + OUTPUTS + " (a dense network trained on"
                        + " MNIST by fprnn run)");
            }
            return FixedPointNetwork.builder().precision(Precision.FLOAT).recurrentWeights(w).inputWeights(u)
                    .readoutWeights(r).build();
        } catch (FormatException e) {
            throw new IllegalArgumentException("weights file " + e.getMessage(), e);
        }
    }

    /** P1's forward solve: Euler, alpha = 0.01, exactly {@code steps} steps from rest (tol 0). */
    static SolverConfig euler(int steps) {
        return SolverConfig.euler(EULER_ALPHA, steps, 0);
    }

    /** P1-converged's forward solve: Anderson (memory 5, mixing 1) to max|r - f(W r + h)| <= 1e-6. */
    static SolverConfig converged() {
        return SolverConfig.anderson(5, 1.0, 300, 1e-6);
    }

    /** The rule settings of both protocols: cross-entropy, gains 1 - r^2, adjoint to 1e-8. */
    static RuleSettings ruleSettings(SolverConfig forward, double lr) {
        SolverConfig d = RuleSettings.DEFAULT_ADJOINT;
        SolverConfig adjoint = new SolverConfig(d.method(), 1e-8, 2000, d.alpha(), d.memory(), d.beta());
        return new RuleSettings(Loss.CROSS_ENTROPY, GainMode.FROM_RATES, adjoint, forward, lr);
    }

    /** Plain SGD training with no test batch per step (the benchmarks evaluate on their own). */
    static TrainSettings training(String rule, double lr, SolverConfig forward, int batch, int epochs) {
        return new TrainSettings(rule, lr, "sgd", 0, 0, batch, epochs, forward, ruleSettings(forward, lr), 0, false, SEED);
    }
}
