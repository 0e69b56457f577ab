package org.fprnn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.fprnn.data.Dataset;
import org.fprnn.diag.StepDiagnostics;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.optim.Optimizer;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;

/**
 * The training loop of one run: data, equilibrium, rule, optimizer, metrics, in that order, one
 * mini-batch at a time. Randomness (shuffles, test batches, shift augmentation) depends only on the
 * seed and the epoch or step, so a run resumed at a step boundary continues exactly as if never stopped.
 */
public final class Trainer {

    /** Hears every step and evaluation; may ask the loop to stop (for Ctrl-C and checkpoints). */
    public interface Listener {
        void onStep(StepRecord step);

        default void onEvaluation(EvalRecord eval) {
        }

        /** Called after each step with the number of steps done; return true to stop there. */
        default boolean stopAfter(int stepsDone) {
            return false;
        }
    }

    /** How a run ended. */
    public enum Outcome { COMPLETED, DIVERGED, STOPPED }

    public record Result(Outcome outcome, int stepsDone, List<StepRecord> steps, List<EvalRecord> evaluations,
                         String divergence) {
    }

    /**
     * Computes a step's directions on its global batch, given by its rows of the training set (see
     * {@link BatchSchedule}). The single-process source gathers the rows and runs {@link BatchStep} on
     * them; fprnn-spark splits them over the partitions of a cluster and combines the shards' results.
     * The result's directions are batch means (MATH section 0) and are not kept past the next call.
     */
    @FunctionalInterface
    public interface StepSource {
        BatchStep.Result compute(FixedPointNetwork net, int step, int[] rows);
    }

    private final TrainSettings settings;
    private final Dataset train;
    private final int trainSize;
    private final Dataset test;
    private EquilibriumSolver testSolver;
    private BatchGatherer testGatherer;
    private Matrix testYhat;
    /** Warm starts across epochs (settings.warmStart()), made at first use. */
    private WarmStartCache warmStarts;

    /**
     * @param test the test set for test batches and evaluations; may be null when the settings ask for
     *     no test batches (no evaluations are made then)
     */
    public Trainer(TrainSettings settings, Dataset train, Dataset test) {
        if (train.size() < 1) {
            throw new IllegalArgumentException("the training set " + train.name() + " has no samples");
        }
        this.settings = settings;
        this.train = train;
        this.trainSize = train.size();
        this.test = test;
    }

    /**
     * A trainer whose training set is held elsewhere (on the executors of a Spark cluster, say): it
     * knows only the training set's size and runs only with a {@link StepSource}.
     */
    public Trainer(TrainSettings settings, int trainSize, Dataset test) {
        if (trainSize < 1) {
            throw new IllegalArgumentException("the training set must have at least one sample, got " + trainSize);
        }
        this.settings = settings;
        this.train = null;
        this.trainSize = trainSize;
        this.test = test;
    }

    public TrainSettings settings() {
        return settings;
    }

    /** The batches of this run. */
    public BatchSchedule schedule() {
        return BatchSchedule.of(settings, trainSize);
    }

    /** Steps per epoch: the last batch keeps the remainder (60,000 / 512 gives 117 of 512 and one of 96). */
    public int stepsPerEpoch() {
        return schedule().stepsPerEpoch();
    }

    /**
     * Steps of the whole run.
     *
     * @throws IllegalArgumentException if they are more than an int counts (a step is an int everywhere)
     */
    public int totalSteps() {
        long total = (long) stepsPerEpoch() * settings.epochs();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(settings.epochs() + " epochs of " + stepsPerEpoch() + " steps are "
                    + total + " steps, more than " + Integer.MAX_VALUE + " that a run can count: give fewer epochs or larger"
                    + " batches");
        }
        return (int) total;
    }

    /**
     * Trains {@code net} in place from step {@code startStep} (0 for a new run; the optimizer must then
     * hold the state it had after that many steps).
     */
    public Result run(FixedPointNetwork net, Optimizer optimizer, int startStep, Listener listener) {
        return run(net, optimizer, startStep, 0, listener);
    }

    /**
     * As {@link #run(FixedPointNetwork, Optimizer, int, Listener)}, for a run resumed after
     * {@code refusalsBefore} consecutive refused or skipped steps (so that the limit
     * {@link TrainSettings#maxConsecutiveRefusals()} counts across a resume).
     *
     * <p>Safety: a step whose training loss is non-finite, whose direction has non-finite values or a
     * norm above {@link TrainSettings#maxDirectionNorm()}, or whose update would leave a non-finite
     * weight, is refused: weights and optimizer state stay as they were and the step record says why.
     * Under on_nonconverged = "skip" a batch with samples that did not converge is skipped likewise;
     * under "stop" the run ends there as diverged. After maxConsecutiveRefusals refused or skipped
     * steps in a row the run ends as diverged, and so does a run shorter than that limit none of whose
     * steps was applied (it never learned). Weights therefore stay finite.
     */
    public Result run(FixedPointNetwork net, Optimizer optimizer, int startStep, int refusalsBefore,
                      Listener listener) {
        if (train == null) {
            throw new IllegalStateException("this trainer holds no training set (it was made from the training set's"
                    + " size only); run it with a StepSource");
        }
        return loop(net, optimizer, startStep, refusalsBefore, listener, localSource(net));
    }

    /**
     * The single-process source: gathers the batch's rows and runs {@link BatchStep} on them, with
     * this run's warm starts when the settings ask for them.
     */
    private StepSource localSource(FixedPointNetwork net) {
        BatchStep batchStep = new BatchStep(settings);
        WarmStartCache warm = warmStarts(net);
        Precision p = net.precision();
        BatchGatherer gatherer = new BatchGatherer(train, p);
        int shift = settings.options().augmentShift();
        org.fprnn.data.ShiftAugment augment = shift > 0 ? org.fprnn.data.ShiftAugment.of(train, shift) : null;
        return (n, step, rows) -> {
            Batch b = gatherer.gather(rows);
            if (augment != null) {
                augment.apply(b.x(), new SplittableRandom(mix(settings.seed(), 3, step)));
            }
            return batchStep.compute(n, b, settings.diagnostics().due(step), rows, warm);
        };
    }

    /**
     * This run's warm-start cache (made at the first call, one per trainer, sized by the training set
     * and the network's units), or null when the settings do not ask for warm starts. A checkpoint
     * saves it and a resumed run restores it before {@link #run}.
     */
    public WarmStartCache warmStarts(FixedPointNetwork net) {
        if (!settings.warmStart()) {
            return null;
        }
        if (warmStarts == null) {
            boolean adjoint = org.fprnn.rule.Rules.create(settings.rule(), settings.ruleSettings()).solvesAdjoint();
            warmStarts = new WarmStartCache(trainSize, net.units(), adjoint);
        } else if (warmStarts.units() != net.units()) {
            throw new IllegalArgumentException("this trainer's warm starts hold states of " + warmStarts.units()
                    + " units, not " + net.units());
        }
        return warmStarts;
    }

    /**
     * As {@link #run(FixedPointNetwork, Optimizer, int, int, Listener)}, with the directions of every
     * step computed by {@code source}: the loop, the safety policy, the test batches and the
     * evaluations are the same whoever computes the directions.
     */
    public Result run(FixedPointNetwork net, Optimizer optimizer, int startStep, int refusalsBefore,
                      Listener listener, StepSource source) {
        if (settings.warmStart()) {
            throw new IllegalArgumentException("warm starts keep a state per training sample in this process; they"
                    + " work with the single-process trainer only (turn solver.warm_start off for this run)");
        }
        if (settings.options().augmentShift() > 0) {
            throw new IllegalArgumentException("shift augmentation transforms the batches this process gathers; it"
                    + " works with the single-process trainer only (set train.augment_shift = 0 for this run)");
        }
        return loop(net, optimizer, startStep, refusalsBefore, listener, source);
    }

    private Result loop(FixedPointNetwork net, Optimizer optimizer, int startStep, int refusalsBefore,
                        Listener listener, StepSource source) {
        checkClasses(net, train);
        checkClasses(net, test);
        GuardedUpdate update = new GuardedUpdate(settings);
        BatchSchedule schedule = schedule();
        List<StepRecord> steps = new ArrayList<>();
        List<EvalRecord> evals = new ArrayList<>();
        int perEpoch = schedule.stepsPerEpoch();
        int total = totalSteps();
        int consecutive = refusalsBefore;
        for (int step = startStep; step < total; step++) {
            long t0 = System.nanoTime();
            int epoch = schedule.epoch(step);
            optimizer.beginStep(step, total);
            BatchStep.Result res = source.compute(net, step, schedule.rows(step));
            int notConverged = res.notConverged();
            String skipped = null;
            String refused = null;
            double trainLoss = res.loss();
            double trainAcc = res.correct() / (double) res.samples();
            if (res.directions() == null) {
                String why = String.format(java.util.Locale.ROOT,
                        "%d of %d training samples did not converge (solver tol %s, max_iter %d)", notConverged,
                        res.samples(), settings.forward().tol(), settings.forward().maxIter());
                if (settings.onNonconverged().equals("stop")) {
                    steps.add(new StepRecord(step, epoch, trainLoss, trainAcc, Double.NaN, Double.NaN,
                            res.iterationsMax(), res.iterationsMedian(), notConverged, (System.nanoTime() - t0) / 1e9,
                            null, why + "; the run stops (train.on_nonconverged = \"stop\")"));
                    listener.onStep(steps.getLast());
                    return new Result(Outcome.DIVERGED, step, steps, evals, "step " + step + ": " + why
                            + "; train.on_nonconverged = \"stop\" ended the run; the update was not applied");
                }
                skipped = why;
            } else {
                refused = update.apply(net, optimizer, trainLoss, res.directions());
            }
            double testLoss = Double.NaN;
            double testAcc = Double.NaN;
            boolean updated = refused == null && skipped == null;
            consecutive = updated ? 0 : consecutive + 1;
            if (updated && settings.testBatch() > 0) {
                double[] t = testBatch(net, step);
                testLoss = t[0];
                testAcc = t[1];
            }
            StepDiagnostics diag = res.diagnostics();
            // The diagnostics' own time is not part of the step's.
            double seconds = (System.nanoTime() - t0) / 1e9 - (diag == null ? 0 : diag.seconds());
            StepRecord rec = new StepRecord(step, epoch, trainLoss, trainAcc, testLoss, testAcc, res.iterationsMax(),
                    res.iterationsMedian(), notConverged, seconds, refused, skipped, diag);
            steps.add(rec);
            listener.onStep(rec);
            if (consecutive >= settings.maxConsecutiveRefusals()) {
                return new Result(Outcome.DIVERGED, step + 1, steps, evals, "step " + step + ": " + consecutive
                        + " consecutive steps refused or skipped (train.max_consecutive_refusals = "
                        + settings.maxConsecutiveRefusals() + "); last: " + (refused != null ? refused : skipped));
            }
            boolean epochEnd = (step + 1) % perEpoch == 0;
            if (epochEnd && test != null && (settings.fullTestEveryEpoch() || step + 1 == total)) {
                EvalRecord ev = evaluate(net, test, step + 1, epoch);
                evals.add(ev);
                listener.onEvaluation(ev);
            }
            if (listener.stopAfter(step + 1) && step + 1 < total) {
                return new Result(Outcome.STOPPED, step + 1, steps, evals, null);
            }
        }
        if (consecutive >= total) {
            // Fewer steps than the refusal limit, none applied: the network never learned.
            return new Result(Outcome.DIVERGED, total, steps, evals, "no step of the run was applied: all " + total
                    + " steps were refused or skipped; last: " + (steps.isEmpty() ? "before this resume"
                            : steps.getLast().refused() != null ? steps.getLast().refused() : steps.getLast().skipped()));
        }
        return new Result(Outcome.COMPLETED, total, steps, evals, null);
    }

    /**
     * Loss and accuracy {loss, accuracy} on the test batch of {@code step}: {@link TrainSettings#testBatch()}
     * test samples drawn from (seed, step), solved with the run's forward solver, measured after the
     * step's update.
     */
    public double[] testBatch(FixedPointNetwork net, int step) {
        Precision p = net.precision();
        Loss loss = settings.ruleSettings().loss();
        if (testSolver == null) {
            testSolver = new EquilibriumSolver(settings.forward());
        }
        int[] idx = sample(test.size(), settings.testBatch(), new SplittableRandom(mix(settings.seed(), 2, step)));
        if (testGatherer == null || !testGatherer.gathers(p)) {
            testGatherer = new BatchGatherer(test, p);
        }
        Batch tb = testGatherer.gather(idx);
        Equilibrium teq = testSolver.solve(net, tb.x());
        if (testYhat == null || testYhat.rows != tb.size() || testYhat.precision() != p) {
            testYhat = p.zeros(tb.size(), net.outputs());
        }
        net.readout(teq.rates(), testYhat);
        return new double[] {loss.evaluate(testYhat, tb, null, null),
            Loss.correct(testYhat, tb.labels()) / (double) tb.size()};
    }

    /**
     * A cross-entropy network needs an output per class of the data it meets: with fewer, a label
     * would have no output to score it. Refused before the first step rather than at the first batch
     * that holds such a label.
     */
    private void checkClasses(FixedPointNetwork net, Dataset data) {
        if (data != null && settings.ruleSettings().loss() == Loss.CROSS_ENTROPY && data.classes() > net.outputs()) {
            throw new IllegalArgumentException(data.name() + " has " + data.classes() + " classes but the network has "
                    + net.outputs() + " outputs: give it one output per class");
        }
    }

    /** Loss and accuracy on a whole data set, in chunks, with the run's forward solver. */
    public EvalRecord evaluate(FixedPointNetwork net, Dataset data, int step, int epoch) {
        if (data.size() < 1) {
            throw new IllegalArgumentException("cannot evaluate on " + data.name() + ": it has no samples");
        }
        checkClasses(net, data);
        EquilibriumSolver solver = new EquilibriumSolver(settings.forward());
        Loss loss = settings.ruleSettings().loss();
        int chunk = 1000;
        double lossSum = 0;
        long correct = 0;
        int notConverged = 0;
        List<Double> medians = new ArrayList<>();
        Matrix yhat = null;
        for (int from = 0; from < data.size(); from += chunk) {
            int to = Math.min(data.size(), from + chunk);
            Batch b = gather(data, null, from, to, net.precision());
            Equilibrium eq = solver.solve(net, b.x());
            if (yhat == null || yhat.rows != b.size()) {
                yhat = net.precision().zeros(b.size(), net.outputs());
            }
            net.readout(eq.rates(), yhat);
            lossSum += loss.evaluate(yhat, b, null, null) * b.size();
            correct += Loss.correct(yhat, b.labels());
            notConverged += b.size() - eq.convergedCount();
            medians.add(eq.medianIterations());
        }
        medians.sort(null);
        return new EvalRecord(step, epoch, lossSum / data.size(), correct / (double) data.size(),
                medians.get(medians.size() / 2), notConverged);
    }

    /** Rows order[from..to) of a data set as a batch (order null: rows from..to). */
    public static Batch gather(Dataset d, int[] order, int from, int to, Precision p) {
        int n = to - from;
        Matrix x = p.zeros(n, d.features());
        int[] y = new int[n];
        BatchGatherer.copy(d, order, from, x, y, 0, n);
        return Batch.labelled(x, y);
    }

    static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** k distinct indices of [0, n), drawn uniformly. */
    static int[] sample(int n, int k, SplittableRandom rng) {
        if (k >= n) {
            return permutation(n, rng);
        }
        java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        int[] out = new int[k];
        int c = 0;
        while (c < k) {
            int v = rng.nextInt(n);
            if (seen.add(v)) {
                out[c++] = v;
            }
        }
        return out;
    }

    /** A seed for stream {@code kind} at index {@code i}, independent across kinds and indices. */
    static long mix(long seed, int kind, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + kind * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
