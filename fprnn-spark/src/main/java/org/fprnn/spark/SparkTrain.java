package org.fprnn.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.fprnn.cli.DecimalConverter;
import org.fprnn.cli.UserError;
import org.fprnn.cli.classify.ClassificationRunner;
import org.fprnn.cli.classify.StopSignal;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.Dataset;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.linalg.Blas;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.Rules;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
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
 * failure while running, 2 bad input, 130 after Ctrl-C and 143 after SIGTERM (which write the
 * checkpoint of the steps done, as fprnn run does).
 */
@Command(name = "fprnn-spark", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        version = "fprnn-spark 0.1.0",
        description = {"Trains a recurrent network at its fixed points on Apache Spark: every step's batch is split"
            + " over the partitions of the training set (synchronous data parallelism; the same weights as"
            + " single-process fprnn training on the same batches), or every partition takes --local-steps"
            + " steps of its own between averages (local SGD, which is not the same as synchronous training).",
            "Writes weights.safetensors, metrics.jsonl and summary.json into --out. Ctrl-C (exit code 130) or"
            + " SIGTERM (143) writes the checkpoint of the steps done; the same command resumes from it. See"
            + " fprnn-spark/README.md."})
public final class SparkTrain implements Callable<Integer> {

    @ArgGroup(exclusive = true, validate = false, order = 1)
    RunSource source = new RunSource();

    @Spec
    CommandSpec commandSpec;

    // ---------------------------------------------------------------- the run of either source
    @Option(names = "--rule", completionCandidates = Rules.Known.class, description = "${COMPLETION-CANDIDATES}"
            + " (default linearized; with --config: the config's rule, needed when it sweeps several)")
    String rule;

    @Option(names = "--lr", description = "learning rate (required; with --config: needed when the config gives"
            + " the rule several)")
    Double lr;

    @Option(names = "--read-on-executors", description = "every executor reads the training split from --data-dir"
            + " (or the usual places) on its own disk, instead of the driver reading and shipping it")
    boolean readOnExecutors;

    @Option(names = "--steps", defaultValue = "0", description = "stop after this many steps (0: all epochs)")
    int steps;

    @Option(names = "--no-eval", description = "skip the evaluation of the whole test set at the end (on the driver)")
    boolean noEval;

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

    /** Exit codes: 0 done, 1 failure while running, 2 bad input or usage, 130 or 143 stopped by a signal. */
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
        CommandLine cl = DecimalConverter.registerWith(new CommandLine(cmd));
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
        if (JvmChecks.badBlasSetting("fprnn-spark", err)) {
            return 2;
        }
        return cl.execute(args);
    }

    /** --out's lock while this run writes into it: one process at a time, as for fprnn run. */
    private FolderLock lock;

    private void releaseLock() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }

    /** Set once a stopped run has said where it stopped (and written its checkpoint). */
    private boolean stopReported;

    @Override
    public Integer call() throws IOException {
        try {
            return trainRun();
        } finally {
            releaseLock();
        }
    }

    private int trainRun() throws IOException {
        JvmChecks.require("driver");
        if (singleProcess && (master != null || partitions != null || localSteps != 0 || readOnExecutors)) {
            throw new IllegalArgumentException("--single-process trains in this JVM without Spark: leave out --master,"
                    + " --partitions, --local-steps and --read-on-executors");
        }
        if (master != null && !MASTER.matcher(master).matches()) {
            throw new IllegalArgumentException("--master " + master + " is not a Spark master URL: give local,"
                    + " local[N], local[*], local[N,F] (F task failures allowed), local-cluster[W,C,M],"
                    + " spark://HOST:PORT (a standalone cluster), yarn or k8s://HOST:PORT");
        }
        RunSource.Run run = source.choose(commandSpec.commandLine().getParseResult(), rule, lr);
        if (run.config() != null) {
            var cfg = run.config().config();
            PrintWriter err = commandSpec.commandLine().getErr();
            cfg.noteKeysWithoutEffect(err, List.of(run.rule()), "this submission (--rule " + run.rule() + ")");
            if (!singleProcess && cfg.diagnostics().every() > 0) {
                err.println("note: " + org.fprnn.config.Keys.noEffect("diagnostics.every", cfg.diagnostics().every(),
                        "fprnn-spark's distributed steps measure no diagnostics (--single-process does)"));
            }
        }
        SparkConf conf = given != null || singleProcess ? null : sparkConf(run);   // no master: fail before reading data
        TrainSettings settings = run.settings();
        if (steps < 0 || run.trainSamples() < 0 || logEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("--steps, --train-samples, --log-every and --checkpoint-every must be >= 0");
        }
        if (checkpointEvery > 0 && out == null) {
            throw new IllegalArgumentException("--checkpoint-every writes into --out: give --out too");
        }
        SparkTrainer.Options options = new SparkTrainer.Options(localSteps, treeDepth, blasThreads);
        Dataset test = run.loadTest();
        Dataset train = readOnExecutors ? null
                : TrainingData.loadTrain(run.dataset(), run.classes(), run.dataDir(), run.trainSamples());
        NetworkSpec.ForData spec = run.network(test);
        FixedPointNetwork net = spec.build();
        Checkpoint saved = null;
        if (out != null) {
            // Two drivers writing one folder would replace each other's checkpoints: the second is refused.
            lock = FolderLock.acquire(out, "fprnn-spark "
                    + String.join(" ", commandSpec.commandLine().getParseResult().originalArgs()), FolderLock.SWEEP_ON_STOP, stdout);
            saved = Checkpoint.readIfPresent(out);
        }
        try (StopSignal stop = stopSignal()) {
            try {
                if (singleProcess) {
                    Blas.setThreads(blasThreads);
                    Trainer plain = new Trainer(settings, train, test);
                    return train(plain, plain::run, new Shape(train.size(), 1, "single process", "in this JVM, "
                            + Blas.get().name()), run, net, test, settings, saved, stop);
                }
                JavaSparkContext sc = given != null ? given : startSpark(conf);
                if (given == null) {
                    holdSparkUntilStopped(stop);
                }
                try {
                    int parts = partitions != null ? partitions : sc.defaultParallelism();
                    try (TrainingData data = readOnExecutors ? TrainingData.readOnExecutors(sc, run.dataset(),
                            run.classes(), run.dataDir(), run.trainSamples(), parts) : TrainingData.ship(sc, train, parts)) {
                        SparkTrainer trainer = new SparkTrainer(sc, data, test, spec, settings, options);
                        stdout.println("fprnn-spark: executors' BLAS: " + String.join("; ", trainer.executorBlas()));
                        String where = String.format(Locale.ROOT, "%d partitions (%s), %s; master %s, %d BLAS"
                                + " thread(s) per task", data.partitions(), readOnExecutors ? "read on the executors"
                                : "shipped", localSteps == 0 ? "synchronous" : "local SGD, " + localSteps
                                + " local steps per average", sc.master(), blasThreads);
                        return train(trainer.trainer(), (n, o, start, refusals, l) -> trainer.run(n, o, start,
                                refusals, 0, l), new Shape(data.size(), data.partitions(), sc.master(), where), run,
                                net, test, settings, saved, stop);
                    }
                } finally {
                    if (given == null) {
                        sc.stop();
                    }
                }
            } catch (Exception e) {   // as in train(): Spark's SparkExceptions too
                if (!stop.requested() || !stoppedContext(e)) {
                    throw e;   // a failure of this command's own (writing the checkpoint, say) is not hidden
                }
                // Spark's shutdown hook, run at the signal, stopped the context under this command.
                if (!stopReported) {
                    stdout.println("fprnn-spark: stopped before the first training step of this command; nothing was"
                            + " trained or written" + (out == null ? "" : ", and the same command starts (or resumes)"
                            + " where " + out + " stands"));
                }
                return ClassificationRunner.EXIT_STOPPED;
            }
        }
    }

    /**
     * Ctrl-C and SIGTERM as fprnn run handles them: the run stops after its current step, writes its
     * checkpoint, and releases --out's lock before the JVM exits (code 130 or 143); a second signal
     * ends it at once.
     */
    private StopSignal stopSignal() {
        String onStop = out == null ? "stopping after the current step; nothing is saved without --out"
                : "stopping after the current step to write " + out.resolve(Checkpoint.FILE) + "; the same command"
                + " resumes from it (a second Ctrl-C stops at once, losing the steps since the last checkpoint)";
        String onHalt = out == null ? "nothing is saved without --out" : "the last checkpoint written (every"
                + " --checkpoint-every steps, or at an earlier stop), if any, stays, and the same command resumes from it";
        return new StopSignal(commandSpec.commandLine().getErr(), "fprnn-spark", onStop, onHalt, this::releaseLock);
    }

    /**
     * Spark stops its context from a shutdown hook that it runs through Hadoop's ShutdownHookManager
     * at priority 40 ({@code SparkShutdownHookManager.install}); at a signal that would fail the step
     * under way. Hadoop runs hooks one after the other, the highest priority first: this one runs
     * before Spark's and waits until the run has finished its step, written its checkpoint and
     * stopped the context itself (or, without a stop, returns at once).
     */
    private static void holdSparkUntilStopped(StopSignal stop) {
        org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(() -> {
            try {
                stop.awaitClose();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, SPARK_SHUTDOWN_PRIORITY + 1, StopSignal.WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** The priority of Spark's shutdown hook in Hadoop's ShutdownHookManager (FileSystem's 10 + 30). */
    private static final int SPARK_SHUTDOWN_PRIORITY = 40;

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

    /** The master URLs Spark accepts (checked here: Spark's own refusal is a stack trace). */
    private static final java.util.regex.Pattern MASTER = java.util.regex.Pattern.compile(
            "local(\\[\\s*(\\d+|\\*)\\s*(,\\s*\\d+\\s*)?])?|local-cluster\\[\\s*\\d+\\s*,\\s*\\d+\\s*,\\s*\\d+\\s*]"
                    + "|spark://[^\\s,/]+:\\d+(,[^\\s,/]+:\\d+)*|yarn|k8s://\\S+");

    /** The Spark configuration: spark-submit's, with --master if given. */
    private SparkConf sparkConf(RunSource.Run run) {
        SparkConf conf = new SparkConf().setAppName("fprnn-spark " + run.rule() + " lr " + run.lr());
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

    private int train(Trainer trainer, Runner runner, Shape shape, RunSource.Run run, FixedPointNetwork net,
                      Dataset test, TrainSettings settings, Checkpoint saved, StopSignal stop) throws IOException {
        Optimizer opt = settings.newOptimizer();
        Map<String, Object> settingsMap = settingsMap(run, settings, shape);
        String settingsJson = Json.write(settingsMap);
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
        RunFolder folder = new RunFolder(out, stdout, checkpointEvery, logEvery);
        RunFolder.Listener listener = folder.listener(settings, settingsJson, net, opt, total, start, refusalsBefore,
                secondsBefore, lines, stop::requested);
        long t0 = System.nanoTime();
        Trainer.Result res;
        try {
            res = start >= total
                    ? new Trainer.Result(start >= trainer.totalSteps() ? Trainer.Outcome.COMPLETED
                            : Trainer.Outcome.STOPPED, start, List.of(), List.of(), null)
                    : runner.run(net, opt, start, refusalsBefore, listener);
        } catch (Exception e) {   // Spark's own failures are checked SparkExceptions, thrown undeclared
            if (!stop.requested() || !stoppedContext(e)) {
                throw e;
            }
            // The context stopped under the step (Spark's hook not held back by holdSparkUntilStopped:
            // another Spark, or its wait ran out): the weights, the optimizer and the lines are those of
            // the steps done before it, which the checkpoint below keeps.
            res = new Trainer.Result(Trainer.Outcome.STOPPED, listener.stepsDone(), List.of(), List.of(), null);
        }
        double seconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
        if (stop.requested() && res.outcome() == Trainer.Outcome.STOPPED) {   // a run that ended anyway writes its pages
            return stopped(listener, res.stepsDone(), start, total, seconds);
        }
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
            folder.write(net, settings, settingsMap, shape.master(), res, outLines, eval, seconds, outcome);
            stdout.println("fprnn-spark: wrote " + out.toAbsolutePath());
        }
        return 0;
    }

    /**
     * True for what Spark throws when its shutdown hook stopped the context under a job or a call (a
     * SparkException, "Job N cancelled because SparkContext was shut down", or an IllegalStateException
     * about the stopped SparkContext), the only failures a stop may turn into "stopped".
     */
    static boolean stoppedContext(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.spark.SparkException
                    || t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("SparkContext")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A run stopped by a signal: its checkpoint (when it trained in this command and has --out), and
     * where it stopped. The pages (weights, summary, the final evaluation) are left to the run that
     * finishes.
     */
    private int stopped(RunFolder.Listener listener, int stepsDone, int start, int total, double seconds) {
        String saved;
        if (out == null) {
            saved = "nothing saved (no --out)";
        } else if (stepsDone > start) {
            listener.checkpoint(stepsDone, seconds);
            saved = "checkpoint " + out.resolve(Checkpoint.FILE) + "; the same command resumes from it";
        } else {
            saved = "no step done in this command, " + out + " as it was; the same command starts (or resumes) there";
        }
        stdout.printf(Locale.ROOT, "fprnn-spark: stopped after step %d of %d (%d in this command); %s%n", stepsDone,
                total, stepsDone - start, saved);
        stdout.flush();
        stopReported = true;
        return ClassificationRunner.EXIT_STOPPED;
    }

    /** The last line's evaluation if it is one made after {@code stepsDone} steps, else null. */
    private static EvalRecord lastEvaluation(List<String> lines, int stepsDone) throws FormatException {
        if (lines.isEmpty()) {
            return null;
        }
        return MetricsLines.parse(lines.getLast(), "metrics") instanceof EvalRecord e && e.step() == stepsDone ? e : null;
    }

    /**
     * What decides the run, for summary.json and the checkpoint's identity: the run's own identity
     * ({@link RunSource.Run#putIdentity}) and the Spark options that change the sums.
     */
    private Map<String, Object> settingsMap(RunSource.Run run, TrainSettings s, Shape shape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trainer", singleProcess ? "single process" : "spark");
        run.putIdentity(m, s, shape.trainSize());
        m.put("partitions", shape.partitions());
        m.put("local_steps", localSteps);
        m.put("tree_depth", treeDepth);
        m.put("blas_threads", blasThreads);
        return m;
    }
}
