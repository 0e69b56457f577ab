package org.fprnn.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.DataConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;
import org.fprnn.model.NetworkSpec;
import org.fprnn.train.TrainSettings;

/**
 * One run of an {@code fprnn run} classification config as fprnn-spark trains it: the config's
 * network (any {@link NetworkSpec}: dense, masked, Dale, convolutional, layered), data, solver, rule
 * settings and training settings, for one rule and one learning rate of its sweep. The settings come
 * from the same {@link ClassificationPlan} as {@code fprnn run}'s, so the two train the same run.
 *
 * @param run the rule and learning rate chosen from the sweep
 */
record SparkConfig(RunConfig config, ClassificationPlan plan, ClassificationPlan.RunSpec run) {

    /**
     * Reads the config (with {@code --set} overrides) and picks its run: the sweep's only one, or the
     * one {@code rule} and {@code lr} select.
     *
     * @param rule the rule to train, or null if the sweep has one rule
     * @param lr the learning rate, or null if the sweep gives the rule one learning rate
     * @throws org.fprnn.cli.UserError for a bad config
     * @throws IllegalArgumentException when the choice is not one run, naming the runs there are
     */
    static SparkConfig load(Path file, List<String> overrides, String rule, Double lr) {
        RunConfig cfg = ConfigLoader.load(file, overrides, RunConfig.class);
        if (!cfg.protocol().equals("classification")) {
            throw new IllegalArgumentException("config " + file + " runs protocol " + cfg.protocol() + "; fprnn-spark"
                    + " trains classification configs (protocol = \"classification\")");
        }
        ClassificationPlan plan = new ClassificationPlan(cfg);
        List<ClassificationPlan.RunSpec> chosen = plan.runs().stream()
                .filter(r -> (rule == null || r.rule().equals(rule)) && (lr == null || r.lr() == lr)).toList();
        if (chosen.size() != 1) {
            String all = plan.runs().stream().map(ClassificationPlan.RunSpec::label).collect(Collectors.joining(", "));
            String asked = (rule == null ? "" : " --rule " + rule) + (lr == null ? "" : " --lr " + lr);
            throw new IllegalArgumentException((chosen.isEmpty() ? "no run of " + file + " matches" + asked
                    : "config " + file + " sweeps " + chosen.size() + " runs" + (asked.isEmpty() ? "" : " matching"
                    + asked)) + "; a Spark submission trains one: choose it with --rule and --lr among " + all);
        }
        return new SparkConfig(cfg, plan, chosen.getFirst());
    }

    TrainSettings settings() {
        return plan.trainSettings(run);
    }

    /** The run's identity, as {@code fprnn run} records it (runs/ID.json "settings"). */
    String settingsJson() {
        return plan.settingsJson(run);
    }

    DataConfig data() {
        return config.data();
    }

    /** The config's network for this data set's images and classes, drawn from the config's seed. */
    NetworkSpec.ForData network(Dataset data) {
        return config.network().forData(data.imageShape(), data.classes(), config.seed());
    }

    /** The test split with data.test_limit applied (read on the driver). */
    Dataset loadTest() throws IOException {
        DataOptions opts = DataOptions.defaults().withDownload(data().download());
        if (data().dataDir() != null) {
            opts = opts.withDir(Path.of(data().dataDir()));
        }
        Dataset test = DataSets.load(DataSets.source(data().name(), data().classes()), Split.TEST, opts);
        Integer limit = data().testLimit();
        return limit != null && limit < test.size() ? test.subset(0, limit) : test;
    }

    /** data.train_limit, or 0 for every training sample. */
    int trainLimit() {
        return data().trainLimit() == null ? 0 : data().trainLimit();
    }
}
