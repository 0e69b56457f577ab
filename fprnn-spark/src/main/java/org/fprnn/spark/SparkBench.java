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
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
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
        NetworkSpec spec = new NetworkSpec(train.features(), units, train.classes(), new Nonlinearity.Tanh(),
                org.fprnn.model.Dynamics.RATE, Precision.parse(precision), false, false, false, false, 0.5, 1);
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

        long c0 = System.nanoTime();
        SparkConf conf = LocalSpark.loopback(new SparkConf().setMaster(master).setAppName("fprnn-spark-bench")
                .set("spark.ui.enabled", "false"));
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        double contextSeconds = (System.nanoTime() - c0) / 1e9;
        try {
            long d0 = System.nanoTime();
            TrainingData data = TrainingData.ship(sc, train, partitions);
            double shipSeconds = (System.nanoTime() - d0) / 1e9;
            SparkTrainer trainer = new SparkTrainer(sc, data, null, spec, ts, SparkTrainer.Options.synchronous());
            System.err.printf(Locale.ROOT, "Spark %s, %d partitions, 1 BLAS thread per task: %d steps%n", master,
                    partitions, total);
            FixedPointNetwork distributed = spec.build();
            Trainer.Result many = trainer.run(distributed, ts.newOptimizer(), total, bounded);
            Timing t2 = Timing.of(many.steps(), warmup);
            double empty = emptyJobSeconds(sc, data, distributed, 30);
            double diff = CompareWeights.maxRelErr(single.params(), distributed.params());
            String md = markdown(t1, t2, threads, singleBlas, contextSeconds, shipSeconds, empty, diff, train.size(),
                    one.stepsDone(), many.stepsDone());
            System.out.println(md);
            if (write != null) {
                BenchmarksFile.replaceSection(write, "spark", md);
                System.err.println("wrote the section 'spark' of " + write.toAbsolutePath());
            }
            data.close();
        } finally {
            sc.stop();
        }
        return 0;
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

    private String markdown(Timing single, Timing spark, int threads, String singleBlas, double contextSeconds,
                            double shipSeconds, double emptyJob, double diff, int trainSize, int stepsSingle,
                            int stepsSpark) {
        List<String> l = new ArrayList<>();
        l.add("## Spark overhead per synchronous step");
        l.add("");
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        l.add(String.format(Locale.ROOT, "Written by `scripts/spark.sh bench%s` on %s; %s.",
                args.isEmpty() ? "" : " " + String.join(" ", args), LocalDate.now(),
                Environment.describe().replaceAll("; BLAS: .*?;", ";")));
        l.add("");
        l.add(String.format(Locale.ROOT, "%s, %d training samples; N = %d, B = %d, rule %s, plain SGD, Euler alpha %s"
                + " for %d steps, precision %s. Both runs take the same global batches from the same weights; the"
                + " first %d steps of each are left out. Single process: %s. Spark: %s, %d partitions, each task"
                + " 1 BLAS thread, weights broadcast every step and shard directions summed with treeAggregate."
                + " Overhead = Spark time per step minus single-process time per step, measured in this run.",
                dataset, trainSize, units, batch, rule, alpha, maxIter, precision, warmup, singleBlas, master,
                partitions));
        l.add("");
        l.add("| run | steps timed | median s / step | mean s / step |");
        l.add("|---|---|---|---|");
        l.add(String.format(Locale.ROOT, "| single process, %d BLAS thread%s | %d | %.4f | %.4f |", threads,
                threads == 1 ? "" : "s", single.steps(), single.median(), single.mean()));
        l.add(String.format(Locale.ROOT, "| Spark %s, %d partitions | %d | %.4f | %.4f |", master, partitions,
                spark.steps(), spark.median(), spark.mean()));
        l.add(String.format(Locale.ROOT, "| overhead | | %+.4f (%+.1f%%) | %+.4f (%+.1f%%) |",
                spark.median() - single.median(), 100 * (spark.median() / single.median() - 1),
                spark.mean() - single.mean(), 100 * (spark.mean() / single.mean() - 1)));
        l.add("");
        l.add(String.format(Locale.ROOT, "Spark's machinery alone (broadcast of the trained weights and an empty"
                + " treeAggregate job, median of 30 after 10 warm-up jobs): %.4f s per step. Once per run: starting the Spark context %.2f s,"
                + " shipping the training set to the executors %.2f s. Weights after %d steps: largest relative"
                + " difference between the two runs %.1e (%s precision, %s).", emptyJob, contextSeconds, shipSeconds,
                Math.min(stepsSingle, stepsSpark), diff, precision,
                stepsSingle == stepsSpark ? "same steps" : "different step counts: " + stepsSingle + " and " + stepsSpark));
        return String.join("\n", l);
    }
}
