package org.fprnn.train;

import org.fprnn.diag.DiagnosticSettings;
import org.fprnn.data.ShiftAugment;
import org.fprnn.optim.ClipByGlobalNorm;
import org.fprnn.optim.LearningRateSchedule;
import org.fprnn.optim.Scheduled;
import org.fprnn.optim.Optimizer;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;

/**
 * One training run: a rule at one learning rate with one optimizer on a classification data set.
 *
 * @param rule registry name of the rule
 * @param lr learning rate
 * @param optimizer a name of {@link Optimizers#NAMES}
 * @param momentum SGD momentum (0 for plain SGD)
 * @param weightDecay L2 (SGD) or decoupled (Adam) weight decay
 * @param batchSize samples per step; the last batch of an epoch keeps the remainder
 * @param epochs passes over the training set, reshuffled every epoch
 * @param forward the forward solver
 * @param ruleSettings loss, gain convention and adjoint solver
 * @param testBatch size of the test batch drawn afresh each step (0: none)
 * @param fullTestEveryEpoch evaluate the whole test set after every epoch (always at the end)
 * @param seed seeds the shuffles and test batches; a step's randomness depends only on (seed, step),
 *     so a resumed run draws exactly what an uninterrupted one would
 * @param onNonconverged what a step does when training samples did not converge: "warn" (update
 *     anyway; the count is in the step record), "skip" (no update for that batch) or "stop" (end the
 *     run as diverged). Applies only when the forward solver has a tolerance > 0: with tol = 0 (e.g.
 *     fixed-step Euler) no sample ever reports convergence, so there is nothing to act on
 * @param maxDirectionNorm a step whose direction (Frobenius norm over all trained parameters) is
 *     above this is refused, as one with non-finite values is
 * @param maxConsecutiveRefusals the run ends as diverged after this many consecutive refused or
 *     skipped steps
 * @param diagnostics when to measure the angle to the gradient and the distance to singularity
 *     (MATH section 5) during training; they never change the trajectory
 * @param warmStart start each training sample's forward solve (and the gradient rule's adjoint) from
 *     where its previous visit ended ({@link WarmStartCache}); needs a forward solver with a tolerance
 *     > 0, since a fixed number of steps would end elsewhere from another start
 *
 * @param options the learning-rate schedule, gradient-norm clipping, shift augmentation and Adam's
 *     second moment ({@link Options#OFF}: none, per entry)
 *
 * <p>Serializable (with its solver, rule and diagnostics settings) so that fprnn-spark can ship it to
 * executors.
 */
public record TrainSettings(String rule, double lr, String optimizer, double momentum, double weightDecay,
                            int batchSize, int epochs, SolverConfig forward, RuleSettings ruleSettings,
                            int testBatch, boolean fullTestEveryEpoch, long seed, String onNonconverged,
                            double maxDirectionNorm, int maxConsecutiveRefusals, DiagnosticSettings diagnostics,
                            boolean warmStart, Options options)
        implements java.io.Serializable {

    /**
     * Training options beyond the optimizer, each off by default.
     *
     * @param schedule the learning rate's schedule ({@link LearningRateSchedule#CONSTANT}: none)
     * @param clipNorm clip the direction to this Frobenius norm over all trained parameters before
     *     the optimizer ({@link ClipByGlobalNorm}); 0: no clipping
     * @param augmentShift shift each training image by up to this many pixels along each axis, drawn
     *     from (seed, step) ({@link ShiftAugment}); 0: no augmentation
     * @param adamGlobalSecondMoment Adam only: one second moment for all trained parameters together,
     *     so that the update keeps the rule's direction ({@link org.fprnn.optim.Adam}); false: per entry
     */
    public record Options(LearningRateSchedule schedule, double clipNorm, int augmentShift,
                          boolean adamGlobalSecondMoment)
            implements java.io.Serializable {
        public static final Options OFF = new Options(LearningRateSchedule.CONSTANT, 0, 0);

        /** Options with Adam's usual per-entry second moment. */
        public Options(LearningRateSchedule schedule, double clipNorm, int augmentShift) {
            this(schedule, clipNorm, augmentShift, false);
        }

        public Options {
            if (schedule == null) {
                schedule = LearningRateSchedule.CONSTANT;
            }
            if (!(clipNorm >= 0) || Double.isInfinite(clipNorm) || augmentShift < 0) {
                throw new IllegalArgumentException("clip norm must be a finite number >= 0 and the shift >= 0, got "
                        + clipNorm + ", " + augmentShift);
            }
        }
    }

    /** Settings without the training options. */
    public TrainSettings(String rule, double lr, String optimizer, double momentum, double weightDecay,
                         int batchSize, int epochs, SolverConfig forward, RuleSettings ruleSettings,
                         int testBatch, boolean fullTestEveryEpoch, long seed, String onNonconverged,
                         double maxDirectionNorm, int maxConsecutiveRefusals, DiagnosticSettings diagnostics,
                         boolean warmStart) {
        this(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings, testBatch,
                fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals, diagnostics,
                warmStart, Options.OFF);
    }
    public static final String DEFAULT_ON_NONCONVERGED = "warn";
    public static final java.util.List<String> ON_NONCONVERGED = java.util.List.of("warn", "skip", "stop");
    public static final double DEFAULT_MAX_DIRECTION_NORM = 1e6;
    public static final int DEFAULT_MAX_CONSECUTIVE_REFUSALS = 10;

    /** Settings without diagnostics. */
    public TrainSettings(String rule, double lr, String optimizer, double momentum, double weightDecay,
                         int batchSize, int epochs, SolverConfig forward, RuleSettings ruleSettings,
                         int testBatch, boolean fullTestEveryEpoch, long seed, String onNonconverged,
                         double maxDirectionNorm, int maxConsecutiveRefusals) {
        this(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings, testBatch,
                fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals,
                DiagnosticSettings.OFF);
    }

    /** Settings with diagnostics and no warm starts. */
    public TrainSettings(String rule, double lr, String optimizer, double momentum, double weightDecay,
                         int batchSize, int epochs, SolverConfig forward, RuleSettings ruleSettings,
                         int testBatch, boolean fullTestEveryEpoch, long seed, String onNonconverged,
                         double maxDirectionNorm, int maxConsecutiveRefusals, DiagnosticSettings diagnostics) {
        this(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings, testBatch,
                fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals, diagnostics, false);
    }

    /** The same settings with the given diagnostics. */
    public TrainSettings withDiagnostics(DiagnosticSettings d) {
        return new TrainSettings(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings,
                testBatch, fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals, d,
                warmStart, options);
    }

    /** The same settings with warm starts across epochs on or off. */
    public TrainSettings withWarmStart(boolean on) {
        return new TrainSettings(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings,
                testBatch, fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals,
                diagnostics, on, options);
    }

    /** The same settings with these training options. */
    public TrainSettings withOptions(Options o) {
        return new TrainSettings(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings,
                testBatch, fullTestEveryEpoch, seed, onNonconverged, maxDirectionNorm, maxConsecutiveRefusals,
                diagnostics, warmStart, o);
    }

    /** Settings with the default safety policy (warn, 1e6, 10). */
    public TrainSettings(String rule, double lr, String optimizer, double momentum, double weightDecay,
                         int batchSize, int epochs, SolverConfig forward, RuleSettings ruleSettings,
                         int testBatch, boolean fullTestEveryEpoch, long seed) {
        this(rule, lr, optimizer, momentum, weightDecay, batchSize, epochs, forward, ruleSettings, testBatch,
                fullTestEveryEpoch, seed, DEFAULT_ON_NONCONVERGED, DEFAULT_MAX_DIRECTION_NORM,
                DEFAULT_MAX_CONSECUTIVE_REFUSALS);
    }

    public TrainSettings {
        if (diagnostics == null) {
            diagnostics = DiagnosticSettings.OFF;
        }
        if (options == null) {
            options = Options.OFF;
        }
        if (!ON_NONCONVERGED.contains(onNonconverged)) {
            throw new IllegalArgumentException("on_nonconverged must be one of " + ON_NONCONVERGED + ", got "
                    + onNonconverged);
        }
        if (!(maxDirectionNorm > 0) || maxConsecutiveRefusals < 1) {
            throw new IllegalArgumentException("max_direction_norm must be > 0 and max_consecutive_refusals >= 1, got "
                    + maxDirectionNorm + ", " + maxConsecutiveRefusals);
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        }
        if (warmStart && !(forward.tol() > 0)) {
            throw new IllegalArgumentException("warm starts need a forward solver with a tolerance > 0: with tol = 0 ("
                    + forward.method() + ", " + forward.maxIter() + " iterations) the state returned depends on where"
                    + " the solve starts");
        }
        if (options.adamGlobalSecondMoment() && !optimizer.equals("adam")) {
            throw new IllegalArgumentException("a global second moment is Adam's: it does not apply to the optimizer "
                    + optimizer);
        }
        if (batchSize < 1 || epochs < 1 || testBatch < 0) {
            throw new IllegalArgumentException("batch size and epochs must be >= 1 and the test batch >= 0, got "
                    + batchSize + ", " + epochs + ", " + testBatch);
        }
    }

    /**
     * A new optimizer for this run: the optimizer (Adam with a global second moment when
     * {@link Options#adamGlobalSecondMoment()}), after clipping the direction when
     * {@link Options#clipNorm()} > 0, at the learning rate of the schedule (set by the training loop
     * through {@link Optimizer#beginStep}).
     */
    public Optimizer newOptimizer() {
        Optimizer o = Optimizers.create(optimizer, lr, momentum, weightDecay, options.adamGlobalSecondMoment());
        if (options.clipNorm() > 0) {
            o = new ClipByGlobalNorm(o, options.clipNorm());
        }
        return options.schedule().isConstant() ? o : new Scheduled(o, options.schedule());
    }
}
