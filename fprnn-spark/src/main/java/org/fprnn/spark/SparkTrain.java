package org.fprnn.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.diag.Environment;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command-line entry of fprnn-spark, for spark-submit:
 *
 * <pre>
 * spark-submit --class org.fprnn.spark.SparkTrain fprnn-spark/target/fprnn-spark.jar \
 *     --data mnist --units 300 --rule linearized --lr 0.1 --batch 512 --steps 300 --out results/spark
 * </pre>
 *
 * Trains one rule at one learning rate on a classification data set and writes the weights
 * (safetensors), metrics.jsonl (the lines fprnn run writes) and summary.json. Exit codes: 0 done, 1
 * failure while running, 2 bad input.
 */
@Command(name = "fprnn-spark", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "fprnn-spark 0.1.0",
        description = {"Trains a recurrent network at its fixed points on Apache Spark: every step's batch is split"
            + " over the partitions of the training set (synchronous data parallelism; the same weights as"
            + " single-process fprnn training on the same batches), or every partition takes --local-steps"
            + " steps of its own between averages (local SGD, which is not the same as synchronous training).",
            "Writes weights.safetensors, metrics.jsonl and summary.json into --out. See fprnn-spark/README.md."})
public final class SparkTrain implements Callable<Integer> {

    // ---------------------------------------------------------------- data
    @Option(names = "--data", defaultValue = "mnist", description = "data set: mnist, fashion-mnist or cifar10 (default ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data-dir", description = "folder holding the data set's files (default: fprnn's usual places:"
            + " FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist, ...)")
    String dataDir;

    @Option(names = "--read-on-executors", description = "every executor reads the training split from --data-dir"
            + " (or the usual places) on its own disk, instead of the driver reading and shipping it")
    boolean readOnExecutors;

    @Option(names = "--train-samples", defaultValue = "0", description = "use only the first N training samples (0: all)")
    int trainSamples;

    // ---------------------------------------------------------------- network
    @Option(names = "--units", defaultValue = "300", description = "N, recurrent units (default ${DEFAULT-VALUE})")
    int units;

    @Option(names = "--nonlinearity", defaultValue = "tanh", description = "tanh, relu, softplus, linear or powerlaw (default ${DEFAULT-VALUE})")
    String nonlinearity;

    @Option(names = "--gain", defaultValue = "1", description = "gain of the linear nonlinearity (default ${DEFAULT-VALUE})")
    double gain;

    @Option(names = "--dynamics", defaultValue = "rate", description = "rate, current or discrete (default ${DEFAULT-VALUE})")
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

    // ---------------------------------------------------------------- solver and rule
    @Option(names = "--solver", defaultValue = "anderson", description = "forward solver: euler, picard, anderson, newton, broyden or direct (default ${DEFAULT-VALUE})")
    String solver;

    @Option(names = "--alpha", description = "euler: dt/tau (default 0.1); picard: damping (default 1)")
    Double alpha;

    @Option(names = "--max-iter", description = "solver iteration limit; for euler the number of steps (default 500 for euler, 200 otherwise)")
    Integer maxIter;

    @Option(names = "--tol", defaultValue = "1e-6", description = "stop when every sample's max|r - f(W r + h)| is at or below it; euler with 0 runs exactly --max-iter steps (default ${DEFAULT-VALUE})")
    double tol;

    @Option(names = "--rule", defaultValue = "linearized", description = "gradient, bptt, linearized, linearized_alt or reparam (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--gains", defaultValue = "derivative", description = "derivative or from_rates (1 - r^2, tanh only) (default ${DEFAULT-VALUE})")
    String gains;

    @Option(names = "--adjoint-tol", defaultValue = "1e-8", description = "relative residual of the gradient rule's adjoint solve (default ${DEFAULT-VALUE})")
    double adjointTol;

    @Option(names = "--adjoint-max-iter", defaultValue = "2000", description = "iteration limit of the adjoint solve (default ${DEFAULT-VALUE})")
    int adjointMaxIter;

    // ---------------------------------------------------------------- training
    @Option(names = "--lr", required = true, description = "learning rate")
    double lr;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd, nesterov or adam (default ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 (SGD) or decoupled (Adam) weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--batch", defaultValue = "512", description = "global batch size, split over the partitions (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training set (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--steps", defaultValue = "0", description = "stop after this many steps (0: all epochs)")
    int steps;

    @Option(names = "--test-batch", defaultValue = "0", description = "test samples drawn afresh after every update, measured on the driver (default ${DEFAULT-VALUE})")
    int testBatch;

    @Option(names = "--no-eval", description = "skip the evaluation of the whole test set at the end (on the driver)")
    boolean noEval;

    @Option(names = "--on-nonconverged", defaultValue = "warn", description = "warn, skip or stop: what a batch with unconverged samples does (solver tol > 0 only) (default ${DEFAULT-VALUE})")
    String onNonconverged;

    @Option(names = "--seed", defaultValue = "1", description = "seeds the weights at start, the batches and the test batches (default ${DEFAULT-VALUE})")
    long seed;

    // ---------------------------------------------------------------- Spark
    @Option(names = "--master", description = "Spark master, e.g. local[2] (default: what spark-submit set)")
    String master;

    @Option(names = "--partitions", description = "partitions of the training set (default: Spark's default parallelism)")
    Integer partitions;

    @Option(names = "--local-steps", defaultValue = "0", description = "0: synchronous; k >= 1: local SGD, every partition takes k steps between averages (default ${DEFAULT-VALUE})")
    int localSteps;

    @Option(names = "--tree-depth", defaultValue = "2", description = "depth of treeAggregate (default ${DEFAULT-VALUE})")
    int treeDepth;

    @Option(names = "--blas-threads", defaultValue = "1", description = "OpenBLAS threads per Spark task (default ${DEFAULT-VALUE}: one per task)")
    int blasThreads;

    // ---------------------------------------------------------------- output
    @Option(names = "--out", description = "folder for weights.safetensors, metrics.jsonl and summary.json")
    Path out;

    @Option(names = "--log-every", defaultValue = "10", description = "print a progress line every this many steps (default ${DEFAULT-VALUE})")
    int logEvery;

    private JavaSparkContext given;
    private PrintWriter stdout;

    /** Exit codes: 0 done, 1 failure while running, 2 bad input or usage. */
    public static void main(String[] args) {
        System.exit(execute(null, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs the command line.
     *
     * @param sc a running Spark context to use (tests), or null to start one (and stop it at the end)
     */
    public static int execute(JavaSparkContext sc, PrintWriter out, PrintWriter err, String... args) {
        SparkTrain cmd = new SparkTrain();
        cmd.given = sc;
        cmd.stdout = out;
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof DataNotFoundException
                    || ex instanceof FormatException || ex instanceof UncheckedIOException) {
                c.getErr().println("fprnn-spark: " + ex.getMessage());
                return 2;
            }
            c.getErr().println("fprnn-spark: " + ex);
            ex.printStackTrace(c.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    /** The run's settings, from the options (checked here, before Spark starts). */
    TrainSettings trainSettings() {
        if (!Rules.NAMES.contains(rule)) {
            throw new IllegalArgumentException("unknown rule '" + rule + "' (--rule): use one of " + Rules.NAMES);
        }
        if (optimizer.equals("adam") && momentum != 0) {
            throw new IllegalArgumentException("--momentum " + momentum + " is not used by --optimizer adam"
                    + " (Adam has beta1 = 0.9): leave it out");
        }
        String method = solver.toLowerCase(Locale.ROOT);
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

    NetworkSpec networkSpec(int inputs, int outputs) {
        return new NetworkSpec(inputs, units, outputs, Nonlinearity.parse(nonlinearity, gain, 0.04, 2.0),
                Dynamics.parse(dynamics), Precision.parse(precision), trainInput, trainBias, trainReadout, readoutBias,
                recurrentScale, seed);
    }

    @Override
    public Integer call() throws IOException {
        JvmChecks.require("driver");
        SparkConf conf = given != null ? null : sparkConf();   // no master: fail before reading data
        TrainSettings settings = trainSettings();
        if (steps < 0 || trainSamples < 0 || logEvery < 0) {
            throw new IllegalArgumentException("--steps, --train-samples and --log-every must be >= 0");
        }
        SparkTrainer.Options options = new SparkTrainer.Options(localSteps, treeDepth, blasThreads);
        DataOptions dataOptions = dataDir == null ? DataOptions.defaults() : DataOptions.defaults().withDir(Path.of(dataDir));
        Dataset test = DataSets.load(dataset, "test", dataOptions);
        Dataset train = readOnExecutors ? null : TrainingData.loadTrain(dataset, dataDir, trainSamples);
        NetworkSpec spec = networkSpec(test.features(), test.classes());
        FixedPointNetwork net = spec.build();
        if (out != null) {
            Files.createDirectories(out);
        }
        JavaSparkContext sc = given != null ? given : startSpark(conf);
        try {
            int parts = partitions != null ? partitions : sc.defaultParallelism();
            try (TrainingData data = readOnExecutors
                    ? TrainingData.readOnExecutors(sc, dataset, dataDir, trainSamples, parts)
                    : TrainingData.ship(sc, train, parts)) {
                return train(sc, data, test, spec, net, settings, options);
            }
        } finally {
            if (given == null) {
                sc.stop();
            }
        }
    }

    /** The Spark configuration: spark-submit's, with --master if given. */
    private SparkConf sparkConf() {
        SparkConf conf = new SparkConf().setAppName("fprnn-spark " + rule + " lr " + lr);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: run under spark-submit (--master ...), or give"
                    + " --master local[2] to train in this JVM on 2 cores");
        }
        return LocalSpark.loopback(conf);
    }

    private static JavaSparkContext startSpark(SparkConf conf) {
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        return sc;
    }

    private int train(JavaSparkContext sc, TrainingData data, Dataset test, NetworkSpec spec, FixedPointNetwork net,
                      TrainSettings settings, SparkTrainer.Options options) throws IOException {
        SparkTrainer trainer = new SparkTrainer(sc, data, test, spec, settings, options);
        Optimizer opt = settings.newOptimizer();
        int total = steps > 0 ? Math.min(steps, trainer.trainer().totalSteps()) : trainer.trainer().totalSteps();
        stdout.printf(Locale.ROOT, "fprnn-spark: %s, lr %s, %s; %d training samples in %d partitions (%s), batch %d,"
                        + " %d steps, %s; master %s, %d BLAS thread(s) per task%n", settings.rule(), settings.lr(),
                settings.optimizer(), data.size(), data.partitions(), readOnExecutors ? "read on the executors" : "shipped",
                settings.batchSize(), total, localSteps == 0 ? "synchronous" : "local SGD, " + localSteps
                        + " local steps per average", sc.master(), blasThreads);
        stdout.println("fprnn-spark: executors' BLAS: " + String.join("; ", trainer.executorBlas()));
        long t0 = System.nanoTime();
        Trainer.Result res = trainer.run(net, opt, total, new Trainer.Listener() {
            @Override
            public void onStep(StepRecord s) {
                if (s.withoutUpdate()) {
                    stdout.printf(Locale.ROOT, "step %d: no update: %s%n", s.step(),
                            s.refused() != null ? s.refused() : s.skipped());
                } else if (logEvery > 0 && ((s.step() + 1) % logEvery == 0 || s.step() + 1 == total)) {
                    stdout.printf(Locale.ROOT, "step %d/%d: train loss %.4f, acc %.3f%s, %.3f s/step%n", s.step() + 1,
                            total, s.trainLoss(), s.trainAccuracy(), Double.isNaN(s.testLoss()) ? ""
                                    : String.format(Locale.ROOT, "; test batch loss %.4f, acc %.3f", s.testLoss(),
                                    s.testAccuracy()), s.seconds());
                }
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        EvalRecord eval = res.evaluations().isEmpty() ? null : res.evaluations().getLast();
        if (eval == null && !noEval && res.stepsDone() > 0) {
            eval = trainer.trainer().evaluate(net, test, res.stepsDone(), trainer.trainer().schedule().epoch(res.stepsDone() - 1));
        }
        String outcome = switch (res.outcome()) {
            case COMPLETED, STOPPED -> "completed";
            case DIVERGED -> "diverged";
        };
        stdout.printf(Locale.ROOT, "fprnn-spark: %s after %d steps in %.1f s (%.3f s/step)%s%n", outcome, res.stepsDone(),
                seconds, seconds / Math.max(1, res.stepsDone()), res.divergence() == null ? "" : ": " + res.divergence());
        if (eval != null) {
            stdout.printf(Locale.ROOT, "test set (%d samples): loss %.4f, accuracy %.4f%n", test.size(), eval.loss(),
                    eval.accuracy());
        }
        if (out != null) {
            write(net, settings, data, res, eval, seconds, outcome, sc.master());
            stdout.println("fprnn-spark: wrote " + out.toAbsolutePath());
        }
        return 0;
    }

    private void write(FixedPointNetwork net, TrainSettings settings, TrainingData data, Trainer.Result res,
                       EvalRecord eval, double seconds, String outcome, String sparkMaster) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rule", settings.rule());
        meta.put("lr", Double.toString(settings.lr()));
        meta.put("outcome", outcome);
        meta.put("steps", Integer.toString(res.stepsDone()));
        meta.put("trainer", "fprnn-spark");
        meta.put("settings", Json.write(settingsMap(settings, data)));
        Safetensors.write(out.resolve("weights.safetensors"), new LinkedHashMap<>(net.params().asMap()), meta);
        Files.writeString(out.resolve("metrics.jsonl"), metricsText(res, settings, eval), StandardCharsets.UTF_8);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("outcome", outcome);
        summary.put("divergence", res.divergence());
        summary.put("steps", res.stepsDone());
        summary.put("seconds", seconds);
        summary.put("seconds_per_step", seconds / Math.max(1, res.stepsDone()));
        List<StepRecord> st = res.steps();
        summary.put("final_train_loss", st.isEmpty() ? null : st.getLast().trainLoss());
        summary.put("test_loss", eval == null ? null : eval.loss());
        summary.put("test_accuracy", eval == null ? null : eval.accuracy());
        summary.put("spark_master", sparkMaster);
        summary.put("machine", Environment.describe());
        summary.put("settings", settingsMap(settings, data));
        Files.writeString(out.resolve("summary.json"), Json.pretty(summary), StandardCharsets.UTF_8);
    }

    private static String metricsText(Trainer.Result res, TrainSettings settings, EvalRecord eval) {
        StringBuilder sb = new StringBuilder();
        for (StepRecord s : res.steps()) {
            sb.append(MetricsLines.step(settings.rule(), settings.lr(), s)).append('\n');
        }
        if (eval != null) {
            sb.append(MetricsLines.eval(settings.rule(), settings.lr(), eval)).append('\n');
        }
        return sb.toString();
    }

    private Map<String, Object> settingsMap(TrainSettings s, TrainingData data) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", dataset);
        m.put("train_samples", data.size());
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
        m.put("partitions", data.partitions());
        m.put("local_steps", localSteps);
        m.put("tree_depth", treeDepth);
        m.put("blas_threads", blasThreads);
        return m;
    }
}
