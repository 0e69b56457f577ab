package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.config.Keys;
import org.fprnn.optim.LearningRateSchedule;
import org.fprnn.train.TrainSettings;

/**
 * The [train] table of a classification config.
 *
 * @param batchSize samples per step (default 512); the last batch of an epoch keeps the remainder
 * @param epochs passes over the training set, reshuffled every epoch (default 1)
 * @param optimizer a name of {@link org.fprnn.optim.Optimizers#NAMES} (default sgd)
 * @param momentum SGD momentum (default 0: plain SGD)
 * @param weightDecay L2 (SGD) or decoupled (Adam) weight decay (default 0)
 * @param testBatch test samples drawn afresh at every step for the test-batch curve (default 512; 0: none)
 * @param fullTestEveryEpoch evaluate the whole test set after every epoch, not only at the end
 *     (default false)
 * @param onNonconverged "warn" (default: update anyway, count the samples in metrics not_converged),
 *     "skip" (no update for a batch with a sample that did not converge) or "stop" (end the run as
 *     diverged). Only when solver.tol > 0: with tol = 0 (fixed-step Euler) convergence is never
 *     checked, so this key has no effect
 * @param maxDirectionNorm a step whose direction (Frobenius norm over every trained parameter) is
 *     larger is refused, like one with non-finite values (default 1e6: far above what a trainable
 *     network gives, reached only near a singularity of I - G W)
 * @param maxConsecutiveRefusals the run ends as diverged after this many refused or skipped steps in
 *     a row (default 10)
 * @param schedule the learning rate's schedule: "constant" (default), "cosine" (decay to 0 over the
 *     run after the warm-up) or "step" (times step_gamma every step_every steps after the warm-up)
 * @param warmupSteps steps of linear warm-up, lr (t + 1) / warmup_steps, before the schedule (default 0)
 * @param stepEvery "step" schedule only, required: steps between two decays
 * @param stepGamma "step" schedule only: the factor of each decay, in (0, 1] (default 0.1)
 * @param clipNorm clip the rule's direction to this Frobenius norm over all trained parameters before
 *     the optimizer (default 0: off)
 * @param augmentShift shift each training image by up to this many pixels along each axis, drawn from
 *     (seed, step) (default 0: off; image data sets only)
 * @param adamSecondMoment train.optimizer = "adam" only: "entry" (default: Adam's second moment per
 *     entry; held as null once parsed) or "global" (one for all trained parameters together, so that
 *     the update keeps the rule's direction and only its size adapts; see {@link org.fprnn.optim.Adam})
 */
public record TrainConfig(Integer batchSize, Integer epochs, String optimizer, Double momentum, Double weightDecay,
                          Integer testBatch, Boolean fullTestEveryEpoch, String onNonconverged,
                          Double maxDirectionNorm, Integer maxConsecutiveRefusals, String schedule,
                          Integer warmupSteps, Integer stepEvery, Double stepGamma, Double clipNorm,
                          Integer augmentShift, String adamSecondMoment) {
    public TrainConfig {
        batchSize = Keys.intAtLeast("train.batch_size", batchSize, 512, 1);
        epochs = Keys.intAtLeast("train.epochs", epochs, 1, 1);
        optimizer = Keys.oneOf("train.optimizer", optimizer, "sgd", org.fprnn.optim.Optimizers.NAMES);
        momentum = Keys.inRange("train.momentum", momentum, 0.0, 0, true, 1, false);
        if (optimizer.equals("adam") && momentum != 0) {
            throw new IllegalArgumentException("train.momentum = " + momentum + " is not used by train.optimizer = \"adam\""
                    + " (Adam has beta1 = 0.9): leave it out");
        }
        weightDecay = Keys.number("train.weight_decay", weightDecay, 0.0, 0, true);
        testBatch = Keys.intAtLeast("train.test_batch", testBatch, 512, 0);
        fullTestEveryEpoch = fullTestEveryEpoch != null && fullTestEveryEpoch;
        onNonconverged = Keys.oneOf("train.on_nonconverged", onNonconverged, TrainSettings.DEFAULT_ON_NONCONVERGED,
                TrainSettings.ON_NONCONVERGED);
        maxDirectionNorm = Keys.number("train.max_direction_norm", maxDirectionNorm,
                TrainSettings.DEFAULT_MAX_DIRECTION_NORM, 0, false);
        maxConsecutiveRefusals = Keys.intAtLeast("train.max_consecutive_refusals", maxConsecutiveRefusals,
                TrainSettings.DEFAULT_MAX_CONSECUTIVE_REFUSALS, 1);
        schedule = Keys.oneOf("train.schedule", schedule, "constant", SCHEDULES);
        warmupSteps = Keys.intAtLeast("train.warmup_steps", warmupSteps, 0, 0);
        if (schedule.equals("step")) {
            if (stepEvery == null) {
                throw new IllegalArgumentException("train.schedule = \"step\" needs train.step_every = K (the learning"
                        + " rate is multiplied by train.step_gamma, default 0.1, every K steps)");
            }
            stepEvery = Keys.intAtLeast("train.step_every", stepEvery, 1, 1);
            stepGamma = Keys.inRange("train.step_gamma", stepGamma, 0.1, 0, false, 1, true);
        } else {
            if (stepEvery != null) {
                throw Keys.notApplicable("train.step_every", stepEvery, "train.schedule = \"" + schedule + "\"",
                        "only the \"step\" schedule decays every K steps");
            }
            if (stepGamma != null) {
                throw Keys.notApplicable("train.step_gamma", stepGamma, "train.schedule = \"" + schedule + "\"",
                        "only the \"step\" schedule decays by a factor");
            }
        }
        clipNorm = Keys.number("train.clip_norm", clipNorm, 0.0, 0, true);
        if (clipNorm >= maxDirectionNorm) {
            throw new IllegalArgumentException("train.clip_norm = " + clipNorm + " is not below train.max_direction_norm"
                    + " = " + maxDirectionNorm + ": a direction that large is refused before it could be clipped, so"
                    + " the clip would never act; give a clip_norm below max_direction_norm (1 to 10 is usual)");
        }
        augmentShift = Keys.intAtLeast("train.augment_shift", augmentShift, 0, 0);
        if (adamSecondMoment != null && !optimizer.equals("adam")) {
            throw Keys.notApplicable("train.adam_second_moment", adamSecondMoment, "train.optimizer = \"" + optimizer
                    + "\"", "only Adam keeps a second moment");
        }
        adamSecondMoment = Keys.oneOf("train.adam_second_moment", adamSecondMoment, "entry", ADAM_SECOND_MOMENTS);
        if (adamSecondMoment.equals("entry")) {
            // The default is held as absent, so that the identities of runs made before this key
            // existed (RunIdentity) stay as they were, and "entry" written out names the same runs.
            adamSecondMoment = null;
        }
    }

    public static final List<String> SCHEDULES = List.of("constant", "cosine", "step");

    /** Values of train.adam_second_moment. */
    public static final List<String> ADAM_SECOND_MOMENTS = List.of("entry", "global");

    /** The schedule, clipping, augmentation and Adam's second moment as the trainer takes them. */
    public TrainSettings.Options options() {
        LearningRateSchedule s = switch (schedule) {
            case "cosine" -> new LearningRateSchedule.Cosine(warmupSteps);
            case "step" -> new LearningRateSchedule.StepDecay(warmupSteps, stepEvery, stepGamma);
            default -> new LearningRateSchedule.Constant(warmupSteps);
        };
        return new TrainSettings.Options(s, clipNorm, augmentShift, "global".equals(adamSecondMoment));
    }

    /**
     * Notes on settings that cannot act in a run of {@code totalSteps} steps (a warm-up as long as the
     * run, a step decay that never comes), printed before the sweep starts; empty if there are none.
     */
    public List<String> notes(long totalSteps) {
        List<String> notes = new java.util.ArrayList<>();
        if (warmupSteps >= totalSteps) {
            // the warm-up's factor is (t + 1) / w: full only at step w - 1, the run's last at best
            notes.add("train.warmup_steps = " + warmupSteps + " is not shorter than the run's " + totalSteps + " steps:"
                    + " the learning rate rises for the whole run, " + (warmupSteps == totalSteps
                    ? "to its full value at the last step only" : "never reaching its full value")
                    + (schedule.equals("constant") ? "" : ", and the " + schedule + " schedule never starts"));
        } else if (schedule.equals("cosine") && totalSteps - warmupSteps < 2) {
            notes.add("train.warmup_steps = " + warmupSteps + " leaves one step of the run's " + totalSteps + " after the"
                    + " warm-up: the cosine schedule has no step to decay over");
        } else if (schedule.equals("step") && stepEvery >= totalSteps - warmupSteps) {
            notes.add("train.step_every = " + stepEvery + " is not shorter than the run's " + (totalSteps - warmupSteps)
                    + " steps" + (warmupSteps > 0 ? " after its warm-up" : "") + ": the learning rate never decays");
        }
        return notes;
    }

    /** True if the safety keys are all at their defaults (then settings JSON leaves them out). */
    public boolean defaultSafety() {
        return onNonconverged.equals(TrainSettings.DEFAULT_ON_NONCONVERGED)
                && maxDirectionNorm == TrainSettings.DEFAULT_MAX_DIRECTION_NORM
                && maxConsecutiveRefusals == TrainSettings.DEFAULT_MAX_CONSECUTIVE_REFUSALS;
    }

    public static TrainConfig defaults() {
        return new TrainConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }
}
