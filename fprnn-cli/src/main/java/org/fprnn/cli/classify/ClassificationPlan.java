package org.fprnn.cli.classify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.rule.RuleSettings;
import org.fprnn.train.TrainSettings;

/**
 * A classification config resolved into its runs (every rule x learning rate in config order, for
 * each seed in turn) and what each run needs: the network at start (the config's {@link NetworkSpec},
 * built from the run's seed, so the same for every run of a seed), the
 * training settings, and a canonical description of the settings that decides whether a saved run
 * or checkpoint belongs to this config.
 */
public final class ClassificationPlan {

    /**
     * One run of the sweep: a rule at a learning rate from one seed.
     *
     * @param namedBySeed false for the config's first seed, whose files keep the names they had before
     *     seeds existed (RULE_lrLR), true for the others (RULE_lrLR_seedS)
     */
    public record RunSpec(String rule, double lr, long seed, boolean namedBySeed) {
        /** A run of a one-seed sweep (named without its seed). */
        public RunSpec(String rule, double lr, long seed) {
            this(rule, lr, seed, false);
        }

        /** File-name id, e.g. "gradient_lr0.0025" or "gradient_lr0.0025_seed2". */
        public String id() {
            return rule + "_lr" + lrText(lr) + (namedBySeed ? "_seed" + seed : "");
        }

        public String label() {
            return rule + " lr " + lrText(lr) + " seed " + seed;
        }

        /** The same rule and learning rate (the runs a row of the results aggregates over seeds). */
        public boolean sameSetting(RunSpec o) {
            return rule.equals(o.rule) && lr == o.lr;
        }
    }

    private final RunConfig cfg;
    private final List<RunSpec> runs = new ArrayList<>();

    public ClassificationPlan(RunConfig cfg) {
        if (!cfg.protocol().equals("classification")) {
            throw new IllegalArgumentException("not a classification config: " + cfg.protocol());
        }
        this.cfg = cfg;
        // Seed by seed, so that an interrupted long sweep has every setting of its first seeds done.
        var perRule = cfg.sweep().perRule();
        for (long seed : cfg.seeds()) {
            boolean named = seed != cfg.seed();
            perRule.forEach((rule, lrs) -> lrs.forEach(lr -> runs.add(new RunSpec(rule, lr, seed, named))));
        }
    }

    public RunConfig config() {
        return cfg;
    }

    public List<RunSpec> runs() {
        return runs;
    }

    /**
     * A lower estimate of the heap a run of this plan needs, in bytes, for images of this shape and
     * this many classes, before anything is allocated: {@link NetworkSpec#memoryEstimate} with this
     * plan's optimizer slots, batch rows and solver memory. A batch has at most as many rows as its
     * data set has samples (a larger batch_size is capped there), so the sizes of the training and test
     * sets bound the rows.
     *
     * @throws IllegalArgumentException if the network does not fit the images (conv on flat samples)
     * @throws org.fprnn.cli.UserError if one matrix has more elements than a Java array holds
     */
    public long memoryEstimate(FeatureShape image, int outputs, int trainSamples, int testSamples) {
        NetworkSpec n = cfg.network();
        n.layerShapes(image); // a network that does not fit the images fails here, as an IllegalArgumentException
        var t = cfg.train();
        int slots = t.optimizer().equals("adam") ? 2 : t.optimizer().equals("nesterov") || t.momentum() > 0 ? 1 : 0;
        try {
            long rows = (long) Math.min(t.batchSize(), trainSamples) + Math.min(t.testBatch(), testSamples);
            return n.memoryEstimate(image, outputs, slots, rows, cfg.solver().memory());
        } catch (IllegalArgumentException e) {
            throw new org.fprnn.cli.UserError(e.getMessage(), e);
        }
    }

    public TrainSettings trainSettings(RunSpec r) {
        var t = cfg.train();
        var forward = cfg.solver().toSolverConfig();
        var unroll = r.rule().equals("bptt") && cfg.rule().bpttUnroll() != null ? cfg.rule().bpttUnroll() : forward;
        var rs = new RuleSettings(Loss.CROSS_ENTROPY, cfg.rule().gainMode(), cfg.rule().adjoint(), unroll, r.lr(),
                cfg.rule().meanGainPreconditioner());
        return new TrainSettings(r.rule(), r.lr(), t.optimizer(), t.momentum(), t.weightDecay(), t.batchSize(),
                t.epochs(), forward, rs, t.testBatch(), t.fullTestEveryEpoch(), r.seed(), t.onNonconverged(),
                t.maxDirectionNorm(), t.maxConsecutiveRefusals(), cfg.diagnostics().toSettings(),
                cfg.solver().warmStart(), t.options());
    }

    /**
     * Everything that decides a run's trajectory, as canonical JSON ({@link RunIdentity}): a saved
     * run or checkpoint is reused only when this matches exactly.
     */
    public String settingsJson(RunSpec r) {
        return RunIdentity.json(cfg, r);
    }

    /** A learning rate as written in file names and tables: 0.0025, 0.1, 1; 1e-07 and 1e39 outside [1e-6, 1e6). */
    public static String lrText(double lr) {
        BigDecimal b = BigDecimal.valueOf(lr).stripTrailingZeros();
        if (lr >= 1e-6 && lr < 1e6) {
            return b.toPlainString();
        }
        return b.toString().toLowerCase(java.util.Locale.ROOT).replace("+", "");
    }
}
