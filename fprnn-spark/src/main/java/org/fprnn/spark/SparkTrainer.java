package org.fprnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.Blas;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.model.NetworkSpec;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.BatchStep;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.ShardSums;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;

/**
 * Data-parallel training on Spark, in one of two modes.
 *
 * <p><b>Synchronous</b> ({@code localSteps = 0}): every step is the single-process trainer's step.
 * The driver takes the step's global batch from the same {@link BatchSchedule} (same seed, same
 * rows), broadcasts the current weights, every partition runs {@link BatchStep} on the rows of the
 * batch it holds and returns sample count times directions and loss ({@link ShardSums}),
 * treeAggregate adds them up, and the driver divides by the batch size and steps the optimizer. The
 * loop, the refusal policy, test batches and evaluations are {@link Trainer}'s own (through
 * {@link Trainer.StepSource}), so the weights equal single-process training up to the rounding of
 * the shard sums. Needs a rule whose direction is a mean over samples (all but reparam, unless there
 * is one partition).
 *
 * <p><b>Local SGD</b> ({@code localSteps = k >= 1}, model averaging): every partition starts a round
 * from the driver's weights and optimizer state, takes k optimizer steps of its own, each on its part
 * of one of the next k global batches, and the driver replaces weights and optimizer state by their
 * average over partitions weighted by the samples each trained on. This is not synchronous training:
 * each partition's direction comes from fewer samples, at weights the others do not see. With k = 1
 * and plain SGD (or SGD with momentum) one round equals one synchronous step up to rounding, since
 * the update is linear in the direction; with Adam it does not. Test batches are measured only at the
 * end of a round (the weights exist only there); Adam's step counter is averaged and rounded.
 */
public final class SparkTrainer {
    private static final Logger LOG = Logger.getLogger("org.fprnn.spark");

    /**
     * @param localSteps 0 for synchronous training, k >= 1 for local SGD averaging every k steps
     * @param treeDepth depth of treeAggregate (2 is Spark's default)
     * @param blasThreads OpenBLAS threads per task: 1 when every core runs a task of its own
     */
    public record Options(int localSteps, int treeDepth, int blasThreads) {
        public Options {
            if (localSteps < 0) {
                throw new IllegalArgumentException("local steps must be 0 (synchronous) or >= 1, got " + localSteps);
            }
            if (treeDepth < 1) {
                throw new IllegalArgumentException("treeAggregate depth must be >= 1, got " + treeDepth);
            }
            if (blasThreads < 1) {
                throw new IllegalArgumentException("BLAS threads per task must be >= 1, got " + blasThreads);
            }
        }

        public static Options synchronous() {
            return new Options(0, 2, 1);
        }

        public Options withLocalSteps(int k) {
            return new Options(k, treeDepth, blasThreads);
        }
    }

    private final JavaSparkContext sc;
    private final TrainingData data;
    private final NetworkSpec.ForData spec;
    private final TrainSettings settings;
    private final Options options;
    private final Dataset test;
    private final Trainer trainer;

    /**
     * @param test the test set, on the driver (test batches and evaluations are computed there)
     */
    public SparkTrainer(JavaSparkContext sc, TrainingData data, Dataset test, NetworkSpec.ForData spec,
                        TrainSettings settings,
                        Options options) {
        this.sc = sc;
        this.data = data;
        this.spec = spec;
        this.settings = settings;
        this.options = options;
        this.test = test;
        if (spec.inputs() != data.features() || spec.outputs() != data.classes()) {
            throw new IllegalArgumentException("the network has " + spec.inputs() + " inputs and " + spec.outputs()
                    + " outputs but the training data has " + data.features() + " features and " + data.classes()
                    + " classes");
        }
        if (options.localSteps() == 0 && data.partitions() > 1
                && !Rules.create(settings.rule(), settings.ruleSettings()).meanOverSamples()) {
            throw new IllegalArgumentException("the " + settings.rule() + " rule's direction is not a mean over"
                    + " samples, so the directions of " + data.partitions() + " partitions do not add up to the"
                    + " batch's: use one partition, local SGD (local steps >= 1, each partition then takes its own "
                    + settings.rule() + " steps), or another rule");
        }
        if (test == null && (settings.testBatch() > 0 || settings.fullTestEveryEpoch())) {
            throw new IllegalArgumentException("test batches and evaluations need a test set on the driver");
        }
        this.trainer = new Trainer(settings, data.size(), test);
    }

    /**
     * Runs one small job on every partition before training: checks the executor JVMs' flags (a
     * missing flag fails here, with a message that names the setting), sets their BLAS threads per
     * task, and returns the distinct matrix products the executors use (e.g. "OpenBLAS 0.3.21 ...
     * (native, 1 thread)" or the slower pure-Java fallback).
     */
    public List<String> executorBlas() {
        int threads = options.blasThreads();
        List<String> names = data.blocks().map(b -> {
            JvmChecks.require("executor");
            Blas.setThreads(threads);
            return Blas.get().name();
        }).collect();
        return List.copyOf(new java.util.TreeSet<>(names));
    }

    /** The single-process trainer this one shares its loop, schedule and evaluations with. */
    public Trainer trainer() {
        return trainer;
    }

    /**
     * Trains {@code net} (built from this trainer's {@link NetworkSpec.ForData}) in place, for at most
     * {@code maxSteps} steps (0: every epoch of the settings).
     */
    public Trainer.Result run(FixedPointNetwork net, Optimizer optimizer, int maxSteps, Trainer.Listener listener) {
        return run(net, optimizer, 0, 0, maxSteps, listener);
    }

    /**
     * As {@link #run(FixedPointNetwork, Optimizer, int, Trainer.Listener)}, for a run resumed from a
     * checkpoint: from step {@code startStep} (the network and the optimizer then hold what they held
     * after that many steps; in local-SGD mode a checkpoint is taken only at the end of a round) after
     * {@code refusalsBefore} consecutive steps without an update.
     */
    public Trainer.Result run(FixedPointNetwork net, Optimizer optimizer, int startStep, int refusalsBefore,
                              int maxSteps, Trainer.Listener listener) {
        checkNetwork(net);
        int total = maxSteps > 0 ? Math.min(maxSteps, trainer.totalSteps()) : trainer.totalSteps();
        RunSpec run = new RunSpec(UUID.randomUUID().toString(), settings, spec, NamedArrays.of(net.params()),
                options.blasThreads());
        Broadcast<RunSpec> runCast = sc.broadcast(run);
        try {
            if (options.localSteps() == 0) {
                Trainer.Listener bounded = new Trainer.Listener() {
                    @Override public void onStep(StepRecord step) { listener.onStep(step); }
                    @Override public void onEvaluation(EvalRecord eval) { listener.onEvaluation(eval); }
                    @Override public boolean stopAfter(int stepsDone) {
                        return stepsDone >= total || listener.stopAfter(stepsDone);
                    }
                };
                return trainer.run(net, optimizer, startStep, refusalsBefore, bounded,
                        new SparkStepSource(sc, data.blocks(), runCast, options.treeDepth()));
            }
            return localSgd(net, optimizer, startStep, refusalsBefore, total, listener, runCast);
        } finally {
            runCast.destroy();
        }
    }

    private void checkNetwork(FixedPointNetwork net) {
        FixedPointNetwork ref = spec.build();
        if (!ref.params().toString().equals(net.params().toString()) || !ref.trained().equals(net.trained())
                || ref.precision() != net.precision() || !ref.nonlinearity().equals(net.nonlinearity())
                || ref.dynamics() != net.dynamics()) {
            throw new IllegalArgumentException("the network to train (" + net.params() + ", trained " + net.trained()
                    + ") is not the one the executors build from the spec (" + ref.params() + ", trained "
                    + ref.trained() + "); build it with NetworkSpec.ForData.build()");
        }
    }

    /** Synchronous steps: every partition's shard of the global batch, added up with treeAggregate. */
    private static final class SparkStepSource implements Trainer.StepSource {
        private final JavaSparkContext sc;
        private final JavaRDD<DataBlock> blocks;
        private final Broadcast<RunSpec> run;
        private final int depth;
        private Params directions;

        SparkStepSource(JavaSparkContext sc, JavaRDD<DataBlock> blocks, Broadcast<RunSpec> run, int depth) {
            this.sc = sc;
            this.blocks = blocks;
            this.run = run;
            this.depth = depth;
        }

        @Override
        public BatchStep.Result compute(FixedPointNetwork net, int step, int[] rows) {
            Broadcast<StepTask> task = sc.broadcast(new StepTask(step, rows, NamedArrays.of(net.params(), net.trained())));
            try {
                Broadcast<RunSpec> r = run;
                ShardSums sums = blocks.map(b -> b.worker(r.value()).directions(b, task.value()))
                        .treeAggregate(ShardSums.empty(), ShardSums::add, ShardSums::add, depth);
                if (directions == null) {
                    directions = net.params().zerosLike(net.trained());
                }
                if (sums.samples() != rows.length) {
                    throw new IllegalStateException("the partitions found " + sums.samples() + " of the batch's "
                            + rows.length + " samples; the training data's partitions do not cover the data set");
                }
                return sums.toResult(directions);
            } finally {
                task.destroy();
            }
        }
    }

    /** Local SGD: rounds of localSteps steps per partition, then sample-weighted averaging. */
    private Trainer.Result localSgd(FixedPointNetwork net, Optimizer optimizer, int startStep, int refusalsBefore,
                                    int total, Trainer.Listener listener, Broadcast<RunSpec> runCast) {
        BatchSchedule schedule = trainer.schedule();
        int perEpoch = schedule.stepsPerEpoch();
        List<StepRecord> steps = new ArrayList<>();
        List<EvalRecord> evals = new ArrayList<>();
        int consecutive = refusalsBefore;
        int done = startStep;
        while (done < total) {
            long t0 = System.nanoTime();
            int k = Math.min(options.localSteps(), total - done);
            int[][] rows = new int[k][];
            for (int j = 0; j < k; j++) {
                rows[j] = schedule.rows(done + j);
            }
            RoundTask round = new RoundTask(done, rows, NamedArrays.of(net.params(), net.trained()),
                    NamedArrays.of(optimizer.state()));
            Broadcast<RoundTask> task = sc.broadcast(round);
            RoundSums sums;
            try {
                sums = data.blocks().map(b -> b.worker(runCast.value()).round(b, task.value()))
                        .treeAggregate(new RoundSums(k), RoundSums::add, RoundSums::add, options.treeDepth());
            } finally {
                task.destroy();
            }
            double seconds = (System.nanoTime() - t0) / 1e9 / k;
            String stop = null;
            for (int j = 0; j < k; j++) {
                if (sums.blocked[j] > 0 && settings.onNonconverged().equals("stop")) {
                    stop = String.format(Locale.ROOT, "step %d: %d of %d training samples did not converge (solver"
                            + " tol %s, max_iter %d); train.on_nonconverged = \"stop\" ended the run; the round of"
                            + " steps %d to %d was not applied", done + j, sums.notConverged[j], sums.samples[j],
                            settings.forward().tol(), settings.forward().maxIter(), done, done + k - 1);
                    break;
                }
            }
            Params before = net.params().copy();
            Params stateBefore = optimizer.state().copy();
            if (stop == null && sums.weight > 0) {
                average(net, optimizer, sums);
                if (!net.params().allFinite()) {
                    net.params().copyFrom(before);
                    optimizer.restore(stateBefore);
                    stop = "steps " + done + " to " + (done + k - 1) + ": the averaged weights are not finite;"
                            + " the round was not applied";
                }
            }
            for (int j = 0; j < k; j++) {
                int step = done + j;
                String refused = null;
                String skipped = null;
                if (sums.updated[j] == 0 && sums.refused[j] > 0) {
                    refused = "every partition refused its local update (" + sums.refusal[j] + ")";
                } else if (sums.updated[j] == 0 && sums.blocked[j] > 0) {
                    skipped = String.format(Locale.ROOT, "%d of %d training samples did not converge (solver tol"
                            + " %s, max_iter %d)", sums.notConverged[j], sums.samples[j], settings.forward().tol(),
                            settings.forward().maxIter());
                } else if (sums.refused[j] + sums.blocked[j] > 0) {
                    LOG.warning(String.format(Locale.ROOT, "fprnn-spark: step %d: %d of %d partitions refused and %d"
                            + " skipped their local update%s", step, sums.refused[j], sums.shards[j], sums.blocked[j],
                            sums.refusal[j] == null ? "" : " (" + sums.refusal[j] + ")"));
                }
                boolean updated = refused == null && skipped == null && stop == null;
                consecutive = updated ? 0 : consecutive + 1;
                double testLoss = Double.NaN;
                double testAcc = Double.NaN;
                if (j == k - 1 && stop == null && settings.testBatch() > 0) {
                    double[] t = trainer.testBatch(net, step);
                    testLoss = t[0];
                    testAcc = t[1];
                }
                int n = sums.samples[j];
                StepRecord rec = new StepRecord(step, schedule.epoch(step), sums.lossSums[j] / n,
                        sums.correct[j] / (double) n, testLoss, testAcc, sums.iterationsMax[j],
                        Equilibrium.median(sums.iterations[j]), sums.notConverged[j], seconds, refused, skipped);
                steps.add(rec);
                listener.onStep(rec);
            }
            if (stop != null) {
                return new Trainer.Result(Trainer.Outcome.DIVERGED, done, steps, evals, stop);
            }
            if (consecutive >= settings.maxConsecutiveRefusals()) {
                return new Trainer.Result(Trainer.Outcome.DIVERGED, done + k, steps, evals, "step " + (done + k - 1)
                        + ": " + consecutive + " consecutive steps without an update on any partition"
                        + " (train.max_consecutive_refusals = " + settings.maxConsecutiveRefusals() + ")");
            }
            int last = done + k - 1;
            boolean epochEnded = false;
            for (int step = done; step <= last; step++) {
                epochEnded |= (step + 1) % perEpoch == 0;
            }
            done += k;
            if (epochEnded && test != null && (settings.fullTestEveryEpoch() || done == trainer.totalSteps())) {
                EvalRecord ev = trainer.evaluate(net, test, done, schedule.epoch(last));
                evals.add(ev);
                listener.onEvaluation(ev);
            }
            if (listener.stopAfter(done) && done < total) {
                return new Trainer.Result(Trainer.Outcome.STOPPED, done, steps, evals, null);
            }
        }
        return new Trainer.Result(done == trainer.totalSteps() ? Trainer.Outcome.COMPLETED : Trainer.Outcome.STOPPED,
                done, steps, evals, null);
    }

    /** Weights and optimizer state := their sums over partitions divided by the total weight. */
    private static void average(FixedPointNetwork net, Optimizer optimizer, RoundSums sums) {
        double w = sums.weight;
        NamedArrays weights = sums.weightSums.divide(w);
        weights.copyInto(net.params());
        net.constrain();
        NamedArrays stateSums = sums.stateSums;
        Params state = stateSums.divide(w).toParams();
        for (Map.Entry<String, org.fprnn.linalg.Matrix> e : state.asMap().entrySet()) {
            if (e.getKey().equals("step")) {   // Adam's step counter stays an integer
                org.fprnn.linalg.Matrix m = e.getValue();
                m.setFlat(0, Math.rint(m.getFlat(0)));
            }
        }
        optimizer.restore(state);
    }
}
