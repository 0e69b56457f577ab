package org.fprnn.spark;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.fprnn.cli.DecimalConverter;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.data.Dataset;
import org.fprnn.diag.DiagnosticSettings;
import org.fprnn.diag.Environment;
import org.fprnn.io.BenchmarksFile;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Params;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Synchronous data-parallel steps timed single-process, on Spark in local mode and (with --cluster)
 * on a standalone cluster, on the same batches from the same weights, for the networks of fprnn run
 * configs (by default P1-converged and P3c); the bytes every step moves, as computed from the
 * parameters shipped and as Spark counts them; and the cost model of {@link ParallelModel}, fitted to
 * jobs that only move bytes, checked against the timed steps and used to predict when data
 * parallelism pays. Prints a Markdown section and, with --write, puts it into a file such as
 * BENCHMARKS.md as the section "spark". Every number in the section comes from this run.
 */
@Command(name = "fprnn-spark-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times synchronous Spark training (local mode, standalone cluster) against single-process"
                + " training on the same batches, measures the bytes per step and fits when data parallelism pays.")
public final class SparkBench implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final List<Path> DEFAULT_CONFIGS = List.of(Path.of("configs/paper-mnist-converged.toml"),
            Path.of("configs/p3c-mnist.toml"));

    @Option(names = "--config", description = "an fprnn run config whose network, data, solver and training"
            + " settings to time; repeat for several (default: configs/paper-mnist-converged.toml and"
            + " configs/p3c-mnist.toml)")
    List<Path> configs;

    @Option(names = "--rule", defaultValue = "linearized", description = "the rule of each config's sweep to time,"
            + " at the middle of its learning rates (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--set", description = "KEY=VALUE override for every config, as fprnn run --set"
            + " (e.g. train.batch_size=128)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--steps", defaultValue = "30", description = "timed steps per run (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "steps left out of the per-step statistics"
            + " (JIT, first jobs) (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--jit-seconds", defaultValue = "8", description = "seconds of unmeasured training of each"
            + " network in this process before its single-process runs, so that Java's compiler has done its work"
            + " (default ${DEFAULT-VALUE})")
    double jitSeconds;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master of the local run"
            + " (default ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--partitions", defaultValue = "2", description = "partitions of the training set, one task"
            + " each (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--single-threads", description = "BLAS threads of the single-process run (default: all cores)")
    Integer singleThreads;

    @Option(names = "--probe-reps", defaultValue = "10", description = "timed jobs per payload size of the traffic"
            + " probe that fits the cost model (default ${DEFAULT-VALUE})")
    int probeReps;

    @Option(names = "--bandwidth", defaultValue = "1.25e8", description = "network bandwidth in bytes per second"
            + " for the predictions (default ${DEFAULT-VALUE}: 1 Gbit/s Ethernet)")
    double bandwidth;

    @Option(names = "--cluster", description = "also time the standalone cluster that spark-submit names (run"
            + " through scripts/spark-cluster.sh bench)")
    boolean cluster;

    @Option(names = "--write", description = "put the results into this Markdown file as the section 'spark'"
            + " (e.g. BENCHMARKS.md)")
    Path write;

    /** Payload sizes (doubles) of the traffic probe: from nothing to more than a dense N = 1000's W. */
    static final int[] PROBE_VALUES = {0, 1 << 15, 1 << 17, 1 << 19, 1 << 20};

    /** Machine counts of the predictions. */
    static final int[] MACHINES = {2, 4, 8};

    /** Dense widths the predictions scale the dense case to. */
    static final int[] DENSE_WIDTHS = {1000, 3000};

    public static void main(String[] args) {
        CommandLine cl = DecimalConverter.registerWith(new CommandLine(new SparkBench()));
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean user = ex instanceof IllegalArgumentException || ex instanceof org.fprnn.data.DataNotFoundException
                    || ex instanceof org.fprnn.cli.UserError || ex instanceof org.fprnn.io.FormatException;
            c.getErr().println("fprnn-spark-bench: " + (user ? ex.getMessage() : ex.toString()));
            return user ? 2 : 1;
        });
        if (JvmChecks.badBlasSetting("fprnn-spark-bench", cl.getErr())) {
            System.exit(2);
        }
        System.exit(cl.execute(args));
    }

    /** Per-step seconds of a run, the warm-up steps left out. */
    record Timing(double median, double mean, int steps) {
        static Timing of(List<StepRecord> records, int warmup) {
            double[] s = records.stream().skip(warmup).mapToDouble(StepRecord::seconds).toArray();
            return new Timing(SparkTraffic.median(s), Arrays.stream(s).average().orElse(Double.NaN), s.length);
        }
    }

    /**
     * One network to time: a config's run (its rule at the middle learning rate), with settings that
     * train {@code total} steps without test batches or diagnostics (they run on the driver and are not
     * part of a data-parallel step).
     */
    record Case(String name, Path config, double lr, Dataset train, NetworkSpec.ForData network,
                TrainSettings settings, String networkText, long trainedValues, int units) {
        static Case of(Path file, List<String> overrides, String rule, int total) {
            RunConfig cfg = ConfigLoader.load(file, overrides, RunConfig.class);
            ClassificationPlan plan = new ClassificationPlan(cfg);
            List<ClassificationPlan.RunSpec> runs = plan.runs().stream()
                    .filter(r -> r.rule().equals(rule) && !r.namedBySeed())
                    .sorted(java.util.Comparator.comparingDouble(ClassificationPlan.RunSpec::lr)).toList();
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("config " + file + " does not sweep the rule " + rule
                        + ": choose one of its rules with --rule");
            }
            ClassificationPlan.RunSpec run = runs.get((runs.size() - 1) / 2);
            SparkConfig sc = new SparkConfig(cfg, plan, run);
            Dataset train = TrainingData.loadTrain(cfg.data().name(), cfg.data().classes(), cfg.data().dataDir(),
                    sc.trainLimit());
            TrainSettings s = sc.settings();
            int perEpoch = BatchSchedule.of(s, train.size()).stepsPerEpoch();
            TrainSettings bench = new TrainSettings(s.rule(), s.lr(), s.optimizer(), s.momentum(), s.weightDecay(),
                    s.batchSize(), (total + perEpoch - 1) / perEpoch, s.forward(), s.ruleSettings(), 0, false, s.seed(),
                    s.onNonconverged(), s.maxDirectionNorm(), s.maxConsecutiveRefusals(), DiagnosticSettings.OFF,
                    s.warmStart(), s.options());
            NetworkSpec.ForData network = sc.network(train);
            FixedPointNetwork net = network.build();
            String name = file.getFileName().toString().replaceFirst("\\.toml$", "");
            return new Case(name, file, run.lr(), train, network, bench, network.spec().describe(net),
                    SparkBench.trainedValues(net.params(), net.trained()), net.units());
        }

        boolean dense() {
            return network.spec().plainDense();
        }
    }

    /** Values of the trained parameters: what a step broadcasts and every partition sends back. */
    static long trainedValues(Params params, Iterable<String> trained) {
        long n = 0;
        for (String name : trained) {
            n += (long) params.get(name).rows * params.get(name).cols;
        }
        return n;
    }

    /** Single-process timings of a case. */
    record Single(Timing allCores, Timing oneCore, Params weights, int stepsDone) {
        /** t_c: the step on one core (measured with one BLAS thread, or the all-cores run on one core). */
        double computeOneCore() {
            return oneCore.median();
        }
    }

    /**
     * One case on one Spark master: per-step times, the bytes of a step and the largest weight
     * difference to single-process.
     *
     * @param broadcastJava the step's broadcast (the batch's rows and the trained weights), Java-serialized
     * @param broadcastSpark the same broadcast as the driver's block manager holds it (Spark-serialized
     *     and compressed pieces, what each executor fetches)
     * @param aggregatedJava every partition's shard sums, Java-serialized, added over the partitions
     * @param resultsSpark Spark's task metrics: result (and shuffle) bytes per step, all tasks
     */
    record SparkRun(Case bench, Timing timing, double shipSeconds, long broadcastJava, long broadcastSpark,
                    long aggregatedJava, double resultsSpark, double diff, int stepsDone) {
        /** Bytes per step in the model's measure: partitions x broadcast + every partition's sums. */
        long traffic(int partitions) {
            return partitions * broadcastJava + aggregatedJava;
        }
    }

    /** Everything measured on one Spark master. */
    record Master(String label, int executors, double contextSeconds, List<SparkTraffic.Probe> probes,
                  ParallelModel model, List<SparkRun> runs) {
    }

    @Override
    public Integer call() throws Exception {
        JvmChecks.require("driver");
        if (steps < 1 || warmup < 0 || partitions < 1 || probeReps < 1 || !(bandwidth > 0) || !(jitSeconds >= 0)) {
            throw new IllegalArgumentException("--steps, --partitions, --probe-reps and --bandwidth must be > 0"
                    + " and --warmup and --jit-seconds >= 0; got --steps " + steps + ", --partitions " + partitions
                    + ", --probe-reps " + probeReps + ", --bandwidth " + bandwidth + ", --warmup " + warmup
                    + ", --jit-seconds " + jitSeconds);
        }
        if (write != null) {
            BenchmarksFile.checkSections(write, List.of("spark"));   // before minutes of benchmarks
        }
        int total = steps + warmup;
        List<Case> cases = new ArrayList<>();
        for (Path c : configs == null || configs.isEmpty() ? DEFAULT_CONFIGS : configs) {
            cases.add(Case.of(c, overrides, rule, total));
        }
        int threads = singleThreads != null ? singleThreads : Runtime.getRuntime().availableProcessors();
        Map<Case, Single> singles = new LinkedHashMap<>();
        String singleBlas = null;
        for (Case c : cases) {
            Blas.setThreads(threads);
            singleBlas = Blas.get().name();
            // Unmeasured runs first: in a fresh process Java's compiler is still at work for seconds, longer
            // than the left-out steps, and the first measured run would pay for it.
            long jitEnd = System.nanoTime() + (long) (jitSeconds * 1e9);
            while (System.nanoTime() < jitEnd) {
                new Trainer(c.settings(), c.train(), null).run(c.network().build(), c.settings().newOptimizer(), 0,
                        bounded(total));
            }
            System.err.printf(Locale.ROOT, "%s, single process (%d BLAS threads): %d steps%n", c.name(), threads,
                    total);
            FixedPointNetwork net = c.network().build();
            Trainer.Result all = new Trainer(c.settings(), c.train(), null).run(net, c.settings().newOptimizer(), 0,
                    bounded(total));
            Timing oneCore = Timing.of(all.steps(), warmup);
            if (threads > 1) {
                Blas.setThreads(1);
                System.err.printf(Locale.ROOT, "%s, single process (1 BLAS thread): %d steps%n", c.name(), total);
                oneCore = Timing.of(new Trainer(c.settings(), c.train(), null).run(c.network().build(),
                        c.settings().newOptimizer(), 0, bounded(total)).steps(), warmup);
            }
            singles.put(c, new Single(Timing.of(all.steps(), warmup), oneCore, net.params(), all.stepsDone()));
        }
        Blas.setThreads(threads);

        List<Master> masters = new ArrayList<>();
        masters.add(onSpark(LocalSpark.loopback(new SparkConf().setMaster(master)), cases, singles, total));
        if (cluster) {
            // spark-submit's settings: the standalone master, the application jar, the executors' flags.
            SparkConf conf = new SparkConf(true);
            if (!conf.contains("spark.master") || conf.get("spark.master").startsWith("local")) {
                throw new IllegalArgumentException("--cluster times the standalone cluster that spark-submit names:"
                        + " run it with  scripts/spark-cluster.sh bench");
            }
            masters.add(onSpark(conf, cases, singles, total));
        }
        String md = new SparkBenchReport(this, cases, singles, masters, threads, singleBlas).markdown();
        System.out.println(md);
        if (write != null) {
            BenchmarksFile.replaceSection(write, "spark", md);
            System.err.println("wrote the section 'spark' of " + write.toAbsolutePath());
        }
        return 0;
    }

    private Trainer.Listener bounded(int total) {
        return new Trainer.Listener() {
            @Override public void onStep(StepRecord s) {
                if ((s.step() + 1) % 10 == 0) {
                    System.err.printf(Locale.ROOT, "  step %d/%d: %.3f s%n", s.step() + 1, total, s.seconds());
                }
            }
            @Override public boolean stopAfter(int done) { return done >= total; }
        };
    }

    /** The traffic probe and every case, on one Spark context. */
    private Master onSpark(SparkConf conf, List<Case> cases, Map<Case, Single> singles, int total) throws Exception {
        long c0 = System.nanoTime();
        JavaSparkContext sc = new JavaSparkContext(conf.setAppName("fprnn-spark-bench")
                .set("spark.ui.enabled", "false"));
        sc.setLogLevel("WARN");
        double contextSeconds = (System.nanoTime() - c0) / 1e9;
        try {
            boolean local = sc.master().startsWith("local");
            String label = local ? sc.master() : "standalone";
            SparkTraffic traffic = SparkTraffic.listen(sc);
            System.err.printf(Locale.ROOT, "Spark %s: traffic probe, %d partitions, payloads of %s doubles%n",
                    sc.master(), partitions, Arrays.toString(PROBE_VALUES));
            List<SparkTraffic.Probe> probes = SparkTraffic.probe(sc, partitions, PROBE_VALUES, probeReps);
            ParallelModel model = ParallelModel.fit(probes.stream().mapToDouble(SparkTraffic.Probe::bytes).toArray(),
                    probes.stream().mapToDouble(SparkTraffic.Probe::seconds).toArray());
            // Counted after the probe's jobs: executors register their block managers after the context starts.
            int executors = sc.sc().getExecutorMemoryStatus().size() - (local ? 0 : 1);
            List<SparkRun> runs = new ArrayList<>();
            for (Case c : cases) {
                runs.add(run(sc, traffic, c, singles.get(c), total));
            }
            return new Master(label, executors, contextSeconds, probes, model, runs);
        } finally {
            sc.stop();
        }
    }

    private SparkRun run(JavaSparkContext sc, SparkTraffic traffic, Case c, Single single, int total) {
        long d0 = System.nanoTime();
        try (TrainingData data = TrainingData.ship(sc, c.train(), partitions)) {
            double shipSeconds = (System.nanoTime() - d0) / 1e9;
            SparkTrainer trainer = new SparkTrainer(sc, data, null, c.network(), c.settings(),
                    SparkTrainer.Options.synchronous());
            trainer.executorBlas();
            System.err.printf(Locale.ROOT, "%s, Spark %s, %d partitions, 1 BLAS thread per task: %d steps%n", c.name(),
                    sc.master(), partitions, total);
            FixedPointNetwork net = c.network().build();
            long[] bytes = stepBytes(sc, data, c, net);
            SparkTraffic.Counts before = traffic.counts();
            Trainer.Result many = trainer.run(net, c.settings().newOptimizer(), total, bounded(total));
            SparkTraffic.Counts during = traffic.counts().minus(before);
            return new SparkRun(c, Timing.of(many.steps(), warmup), shipSeconds, bytes[0], bytes[1], bytes[2],
                    during.bytesPerJob(), CompareWeights.maxRelErr(single.weights(), net.params()), many.stepsDone());
        }
    }

    /**
     * The bytes of step 0: {broadcast Java-serialized, broadcast as Spark stores it, every partition's
     * shard sums Java-serialized}. The broadcast is the step's task (the batch's rows and the trained
     * weights, as the trainer sends it); the sums are what each partition returns for it.
     */
    private static long[] stepBytes(JavaSparkContext sc, TrainingData data, Case c, FixedPointNetwork net) {
        int[] rows = BatchSchedule.of(c.settings(), data.size()).rows(0);
        StepTask task = new StepTask(0, rows, NamedArrays.of(net.params(), net.trained()));
        Broadcast<StepTask> taskCast = sc.broadcast(task);
        Broadcast<RunSpec> runCast = sc.broadcast(new RunSpec("bench-bytes", c.settings(), c.network(),
                NamedArrays.of(net.params()), 1));
        try {
            long aggregated = data.blocks().map(b -> SparkTraffic.javaSerializedSize(b.worker(runCast.value())
                    .directions(b, taskCast.value()))).reduce(Long::sum);
            return new long[] {SparkTraffic.javaSerializedSize(task), SparkTraffic.broadcastBytes(taskCast),
                aggregated};
        } finally {
            taskCast.destroy();
            runCast.destroy();
        }
    }

    /** The command line that wrote the section, as a user types it. */
    String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs().stream()
                .filter(a -> !a.equals("--cluster")).toList();
        return (cluster ? "scripts/spark-cluster.sh bench" : "scripts/spark.sh bench")
                + (args.isEmpty() ? "" : " " + String.join(" ", args));
    }

    static String environment() {
        return Environment.describe().replaceAll("; BLAS: .*?;", ";");
    }

    /** Seconds as the page writes them: no trailing zeros (8, 0.5). */
    static String seconds(double s) {
        return java.math.BigDecimal.valueOf(s).stripTrailingZeros().toPlainString();
    }

    static String today() {
        return LocalDate.now().toString();
    }
}
