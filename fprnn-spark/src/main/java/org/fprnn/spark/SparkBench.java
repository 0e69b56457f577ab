package org.fprnn.spark;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.fprnn.data.Dataset;
import org.fprnn.diag.Environment;
import org.fprnn.io.BenchmarksFile;
import org.fprnn.linalg.Blas;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The overhead of Spark per training step: the same synchronous steps (same global batches, same
 * weights at start) timed single-process and on Spark in local mode, in one run. Prints a Markdown
 * section and, with --write, puts it into BENCHMARKS.md as the section "spark". Defaults are P1's
 * (MNIST, N = 300, B = 512, linearized, Euler alpha 0.01 for 500 steps, float).
 */
@Command(name = "fprnn-spark-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times synchronous Spark training in local mode against single-process training on the same batches.")
public final class SparkBench implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--steps", defaultValue = "300", description = "timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "steps left out of the per-step statistics (JIT, first jobs) (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--batch", defaultValue = "512", description = "global batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--units", defaultValue = "300", description = "N (default ${DEFAULT-VALUE})")
    int units;

    @Option(names = "--rule", defaultValue = "linearized", description = "rule (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--lr", defaultValue = "0.05", description = "learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--max-iter", defaultValue = "500", description = "Euler steps per solve (default ${DEFAULT-VALUE})")
    int maxIter;

    @Option(names = "--alpha", defaultValue = "0.01", description = "Euler alpha (default ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--precision", defaultValue = "float", description = "float or double (default ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--data", defaultValue = "mnist", description = "data set (default ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data-dir", description = "folder with the data set's files (default: fprnn's usual places, e.g. ./data/mnist)")
    String dataDir;

    @Option(names = "--master", defaultValue = "local[2]", description = "Spark master (default ${DEFAULT-VALUE})")
    String master;

    @Option(names = "--partitions", defaultValue = "2", description = "partitions of the training set (default ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--single-threads", description = "BLAS threads of the single-process run (default: all cores)")
    Integer singleThreads;

    @Option(names = "--cluster", description = "also time the standalone cluster that spark-submit names (run"
            + " through scripts/spark-cluster.sh bench)")
    boolean cluster;

    @Option(names = "--write", description = "put the results into this Markdown file as the section 'spark' (e.g. BENCHMARKS.md)")
    Path write;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SparkBench());
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("fprnn-spark-bench: " + (ex instanceof IllegalArgumentException || ex instanceof
                    org.fprnn.data.DataNotFoundException ? ex.getMessage() : ex.toString()));
            return ex instanceof IllegalArgumentException || ex instanceof org.fprnn.data.DataNotFoundException ? 2 : 1;
        });
        System.exit(cl.execute(args));
    }

    /** Per-step seconds of a run, the warm-up steps left out. */
    private record Timing(double median, double mean, int steps, double total) {
        static Timing of(List<StepRecord> records, int warmup) {
            double[] s = records.stream().skip(warmup).mapToDouble(StepRecord::seconds).sorted().toArray();
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
            double total = Arrays.stream(s).sum();
            return new Timing(median, total / n, n, total);
        }
    }

    @Override
    public Integer call() throws Exception {
        JvmChecks.require("driver");
        if (steps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
        }
        int total = steps + warmup;
        Dataset train = TrainingData.loadTrain(dataset, dataDir, 0);
        SolverConfig fwd = SolverConfig.euler(alpha, maxIter, 0);
        RuleSettings rs = new RuleSettings(Loss.CROSS_ENTROPY, GainMode.FROM_RATES, RuleSettings.DEFAULT_ADJOINT, fwd, lr);
        int epochs = (int) Math.ceil(total / Math.ceil(train.size() / (double) batch));
        TrainSettings ts = new TrainSettings(rule, lr, "sgd", 0, 0, batch, epochs, fwd, rs, 0, false, 1);
        NetworkSpec.ForData spec = new NetworkSpec(units, "tanh", null, "rate", precision, false, false, false, false,
                0.5, null, null, null, null, null, null, null, null, null, null, null).forData(train.imageShape(),
                train.classes(), 1);
        Trainer.Listener bounded = new Trainer.Listener() {
            @Override public void onStep(StepRecord s) {
                if ((s.step() + 1) % 25 == 0) {
                    System.err.printf(Locale.ROOT, "  step %d/%d: %.3f s%n", s.step() + 1, total, s.seconds());
                }
            }
            @Override public boolean stopAfter(int done) { return done >= total; }
        };

        int threads = singleThreads != null ? singleThreads : Runtime.getRuntime().availableProcessors();
        Blas.setThreads(threads);
        String singleBlas = Blas.get().name();
        System.err.printf(Locale.ROOT, "single process (%s): %d steps%n", singleBlas, total);
        FixedPointNetwork single = spec.build();
        Trainer.Result one = new Trainer(ts, train, null).run(single, ts.newOptimizer(), 0, bounded);
        Timing t1 = Timing.of(one.steps(), warmup);

        List<SparkRun> runs = new ArrayList<>();
        runs.add(timeOn(LocalSpark.loopback(new SparkConf().setMaster(master)), train, spec, ts, bounded, single));
        if (cluster) {
            // spark-submit's settings: the standalone master, the application jar, the executors' flags.
            SparkConf conf = new SparkConf(true);
            if (!conf.contains("spark.master") || conf.get("spark.master").startsWith("local")) {
                throw new IllegalArgumentException("--cluster times the standalone cluster that spark-submit names:"
                        + " run it with  scripts/spark-cluster.sh bench");
            }
            runs.add(timeOn(conf, train, spec, ts, bounded, single));
        }
        String md = markdown(t1, runs, threads, singleBlas, train.size(), one.stepsDone());
        System.out.println(md);
        if (write != null) {
            BenchmarksFile.replaceSection(write, "spark", md);
            System.err.println("wrote the section 'spark' of " + write.toAbsolutePath());
        }
        return 0;
    }

    /**
     * One Spark run of the benchmark: per-step times, Spark's machinery alone, the once-per-run costs,
     * the bytes that cross the network per step, and the largest weight difference to single-process.
     *
     * @param broadcastBytes the step's broadcast (global batch rows and trained weights), Java-serialized
     * @param aggregatedBytes the partitions' shard sums added up by treeAggregate, Java-serialized, all
     *     partitions together
     */
    private record SparkRun(String master, int executors, Timing timing, double contextSeconds, double shipSeconds,
                            double emptyJob, long broadcastBytes, long aggregatedBytes, double diff, int stepsDone) {
    }

    private SparkRun timeOn(SparkConf conf, Dataset train, NetworkSpec.ForData spec, TrainSettings ts, Trainer.Listener bounded,
                            FixedPointNetwork single) throws Exception {
        long c0 = System.nanoTime();
        JavaSparkContext sc = new JavaSparkContext(conf.setAppName("fprnn-spark-bench").set("spark.ui.enabled", "false"));
        sc.setLogLevel("WARN");
        double contextSeconds = (System.nanoTime() - c0) / 1e9;
        try {
            long d0 = System.nanoTime();
            TrainingData data = TrainingData.ship(sc, train, partitions);
            double shipSeconds = (System.nanoTime() - d0) / 1e9;
            SparkTrainer trainer = new SparkTrainer(sc, data, null, spec, ts, SparkTrainer.Options.synchronous());
            trainer.executorBlas();
            int executors = sc.sc().getExecutorMemoryStatus().size() - (sc.master().startsWith("local") ? 0 : 1);
            System.err.printf(Locale.ROOT, "Spark %s, %d partitions, 1 BLAS thread per task: %d steps%n", sc.master(),
                    partitions, steps + warmup);
            FixedPointNetwork distributed = spec.build();
            long[] bytes = stepBytes(sc, data, spec, ts, distributed);
            Trainer.Result many = trainer.run(distributed, ts.newOptimizer(), steps + warmup, bounded);
            double empty = emptyJobSeconds(sc, data, distributed, 30);
            data.close();
            return new SparkRun(sc.master(), executors, Timing.of(many.steps(), warmup), contextSeconds, shipSeconds,
                    empty, bytes[0], bytes[1], CompareWeights.maxRelErr(single.params(), distributed.params()),
                    many.stepsDone());
        } finally {
            sc.stop();
        }
    }

    /**
     * The bytes of step 0 that cross the network: {broadcast, aggregated}. The broadcast is the step's
     * task (the batch's rows and the trained weights); the aggregated bytes are every partition's
     * shard sums (sample count times directions, loss, counts), each Java-serialized as Spark's default
     * serializer sends them (before Spark's compression).
     */
    private static long[] stepBytes(JavaSparkContext sc, TrainingData data, NetworkSpec.ForData spec, TrainSettings ts,
                                    FixedPointNetwork net) {
        int[] rows = BatchSchedule.of(ts, data.size()).rows(0);
        StepTask task = new StepTask(0, rows, NamedArrays.of(net.params(), net.trained()));
        Broadcast<StepTask> taskCast = sc.broadcast(task);
        Broadcast<RunSpec> runCast = sc.broadcast(new RunSpec("bench-bytes", ts, spec, NamedArrays.of(net.params()), 1));
        try {
            long aggregated = data.blocks().map(b -> serializedSize(b.worker(runCast.value()).directions(b,
                    taskCast.value()))).reduce(Long::sum);
            return new long[] {serializedSize(task), aggregated};
        } finally {
            taskCast.destroy();
            runCast.destroy();
        }
    }

    private static long serializedSize(Object o) {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.size();
    }

    /**
     * Median seconds of a step's Spark machinery alone: broadcasting the trained weights and a
     * treeAggregate job over the partitions that computes nothing.
     */
    private static double emptyJobSeconds(JavaSparkContext sc, TrainingData data, FixedPointNetwork net, int reps) {
        JavaRDD<DataBlock> blocks = data.blocks();
        double[] t = new double[reps];
        for (int i = -10; i < reps; i++) {   // 10 warm-up jobs
            long t0 = System.nanoTime();
            Broadcast<NamedArrays> w = sc.broadcast(NamedArrays.of(net.params(), net.trained()));
            blocks.map(b -> w.value().names().size()).treeAggregate(0, Integer::sum, Integer::sum, 2);
            w.destroy();
            if (i >= 0) {
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private String markdown(Timing single, List<SparkRun> runs, int threads, String singleBlas, int trainSize,
                            int stepsSingle) {
        List<String> l = new ArrayList<>();
        l.add("## Spark overhead per synchronous step");
        l.add("");
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        l.add(String.format(Locale.ROOT, "Written by `%s%s` on %s; %s.", cluster ? "scripts/spark-cluster.sh bench"
                        : "scripts/spark.sh bench", args.isEmpty() ? "" : " " + String.join(" ", args.stream()
                        .filter(a -> !a.equals("--cluster")).toList()), LocalDate.now(),
                Environment.describe().replaceAll("; BLAS: .*?;", ";")));
        l.add("");
        l.add(String.format(Locale.ROOT, "%s, %d training samples; N = %d, B = %d, rule %s, plain SGD, Euler alpha %s"
                + " for %d steps, precision %s. Every run takes the same global batches from the same weights; the"
                + " first %d steps of each are left out. Single process: %s. Spark: %d partitions, each task"
                + " 1 BLAS thread, weights broadcast every step and shard directions summed with treeAggregate;"
                + " local[2] is one JVM, the cluster (scripts/spark-cluster.sh) a master and two workers of 1 core"
                + " each, every executor a JVM of its own, on 127.0.0.1. Overhead = Spark time per step minus"
                + " single-process time per step, measured in this run.",
                dataset, trainSize, units, batch, rule, alpha, maxIter, precision, warmup, singleBlas, partitions));
        l.add("");
        l.add("| run | steps timed | median s / step | mean s / step | overhead (median) | Spark machinery alone"
                + " | start: context, data | bytes broadcast / step | bytes aggregated / step | largest rel. weight"
                + " difference to single process |");
        l.add("|---|---|---|---|---|---|---|---|---|---|");
        l.add(String.format(Locale.ROOT, "| single process, %d BLAS thread%s | %d | %.4f | %.4f | | | | | | |", threads,
                threads == 1 ? "" : "s", single.steps(), single.median(), single.mean()));
        for (SparkRun r : runs) {
            Timing t = r.timing();
            l.add(String.format(Locale.ROOT, "| Spark %s, %d executor%s | %d | %.4f | %.4f | %+.4f (%+.1f%%) | %.4f |"
                            + " %.2f s, %.2f s | %,d | %,d | %.1e%s |", r.master().startsWith("spark://") ? "standalone"
                            : r.master(), r.executors(), r.executors() == 1 ? "" : "s", t.steps(), t.median(), t.mean(),
                    t.median() - single.median(), 100 * (t.median() / single.median() - 1), r.emptyJob(),
                    r.contextSeconds(), r.shipSeconds(), r.broadcastBytes(), r.aggregatedBytes(), r.diff(),
                    r.stepsDone() == stepsSingle ? "" : " (" + r.stepsDone() + " vs " + stepsSingle + " steps)"));
        }
        l.add("");
        l.add("Spark machinery alone: a broadcast of the trained weights and a treeAggregate job that computes"
                + " nothing, median of 30 after 10 warm-up jobs. Bytes: Java serialization of step 0's broadcast"
                + " (the batch's rows and the trained weights) and of every partition's shard sums, before Spark's"
                + " compression.");
        l.add("");
        l.addAll(model(single, runs));
        return String.join("\n", l);
    }

    /**
     * The model of when data parallelism pays, its prediction for the runs measured here, and what it
     * says for the network sizes fprnn trains.
     */
    private List<String> model(Timing single, List<SparkRun> runs) {
        List<String> l = new ArrayList<>();
        int bytesPerValue = 8;   // NamedArrays sends every value as a double (float ones exactly)
        long p = (long) units * units;   // the trained parameters of this benchmark: W only
        l.add("### When data parallelism pays");
        l.add("");
        l.add("A synchronous step on M workers costs t(M) = t_c / M + t_job + 2 P s M / BW: t_c the step's"
                + " compute on all M workers' cores as one (single-process time here, since the single process has"
                + " the cluster's cores), t_job Spark's fixed cost of a job, and 2 P s M bytes of traffic at the"
                + " driver, P trained parameters of s bytes broadcast to M executors and M directions of P values"
                + " aggregated (treeAggregate of depth 2 adds them on the executors in part, so this is an upper"
                + " bound), over a bandwidth BW. It pays when t_c (1 - 1/M) > t_job + 2 P s M / BW, i.e. when the"
                + " compute saved exceeds the job and the traffic. Checked on the runs above: the machinery-alone"
                + " time holds t_job and the broadcast, so the model predicts t = single-process time + machinery"
                + " alone for the same cores:");
        l.add("");
        l.add("| run | predicted s / step | measured median s / step | measured / predicted |");
        l.add("|---|---|---|---|");
        for (SparkRun r : runs) {
            double predicted = single.median() + r.emptyJob();
            l.add(String.format(Locale.ROOT, "| Spark %s | %.4f | %.4f | %.2f |", r.master().startsWith("spark://")
                    ? "standalone" : r.master(), predicted, r.timing().median(), r.timing().median() / predicted));
        }
        l.add("");
        SparkRun ref = runs.getLast();
        double tJob = ref.emptyJob();
        double tc = single.median() * Runtime.getRuntime().availableProcessors();   // one core's compute
        double bw = 125e6;   // 1 Gbit/s Ethernet
        l.add(String.format(Locale.ROOT, "For M machines of one core each, with t_job = %.4f s (the %s machinery-alone"
                        + " time), BW = 1 Gbit/s, and one core's compute scaled from this run's single-process step"
                        + " (%.4f s on %d cores, taken as %.3f s on one; the Euler solve costs B N^2 per iteration, so t_c"
                        + " scales as N^2 at fixed B), the predicted speed-up t_c / t(M) of dense networks with W"
                        + " trained (P = N^2, %d bytes per value as fprnn-spark sends them, B = %d). The N^2 scaling"
                        + " holds when the measured step is dominated by the recurrent solve, as in P1 (N = 300, 500"
                        + " Euler steps); for a small measured network it overstates t_c:", tJob,
                ref.master().startsWith("spark://")
                        ? "cluster's" : ref.master(), single.median(), Runtime.getRuntime().availableProcessors(), tc,
                bytesPerValue, batch));
        l.add("");
        int[] ms = {2, 4, 8, 16, 64};
        StringBuilder head = new StringBuilder("| N | P | t_c one core (s) |");
        StringBuilder rule = new StringBuilder("|---|---|---|");
        for (int m : ms) {
            head.append(" M = ").append(m).append(" |");
            rule.append("---|");
        }
        l.add(head.toString());
        l.add(rule.toString());
        for (int n : new int[] {100, 300, 1000, 3000}) {
            long pn = (long) n * n;
            double tcn = tc * (n / (double) units) * (n / (double) units);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %,d | %.3f |", n, pn, tcn));
            for (int m : ms) {
                double t = tcn / m + tJob + 2.0 * pn * bytesPerValue * m / bw;
                row.append(String.format(Locale.ROOT, " %.2f |", tcn / t));
            }
            l.add(row.toString());
        }
        l.add("");
        l.add(String.format(Locale.ROOT, "Speed-ups below 1 mean that data parallelism loses. This benchmark's network"
                + " (N = %d, P = %,d) broadcasts %.1f MB per worker per step. This benchmark times the dense P1"
                + " network; fprnn-spark trains every network of a config (--config), the convolutional P3 ones included.",
                units, p, p * bytesPerValue / 1e6));
        return l;
    }
}
