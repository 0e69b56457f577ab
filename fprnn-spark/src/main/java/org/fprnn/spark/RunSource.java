package org.fprnn.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.model.NetworkSpec;
import org.fprnn.train.TrainSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * Where a Spark run's settings come from, one of two (an exclusive argument group): one run of an
 * {@code fprnn run} config, or {@link DenseFlags}. Picocli's own check is off (validate = false) and
 * {@link #choose} checks instead, with messages that say what to give: picocli's name the group's
 * options by their labels, not what to do.
 */
final class RunSource {

    @ArgGroup(exclusive = false, validate = false, order = 1,
            heading = "%nOne run of an fprnn run config (the options of the next section are then refused):%n")
    ConfigFile config = new ConfigFile();

    @ArgGroup(exclusive = false, validate = false, order = 2,
            heading = "%nOr, without --config, the data, a dense single-layer network, its solver and its training:%n")
    DenseFlags flags = new DenseFlags();

    /** --config and its --set overrides. */
    static final class ConfigFile {
        @Option(names = "--config", paramLabel = "CONFIG.toml", description = "train one run of an fprnn run"
                + " classification config (its [data], [network], [solver], [rule] and [train]); the sweep's run is"
                + " chosen with --rule and --lr when it has several")
        Path file;

        @Option(names = "--set", paramLabel = "TABLE.KEY=VALUE", description = "with --config: override a config"
                + " value, as fprnn run --set (repeatable)")
        List<String> overrides = new ArrayList<>();
    }

    /**
     * The run to train. With --config: the config's run that --rule and --lr choose, after refusing
     * the flags the config sets. Without: the flags' run, after checking --lr and --set.
     *
     * @param rule --rule, or null (linearized without a config)
     * @param lr --lr, or null
     */
    Run choose(ParseResult parsed, String rule, Double lr) {
        if (config.file == null) {
            if (config.overrides != null && !config.overrides.isEmpty()) {
                throw new IllegalArgumentException("--set overrides a value of a config: give --config CONFIG.toml too");
            }
            if (lr == null) {
                throw new IllegalArgumentException("--lr is required: give the learning rate, e.g. --lr 0.1 (or train"
                        + " a run of a config with --config CONFIG.toml)");
            }
            return new Run(rule == null ? "linearized" : rule, lr, null, flags);
        }
        for (OptionSpec o : parsed.commandSpec().options()) {
            if (o.group() != null && o.group().typeInfo().getType() == DenseFlags.class
                    && parsed.hasMatchedOption(o)) {
                throw new IllegalArgumentException(o.longestName() + " is set by the config (" + config.file
                        + "): leave it out, or override the config's value with --set TABLE.KEY=VALUE");
            }
        }
        SparkConfig c = SparkConfig.load(config.file, config.overrides, rule, lr);
        return new Run(c.run().rule(), c.run().lr(), c, null);
    }

    /**
     * The chosen run: a config's ({@code config} set, {@code flags} null) or the flags' (the other way
     * round; picocli leaves the flags of an unused side without their defaults, so only one is kept).
     */
    record Run(String rule, double lr, SparkConfig config, DenseFlags flags) {

        TrainSettings settings() {
            return config != null ? config.settings() : flags.trainSettings(rule, lr);
        }

        String dataset() {
            return config != null ? config.data().name() : flags.dataset;
        }

        String dataDir() {
            return config != null ? config.data().dataDir() : flags.dataDir;
        }

        /** data.classes of an "idx" folder (from a config), or null. */
        Integer classes() {
            return config != null ? config.data().classes() : null;
        }

        int trainSamples() {
            return config != null ? config.trainLimit() : flags.trainSamples;
        }

        /** The test split, read on the driver. */
        Dataset loadTest() throws IOException {
            if (config != null) {
                return config.loadTest();
            }
            DataOptions options = dataDir() == null ? DataOptions.defaults() : DataOptions.defaults().withDir(Path.of(dataDir()));
            return DataSets.load(dataset(), "test", options);
        }

        NetworkSpec.ForData network(Dataset test) {
            return config != null ? config.network(test) : flags.networkSpec(test);
        }

        /**
         * What decides the run, for summary.json and the checkpoint's identity: a config run's settings
         * as {@code fprnn run} records them, else every flag.
         */
        void putIdentity(Map<String, Object> m, TrainSettings s, int trainSize) {
            if (config == null) {
                flags.putIdentity(m, s, trainSize);
                return;
            }
            try {
                m.put("run", Json.parse(config.settingsJson(), "the run's settings"));
            } catch (FormatException e) {
                throw new IllegalStateException(e);
            }
            m.put("train_samples", trainSize);
        }
    }
}
