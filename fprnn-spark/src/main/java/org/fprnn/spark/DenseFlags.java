package org.fprnn.spark;

import java.util.Locale;
import java.util.Map;
import org.fprnn.data.Dataset;
import org.fprnn.model.Dynamics;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;
import org.fprnn.train.TrainSettings;
import picocli.CommandLine.Option;

/**
 * The run as flags describe it without {@code --config}: the data, a dense single-layer network,
 * its forward solver and rule settings, and the training settings. One side of {@link RunSource}'s
 * exclusive group; every option here is one a config sets, so each is refused next to
 * {@code --config}. (fprnn-cli's mixins do not fit here: its --nonlinearity has no default and
 * offers only the nonlinearities of a network read from files.)
 */
final class DenseFlags {

    // ---------------------------------------------------------------- data
    @Option(names = "--data", defaultValue = "mnist", description = "data set: mnist, fashion-mnist or cifar10 (default ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data-dir", description = "folder holding the data set's files (default: fprnn's usual places:"
            + " FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist, ...)")
    String dataDir;

    @Option(names = "--train-samples", defaultValue = "0", description = "use only the first N training samples (0: all)")
    int trainSamples;

    // ---------------------------------------------------------------- network
    @Option(names = "--units", defaultValue = "300", description = "N, recurrent units (default ${DEFAULT-VALUE})")
    int units;

    @Option(names = "--nonlinearity", defaultValue = "tanh", completionCandidates = Nonlinearity.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String nonlinearity;

    @Option(names = "--gain", description = "gain of the linear nonlinearity (default 1; linear only)")
    Double gain;

    @Option(names = "--dynamics", defaultValue = "rate", completionCandidates = Dynamics.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String dynamics;

    @Option(names = "--precision", defaultValue = "float", description = "float or double (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--train-input", description = "train the read-in U")
    boolean trainInput;

    @Option(names = "--train-bias", description = "give the network a bias b (zero at start) and train it")
    boolean trainBias;

    @Option(names = "--train-readout", description = "train the read-out R")
    boolean trainReadout;

    @Option(names = "--readout-bias", description = "add a read-out bias c, trained with R (needs --train-readout)")
    boolean readoutBias;

    @Option(names = "--recurrent-scale", defaultValue = "0.5", description = "W at start = s randn(N, N) / sqrt(N) (default ${DEFAULT-VALUE})")
    double recurrentScale;

    // ---------------------------------------------------------------- solver and rule settings
    @Option(names = "--solver", defaultValue = "anderson", completionCandidates = Solvers.Known.class,
            description = "forward solver: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String solver;

    @Option(names = "--alpha", description = "euler: dt/tau (default 0.1); picard: damping (default 1)")
    Double alpha;

    @Option(names = "--max-iter", description = "solver iteration limit; for euler the number of steps (default 500 for euler, 200 otherwise)")
    Integer maxIter;

    @Option(names = "--tol", defaultValue = "1e-6", description = "stop when every sample's max|r - f(W r + h)| is at or below it; euler with 0 runs exactly --max-iter steps (default ${DEFAULT-VALUE})")
    double tol;

    @Option(names = "--gains", defaultValue = "derivative", description = "derivative or from_rates (1 - r^2, tanh only) (default ${DEFAULT-VALUE})")
    String gains;

    @Option(names = "--adjoint-tol", defaultValue = "1e-8", description = "relative residual of the gradient rule's adjoint solve (default ${DEFAULT-VALUE})")
    double adjointTol;

    @Option(names = "--adjoint-max-iter", defaultValue = "2000", description = "iteration limit of the adjoint solve (default ${DEFAULT-VALUE})")
    int adjointMaxIter;

    // ---------------------------------------------------------------- training
    @Option(names = "--optimizer", defaultValue = "sgd", completionCandidates = Optimizers.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 (SGD) or decoupled (Adam) weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--batch", defaultValue = "512", description = "global batch size, split over the partitions (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training set (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--test-batch", defaultValue = "0", description = "test samples drawn afresh after every update, measured on the driver (default ${DEFAULT-VALUE})")
    int testBatch;

    @Option(names = "--on-nonconverged", defaultValue = "warn", description = "warn, skip or stop: what a batch with unconverged samples does (solver tol > 0 only) (default ${DEFAULT-VALUE})")
    String onNonconverged;

    @Option(names = "--seed", defaultValue = "1", description = "seeds the weights at start, the batches and the test batches (default ${DEFAULT-VALUE})")
    long seed;

    /** The run's settings for a rule and learning rate (checked here, before Spark starts). */
    TrainSettings trainSettings(String rule, double lr) {
        if (!Rules.NAMES.contains(rule)) {
            throw new IllegalArgumentException("unknown rule '" + rule + "' (--rule): use one of " + Rules.NAMES);
        }
        NetworkSpec network = spec();   // checks the network flags now, before the data are read
        String reparam = rule.equals("reparam") ? network.reparamProblem() : null;
        if (reparam != null) {   // refused here, before Spark starts, not inside an executor
            throw new IllegalArgumentException(reparam + " (here the flags --nonlinearity, --train-input and"
                    + " --train-bias)");
        }
        if (optimizer.equals("adam") && momentum != 0) {
            throw new IllegalArgumentException("--momentum " + momentum + " is not used by --optimizer adam"
                    + " (Adam has beta1 = 0.9): leave it out");
        }
        String method = solver.toLowerCase(Locale.ROOT);
        if (alpha != null && !SolverConfig.usesAlpha(method)) {
            throw new IllegalArgumentException("--alpha does not apply to --solver " + method + ": it is euler's"
                    + " dt/tau and picard's damping; drop it");
        }
        double a = alpha != null ? alpha : method.equals("euler") ? 0.1 : 1.0;
        int iters = maxIter != null ? maxIter : method.equals("euler") ? 500 : 200;
        SolverConfig forward = new SolverConfig(method, tol, iters, a, 5, 1.0);
        SolverConfig d = RuleSettings.DEFAULT_ADJOINT;
        SolverConfig adjoint = new SolverConfig(d.method(), adjointTol, adjointMaxIter, d.alpha(), d.memory(), d.beta());
        RuleSettings rs = new RuleSettings(Loss.CROSS_ENTROPY, GainMode.parse(gains), adjoint, forward, lr);
        TrainSettings ts = new TrainSettings(rule, lr, optimizer, momentum, weightDecay, batch, epochs, forward, rs,
                testBatch, false, seed, onNonconverged, TrainSettings.DEFAULT_MAX_DIRECTION_NORM,
                TrainSettings.DEFAULT_MAX_CONSECUTIVE_REFUSALS);
        ts.newOptimizer();   // rejects an unknown optimizer name now
        return ts;
    }

    /**
     * The network the flags describe (a single dense layer), as fprnn-core's {@link NetworkSpec} for
     * this data set's images and classes.
     */
    NetworkSpec.ForData networkSpec(Dataset data) {
        return spec().forData(data.imageShape(), data.classes(), seed);
    }

    private NetworkSpec spec() {
        try {
            return new NetworkSpec(units, nonlinearity, gain, dynamics, precision, trainInput, trainBias, trainReadout,
                    readoutBias, recurrentScale, null, null, null, null, null, null, null, null, null, null, null, null);
        } catch (IllegalArgumentException e) {
            // NetworkSpec names config keys; here they are flags (network.x_y is --x-y)
            throw new IllegalArgumentException(e.getMessage() + " (as flags: network.KEY_NAME is --key-name)", e);
        }
    }

    /**
     * The flags that decide the run, in the order runs before --config recorded them in summary.json
     * and the checkpoint's identity (so that their folders still resume).
     */
    void putIdentity(Map<String, Object> m, TrainSettings s, int trainSize) {
        m.put("data", dataset);
        m.put("train_samples", trainSize);
        m.put("units", units);
        m.put("nonlinearity", nonlinearity);
        m.put("dynamics", dynamics);
        m.put("precision", precision);
        m.put("train_input", trainInput);
        m.put("train_bias", trainBias);
        m.put("train_readout", trainReadout);
        m.put("readout_bias", readoutBias);
        m.put("recurrent_scale", recurrentScale);
        m.put("solver", s.forward().method());
        m.put("alpha", s.forward().alpha());
        m.put("max_iter", s.forward().maxIter());
        m.put("tol", s.forward().tol());
        m.put("rule", s.rule());
        m.put("gains", gains);
        m.put("lr", s.lr());
        m.put("optimizer", s.optimizer());
        m.put("momentum", s.momentum());
        m.put("weight_decay", s.weightDecay());
        m.put("batch", s.batchSize());
        m.put("epochs", s.epochs());
        m.put("seed", s.seed());
    }
}
