package org.fprnn.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.fprnn.cli.UserError;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.diag.Environment;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Blas;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The command-line entry of fprnn-spark, for spark-submit:
 *
 * <pre>
 * spark-submit --class org.fprnn.spark.SparkTrain fprnn-spark/target/fprnn-spark.jar \
 *     --config configs/p3c-mnist.toml --rule linearized --lr 0.05 --out results/spark
 * spark-submit --class org.fprnn.spark.SparkTrain fprnn-spark/target/fprnn-spark.jar \
 *     --data mnist --units 300 --rule linearized --lr 0.1 --batch 512 --steps 300 --out results/spark
 * </pre>
 *
 * Trains one rule at one learning rate on a classification data set, either as one run of an
 * {@code fprnn run} config ({@code --config}: every network type that config describes, with its
 * data, solver, rule and training settings) or as the options describe (a single dense layer), and
 * writes the weights
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

    // ---------------------------------------------------------------- config
    @Option(names = "--config", paramLabel = "CONFIG.toml", description = "train one run of an fprnn run"
            + " classification config (its [data], [network], [solver], [rule] and [train]); the sweep's run is"
            + " chosen with --rule and --lr when it has several. The data, network, solver and training options"
            + " below are then not given")
    Path config;

    @Option(names = "--set", paramLabel = "TABLE.KEY=VALUE", description = "with --config: override a config value,"
            + " as fprnn run --set (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec commandSpec;

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

    @Option(names = "--nonlinearity", defaultValue = "tanh", completionCandidates = Nonlinearity.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String nonlinearity;

    @Option(names = "--gain", defaultValue = "1", description = "gain of the linear nonlinearity (default ${DEFAULT-VALUE})")
    double gain;

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

    // ---------------------------------------------------------------- solver and rule
    @Option(names = "--solver", defaultValue = "anderson", completionCandidates = org.fprnn.solve.Solvers.Known.class,
            description = "forward solver: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String solver;

    @Option(names = "--alpha", description = "euler: dt/tau (default 0.1); picard: damping (default 1)")
    Double alpha;

    @Option(names = "--max-iter", description = "solver iteration limit; for euler the number of steps (default 500 for euler, 200 otherwise)")
    Integer maxIter;

    @Option(names = "--tol", defaultValue = "1e-6", description = "stop when every sample's max|r - f(W r + h)| is at or below it; euler with 0 runs exactly --max-iter steps (default ${DEFAULT-VALUE})")
    double tol;

    @Option(names = "--rule", completionCandidates = Rules.Known.class, description = "${COMPLETION-CANDIDATES}"
            + " (default linearized; with --config: the config's rule, needed when it sweeps several)")
    String rule;

    @Option(names = "--gains", defaultValue = "derivative", description = "derivative or from_rates (1 - r^2, tanh only) (default ${DEFAULT-VALUE})")
    String gains;

    @Option(names = "--adjoint-tol", defaultValue = "1e-8", description = "relative residual of the gradient rule's adjoint solve (default ${DEFAULT-VALUE})")
    double adjointTol;

    @Option(names = "--adjoint-max-iter", defaultValue = "2000", description = "iteration limit of the adjoint solve (default ${DEFAULT-VALUE})")
    int adjointMaxIter;

    // ---------------------------------------------------------------- training
    @Option(names = "--lr", description = "learning rate (required; with --config: needed when the config gives"
            + " the rule several)")
    Double lr;

    @Option(names = "--optimizer", defaultValue = "sgd", completionCandidates = org.fprnn.optim.Optimizers.Known.class,
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

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "with --out: also write the checkpoint"
            + " every K steps (it is always written at the end; in local-SGD mode at the end of the round that reaches"
            + " a multiple of K). The same command resumes from --out's checkpoint (default ${DEFAULT-VALUE}: only at the end)")
    int checkpointEvery;

    @Option(names = "--single-process", description = "train in this JVM without Spark, with fprnn-core's trainer on"
            + " the same batches: the reference that Spark runs are compared with")
    boolean singleProcess;

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
                    || ex instanceof FormatException || ex instanceof UncheckedIOException
                    || ex instanceof UserError) {
                c.getErr().println("fprnn-spark: " + ex.getMessage());
                return 2;
            }
            c.getErr().println("fprnn-spark: " + ex);
            ex.printStackTrace(c.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    /** The options the config sets, refused next to --config. */
    private static final List<String> CONFIG_OWNED = List.of("--data", "--data-dir", "--train-samples", "--units",
            "--nonlinearity", "--gain", "--dynamics", "--precision", "--train-input", "--train-bias",
            "--train-readout", "--readout-bias", "--recurrent-scale", "--solver", "--alpha", "--max-iter", "--tol",
            "--gains", "--adjoint-tol", "--adjoint-max-iter", "--optimizer", "--momentum", "--weight-decay", "--batch",
            "--epochs", "--test-batch", "--on-nonconverged", "--seed");

    /**
     * With --config: the config's run, after refusing the options the config sets; the data options
     * then take the config's values. Without: null, after checking --lr and --set.
     */
    private SparkConfig readConfig() {
        var parsed = commandSpec.commandLine().getParseResult();
        if (config == null) {
            if (!overrides.isEmpty()) {
                throw new IllegalArgumentException("--set overrides a value of a config: give --config CONFIG.toml too");
            }
            if (lr == null) {
                throw new IllegalArgumentException("--lr is required: give the learning rate, e.g. --lr 0.1 (or train"
                        + " a run of a config with --config CONFIG.toml)");
            }
            rule = rule == null ? "linearized" : rule;
            return null;
        }
        for (String o : CONFIG_OWNED) {
            if (parsed.hasMatchedOption(o)) {
                throw new IllegalArgumentException(o + " is set by the config (" + config + "): leave it out, or"
                        + " override the config's value with --set TABLE.KEY=VALUE");
            }
        }
        SparkConfig c = SparkConfig.load(config, overrides, rule, lr);
        rule = c.run().rule();
        lr = c.run().lr();
        dataset = c.data().name();
        dataDir = c.data().dataDir();
        classes = c.data().classes();
        trainSamples = c.trainLimit();
        return c;
    }

    /** data.classes of an "idx" folder (from --config), or null. */
    private Integer classes;

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

    /**
     * The network the options describe (a single dense layer), as fprnn-core's {@link NetworkSpec}
     * for this data set's images and classes.
     */
    NetworkSpec.ForData networkSpec(Dataset data) {
        return new NetworkSpec(units, nonlinearity, gain, dynamics, precision, trainInput, trainBias, trainReadout,
                readoutBias, recurrentScale, null, null, null, null, null, null, null, null, null, null, null)
                .forData(data.imageShape(), data.classes(), seed);
    }

    @Override
    public Integer call() throws IOException {
        JvmChecks.require("driver");
        if (singleProcess && (master != null || partitions != null || localSteps != 0 || readOnExecutors)) {
            throw new IllegalArgumentException("--single-process trains in this JVM without Spark: leave out --master,"
                    + " --partitions, --local-steps and --read-on-executors");
        }
        SparkConfig runConfig = readConfig();
        SparkConf conf = given != null || singleProcess ? null : sparkConf();   // no master: fail before reading data
        TrainSettings settings = runConfig != null ? runConfig.settings() : trainSettings();
        if (steps < 0 || trainSamples < 0 || logEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("--steps, --train-samples, --log-every and --checkpoint-every must be >= 0");
        }
        if (checkpointEvery > 0 && out == null) {
            throw new IllegalArgumentException("--checkpoint-every writes into --out: give --out too");
        }
        SparkTrainer.Options options = new SparkTrainer.Options(localSteps, treeDepth, blasThreads);
        DataOptions dataOptions = dataDir == null ? DataOptions.defaults() : DataOptions.defaults().withDir(Path.of(dataDir));
        Dataset test = runConfig != null ? runConfig.loadTest() : DataSets.load(dataset, "test", dataOptions);
        Dataset train = readOnExecutors ? null : TrainingData.loadTrain(dataset, classes, dataDir, trainSamples);
        NetworkSpec.ForData spec = runConfig != null ? runConfig.network(test) : networkSpec(test);
        this.runConfig = runConfig;
        FixedPointNetwork net = spec.build();
        Checkpoint saved = null;
        if (out != null) {
            Files.createDirectories(out);
            saved = Checkpoint.readIfPresent(out);
        }
        if (singleProcess) {
            Blas.setThreads(blasThreads);
            Trainer plain = new Trainer(settings, train, test);
            return train(plain, plain::run, new Shape(train.size(), 1, "single process", "in this JVM, " + Blas.get().name()),
                    net, test, settings, saved);
        }
        JavaSparkContext sc = given != null ? given : startSpark(conf);
        try {
            int parts = partitions != null ? partitions : sc.defaultParallelism();
            try (TrainingData data = readOnExecutors
                    ? TrainingData.readOnExecutors(sc, dataset, classes, dataDir, trainSamples, parts)
                    : TrainingData.ship(sc, train, parts)) {
                SparkTrainer trainer = new SparkTrainer(sc, data, test, spec, settings, options);
                stdout.println("fprnn-spark: executors' BLAS: " + String.join("; ", trainer.executorBlas()));
                String where = String.format(Locale.ROOT, "%d partitions (%s), %s; master %s, %d BLAS thread(s) per task",
                        data.partitions(), readOnExecutors ? "read on the executors" : "shipped", localSteps == 0
                                ? "synchronous" : "local SGD, " + localSteps + " local steps per average", sc.master(),
                        blasThreads);
                return train(trainer.trainer(), (n, o, start, refusals, l) -> trainer.run(n, o, start, refusals, 0, l),
                        new Shape(data.size(), data.partitions(), sc.master(), where), net, test, settings, saved);
            }
        } finally {
            if (given == null) {
                sc.stop();
            }
        }
    }

    /** Trains from a step on (single-process or on Spark). */
    @FunctionalInterface
    private interface Runner {
        Trainer.Result run(FixedPointNetwork net, Optimizer opt, int startStep, int refusalsBefore,
                           Trainer.Listener listener);
    }

    /**
     * Where a run trains: the training samples, the partitions, what summary.json names as the master,
     * and a description for the first line printed.
     */
    private record Shape(int trainSize, int partitions, String master, String description) {
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

    private int train(Trainer trainer, Runner runner, Shape shape, FixedPointNetwork net, Dataset test,
                      TrainSettings settings, Checkpoint saved) throws IOException {
        Optimizer opt = settings.newOptimizer();
        String settingsJson = Json.write(settingsMap(settings, shape));
        int start = 0;
        int refusalsBefore = 0;
        double secondsBefore = 0;
        List<String> lines = new ArrayList<>();
        if (saved != null) {
            saved.requireSettings(settingsJson);
            saved.restore(net, opt);
            start = saved.step();
            refusalsBefore = saved.refusals();
            secondsBefore = saved.seconds();
            lines.addAll(saved.lines());
        }
        int total = steps > 0 ? Math.min(steps, trainer.totalSteps()) : trainer.totalSteps();
        stdout.printf(Locale.ROOT, "fprnn-spark: %s, lr %s, %s; %d training samples, batch %d, %d steps; %s%n",
                settings.rule(), settings.lr(), settings.optimizer(), shape.trainSize(), settings.batchSize(), total,
                shape.description());
        if (saved != null) {
            stdout.printf(Locale.ROOT, "fprnn-spark: resuming from %s after step %d%n", out.resolve(Checkpoint.FILE),
                    start);
        }
        CheckpointingListener listener = new CheckpointingListener(settings, settingsJson, net, opt, total, start,
                refusalsBefore, secondsBefore, lines);
        long t0 = System.nanoTime();
        Trainer.Result res = start >= total
                ? new Trainer.Result(start >= trainer.totalSteps() ? Trainer.Outcome.COMPLETED : Trainer.Outcome.STOPPED,
                        start, List.of(), List.of(), null)
                : runner.run(net, opt, start, refusalsBefore, listener);
        double seconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
        if (out != null) {
            listener.checkpoint(res.stepsDone(), seconds);
        }
        List<String> outLines = new ArrayList<>(lines);
        EvalRecord eval = lastEvaluation(lines, res.stepsDone());
        if (eval == null && !noEval && res.stepsDone() > 0) {
            eval = trainer.evaluate(net, test, res.stepsDone(),
                    trainer.schedule().epoch(res.stepsDone() - 1));
            outLines.add(MetricsLines.eval(settings.rule(), settings.lr(), eval));
        }
        String outcome = switch (res.outcome()) {
            case COMPLETED, STOPPED -> "completed";
            case DIVERGED -> "diverged";
        };
        int trained = res.stepsDone() - start;
        stdout.printf(Locale.ROOT, "fprnn-spark: %s after %d steps (%d in this run) in %.1f s (%.3f s/step)%s%n",
                outcome, res.stepsDone(), trained, seconds, seconds / Math.max(1, res.stepsDone()),
                res.divergence() == null ? "" : ": " + res.divergence());
        if (eval != null) {
            stdout.printf(Locale.ROOT, "test set (%d samples): loss %.4f, accuracy %.4f%n", test.size(),
                    eval.loss(), eval.accuracy());
        }
        if (out != null) {
            write(net, settings, shape, res, outLines, eval, seconds, outcome);
            stdout.println("fprnn-spark: wrote " + out.toAbsolutePath());
        }
        return 0;
    }

    /** The last line's evaluation if it is one made after {@code stepsDone} steps, else null. */
    private static EvalRecord lastEvaluation(List<String> lines, int stepsDone) throws FormatException {
        if (lines.isEmpty()) {
            return null;
        }
        return MetricsLines.parse(lines.getLast(), "metrics") instanceof EvalRecord e && e.step() == stepsDone ? e : null;
    }

    /**
     * Prints progress, keeps the metrics lines, and writes the checkpoint every --checkpoint-every
     * steps (after the step's update and evaluation, where weights and optimizer state belong to the
     * same step). Stops the run after {@code total} steps.
     */
    private final class CheckpointingListener implements Trainer.Listener {
        private final TrainSettings settings;
        private final String settingsJson;
        private final FixedPointNetwork net;
        private final Optimizer opt;
        private final int total;
        private final double secondsBefore;
        private final List<String> lines;
        private final long t0 = System.nanoTime();
        private int refusals;
        private int lastCheckpoint;

        CheckpointingListener(TrainSettings settings, String settingsJson, FixedPointNetwork net, Optimizer opt,
                              int total, int start, int refusalsBefore, double secondsBefore, List<String> lines) {
            this.settings = settings;
            this.settingsJson = settingsJson;
            this.net = net;
            this.opt = opt;
            this.total = total;
            this.lastCheckpoint = start;
            this.refusals = refusalsBefore;
            this.secondsBefore = secondsBefore;
            this.lines = lines;
        }

        @Override
        public void onStep(StepRecord s) {
            lines.add(MetricsLines.step(settings.rule(), settings.lr(), s));
            refusals = s.withoutUpdate() ? refusals + 1 : 0;
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

        @Override
        public void onEvaluation(EvalRecord eval) {
            lines.add(MetricsLines.eval(settings.rule(), settings.lr(), eval));
        }

        @Override
        public boolean stopAfter(int stepsDone) {
            if (checkpointEvery > 0 && stepsDone < total && stepsDone / checkpointEvery > lastCheckpoint / checkpointEvery) {
                checkpoint(stepsDone, secondsBefore + (System.nanoTime() - t0) / 1e9);
                stdout.printf(Locale.ROOT, "fprnn-spark: checkpoint after step %d%n", stepsDone);
            }
            return stepsDone >= total;
        }

        void checkpoint(int stepsDone, double seconds) {
            try {
                Checkpoint.write(out, settings.rule(), settings.lr(), settings.seed(), settingsJson, net, opt, stepsDone, seconds,
                        refusals, lines);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the checkpoint into " + out + ": " + e.getMessage(), e);
            }
            lastCheckpoint = stepsDone;
        }
    }

    private void write(FixedPointNetwork net, TrainSettings settings, Shape shape, Trainer.Result res, List<String> lines,
                       EvalRecord eval, double seconds, String outcome) throws IOException {
        Map<String, Object> settingsMap = settingsMap(settings, shape);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rule", settings.rule());
        meta.put("lr", Double.toString(settings.lr()));
        meta.put("outcome", outcome);
        meta.put("steps", Integer.toString(res.stepsDone()));
        meta.put("trainer", "fprnn-spark");
        meta.put("settings", Json.write(settingsMap));
        Safetensors.write(out.resolve("weights.safetensors"), new LinkedHashMap<>(net.params().asMap()), meta);
        AtomicFiles.write(out.resolve("metrics.jsonl"), (lines.isEmpty() ? "" : String.join("\n", lines) + "\n")
                .getBytes(StandardCharsets.UTF_8));
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
        summary.put("spark_master", shape.master());
        summary.put("machine", Environment.describe());
        summary.put("settings", settingsMap);
        AtomicFiles.write(out.resolve("summary.json"), Json.pretty(summary).getBytes(StandardCharsets.UTF_8));
    }

    /** The config run being trained (--config), or null. */
    private SparkConfig runConfig;

    /**
     * What decides the run, for summary.json and the checkpoint's identity: with --config the run's
     * settings as {@code fprnn run} records them and the Spark options; else every option.
     */
    private Map<String, Object> settingsMap(TrainSettings s, Shape shape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", singleProcess ? "single process" : "spark");
        if (runConfig != null) {
            try {
                m.put("run", Json.parse(runConfig.settingsJson(), "the run's settings"));
            } catch (FormatException e) {
                throw new IllegalStateException(e);
            }
            m.put("train_samples", shape.trainSize());
        } else {
            putOptions(m, s, shape);
        }
        m.put("partitions", shape.partitions());
        m.put("local_steps", localSteps);
        m.put("tree_depth", treeDepth);
        m.put("blas_threads", blasThreads);
        return m;
    }

    /** The network, solver, rule and training options, in the order runs before --config recorded them. */
    private void putOptions(Map<String, Object> m, TrainSettings s, Shape shape) {
        m.put("data", dataset);
        m.put("train_samples", shape.trainSize());
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
