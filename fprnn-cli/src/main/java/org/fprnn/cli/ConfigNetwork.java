package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.classify.RunIdentity;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.DataConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.DataSource;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;
import org.fprnn.io.FormatException;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;

/**
 * A trained network of any type: the [network] of an {@code fprnn run} config, built by
 * fprnn-core's {@code NetworkSpec} for the config's data set (its image shape and classes), with the
 * parameters of a weights file that {@code fprnn run} wrote (RESULTS/weights/ID.safetensors) in
 * place of those drawn at start. The file must hold exactly the network's parameters, each of the
 * network's shape; anything else is a {@link UserError} naming what differs.
 */
final class ConfigNetwork {
    private ConfigNetwork() {
    }

    /**
     * A trained network and the test split of its config's data set (whose images sized it).
     *
     * @param net the config's network with the file's weights
     * @param test the config's data set's test split
     * @param title the data set's name in words ("MNIST", "Fashion-MNIST", "IDX folder")
     */
    record Trained(FixedPointNetwork net, Dataset test, String title) {
    }

    /**
     * The config's network with the file's weights.
     *
     * @param config an fprnn run config with [data] (for the input shape and classes) and [network]
     * @param weights a safetensors file with one tensor per parameter of that network
     * @param dataDir the folder of the config's data set, in place of its data_dir (null: the config's
     *     data_dir, else fprnn's usual places)
     */
    static Trained load(Path config, Path weights, Path dataDir) {
        RunConfig cfg = ConfigLoader.load(config, List.of(), RunConfig.class);
        if (cfg.network() == null || cfg.data() == null) {
            throw new UserError("config " + config + " has no " + (cfg.data() == null ? "[data]" : "[network]")
                    + " table: --config takes an fprnn run classification config, whose [network] is built for its"
                    + " [data] set's images and classes");
        }
        Safetensors.Contents trained = InputFiles.safetensors(weights);
        requireSameNetwork(cfg, config, trained);
        Dataset test = testSplit(cfg.data(), dataDir);
        long seed = seed(trained, cfg);
        FixedPointNetwork net = cfg.network().forData(test.imageShape(), test.classes(), seed).build();
        copyInto(net.params(), trained, config);
        return new Trained(net, test, DataSets.source(cfg.data().name(), cfg.data().classes()).title());
    }

    /**
     * Refuses weights whose metadata records a run of other network settings (fprnn run and
     * fprnn-spark record their settings in every weights file): the config would build another network
     * around them, another nonlinearity or connectivity say, and simulate that without a word
     * ({@link RunIdentity#networkDifferences} says which settings count). Weights that record no
     * settings are taken as they are.
     */
    private static void requireSameNetwork(RunConfig cfg, Path config, Safetensors.Contents trained) {
        String settings = trained.metadata().get("settings");
        if (settings == null) {
            return;
        }
        List<String> differences;
        try {
            differences = RunIdentity.networkDifferences(cfg, settings);
        } catch (FormatException e) {
            throw new UserError(trained.source() + " records 'settings' that are not an fprnn run's (" + e.getMessage()
                    + "), so the network it was trained as is unknown: save the weights without that metadata key"
                    + " (and its sha256.* checksums) to load them as they are", e);
        }
        if (!differences.isEmpty()) {
            throw new UserError(trained.source() + " was trained as another network than " + config + " builds: "
                    + String.join("; ", differences) + ". Give the config of the run that wrote the weights (its"
                    + " runs/ID.json records these settings), or set these keys of the config to the weights' values");
        }
    }

    /**
     * Refuses weights whose metadata records another nonlinearity than {@code given} (simulate without
     * --config, whose --nonlinearity and --gain say it): the fixed points of the weights are those of
     * the nonlinearity they were trained with. Weights that record no settings, or settings without a
     * nonlinearity, are taken as they are.
     */
    static void requireNonlinearity(Safetensors.Contents trained, Nonlinearity given) {
        String settings = trained.metadata().get("settings");
        if (settings == null) {
            return;
        }
        Map<String, Object> net;
        try {
            net = RunIdentity.recordedNetwork(settings);
        } catch (FormatException e) {
            throw new UserError(trained.source() + " records 'settings' that are not JSON (" + e.getMessage()
                    + "), so the nonlinearity it was trained with is unknown: save the weights without that metadata"
                    + " key (and its sha256.* checksums) to load them as they are", e);
        }
        if (!(net.get("network.nonlinearity") instanceof String name)) {
            return;
        }
        double gain = net.get("network.gain") instanceof Number g ? g.doubleValue() : 1;
        boolean same = name.equalsIgnoreCase(given.name())
                && (!(given instanceof Nonlinearity.Linear l) || l.gain() == gain);
        if (!same) {
            String was = "network.nonlinearity = \"" + name + "\"" + (name.equalsIgnoreCase("linear")
                    ? ", network.gain = " + gain : "");
            String asked = "--nonlinearity " + given.name() + (given instanceof Nonlinearity.Linear l
                    ? " --gain " + l.gain() : "");
            throw new UserError(trained.source() + " was trained with " + was + " (its recorded settings say so), not"
                    + " " + asked + ": its fixed points are those of its own nonlinearity. Give the nonlinearity it"
                    + " was trained with, or --config with the config of the run that wrote it");
        }
    }

    /**
     * The seed the run drew its network from (weights files of fprnn run record it): masks of masked
     * and sparse Dale networks are drawn from it and are not parameters. Else the config's.
     */
    private static long seed(Safetensors.Contents trained, RunConfig cfg) {
        String s = trained.metadata().get("seed");
        if (s != null) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new UserError(trained.source() + " records seed '" + s + "', not a whole number");
            }
        }
        return cfg.seed();
    }

    /**
     * Copies the file's tensors into the network's parameters after checking that the names and the
     * shapes are the network's.
     */
    private static void copyInto(Params params, Safetensors.Contents trained, Path config) {
        List<String> missing = new ArrayList<>();
        for (String name : params.names()) {
            if (!trained.tensors().containsKey(name)) {
                missing.add(name);
            }
        }
        List<String> extra = new ArrayList<>();
        for (String name : trained.tensors().keySet()) {
            if (!params.names().contains(name)) {
                extra.add(name);
            }
        }
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new UserError(trained.source() + " does not hold the parameters of the [network] of " + config
                    + (missing.isEmpty() ? "" : ": it lacks " + String.join(", ", missing))
                    + (extra.isEmpty() ? "" : (missing.isEmpty() ? ": " : "; ") + "it holds " + String.join(", ", extra)
                    + ", which that network does not have")
                    + " (the network's parameters: " + String.join(", ", params.names()) + "). Give the config of the"
                    + " run that wrote the weights");
        }
        for (String name : params.names()) {
            NdArray a = trained.tensors().get(name);
            Matrix p = params.get(name);
            if (a.ndim() != 2 || a.dim(0) != p.rows || a.dim(1) != p.cols) {
                throw new UserError(trained.source() + " holds " + name + " of shape " + a.shapeString() + ", but the"
                        + " [network] of " + config + " has " + name + " of shape " + p.shape() + ". Give the config"
                        + " of the run that wrote the weights");
            }
        }
        for (String name : params.names()) {
            Matrix m = InputFiles.conv(() -> trained.get(name).toMatrix(params.get(name).precision()));
            InputFiles.finite(m, trained.source() + " (" + name + ")");
            params.get(name).copyFrom(m);
        }
    }

    /** The config's test split: its images' shape and its classes size the network. */
    private static Dataset testSplit(DataConfig dc, Path dataDir) {
        try {
            DataOptions opt = DataOptions.defaults().withDownload(dc.download());
            if (dataDir != null) {
                opt = opt.withDir(dataDir);
            } else if (dc.dataDir() != null) {
                opt = opt.withDir(Path.of(dc.dataDir()));
            }
            DataSource src = DataSets.source(dc.name(), dc.classes());
            return src.read(DataSets.locate(src, Split.TEST, opt), Split.TEST);
        } catch (DataNotFoundException | FormatException e) {
            throw new UserError(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot read the " + dc.name() + " data: " + e.getMessage(), e);
        }
    }
}
