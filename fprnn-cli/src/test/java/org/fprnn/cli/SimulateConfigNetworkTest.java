package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.simulate.SimulationSettings;
import org.fprnn.simulate.Simulator;
import org.fprnn.simulate.Stimulus;
import org.fprnn.simulate.Trajectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn simulate --config CONFIG.toml --weights FILE.safetensors: a convolutional network built from
 * the config's [network] with weights saved as fprnn run saves them, simulated as the same network
 * object is by the library; weights of another network are refused with exit code 2.
 */
class SimulateConfigNetworkTest {
    static final int T = 4;
    static final int FRAME_STEPS = 3;
    static final long SEED = 9;

    @TempDir
    Path dir;

    /** A classification config on a tiny MNIST-format folder (28 x 28 images, 10 classes). */
    Path config(String network) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        if (!Files.exists(data.resolve("t10k-images-idx3-ubyte"))) {
            TinyIdx.write(data, 20, 20, 3);
        }
        Path cfg = dir.resolve("net-" + Math.abs(network.hashCode()) + ".toml");
        Files.writeString(cfg, """
                name = "sim-config"
                protocol = "classification"
                seed = 1
                [data]
                name = "idx"
                data_dir = "%s"
                [network]
                %s
                [sweep]
                rules = ["linearized"]
                [sweep.learning_rates]
                linearized = [0.1]
                """.formatted(data.toString().replace("\\", "\\\\"), network));
        return cfg;
    }

    static final String CONV = """
            connectivity = "conv"
            channels = 2
            kernel = 3
            stride = 2
            precision = "double"
            readout = "pooled"
            readout_bias = true
            train_readout = true
            """;

    /** The config's network drawn from SEED, its weights then moved away from their draw. */
    static FixedPointNetwork trained(String network) {
        FixedPointNetwork net = NetworkSpec.fromToml("[network]\n" + network, "test")
                .forData(new FeatureShape(1, 28, 28), 10, SEED).build();
        Random rng = new Random(4);
        for (String name : net.params().names()) {
            Matrix p = net.params().get(name);
            for (int i = 0; i < p.size(); i++) {
                p.setFlat(i, 0.9 * p.getFlat(i) + 0.05 * rng.nextGaussian());
            }
        }
        return net;
    }

    /** The network's parameters as fprnn run writes weights/ID.safetensors (with the run's seed). */
    Path save(FixedPointNetwork net, String file) throws IOException {
        Path f = dir.resolve(file);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("seed", Long.toString(SEED));
        Safetensors.write(f, new LinkedHashMap<>(net.params().asMap()), meta);
        return f;
    }

    /** As {@link #save}, with the settings fprnn run records: those of a run of config cfg. */
    Path save(FixedPointNetwork net, String file, String settings) throws IOException {
        Path f = dir.resolve(file);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("seed", Long.toString(SEED));
        meta.put("settings", settings);
        Safetensors.write(f, new LinkedHashMap<>(net.params().asMap()), meta);
        return f;
    }

    /** The settings fprnn run records in the weights of a run of cfg (linearized, lr 0.1). */
    static String settingsOf(Path cfg) {
        return new ClassificationPlan(ConfigLoader.load(cfg, List.of(), RunConfig.class))
                .settingsJson(new ClassificationPlan.RunSpec("linearized", 0.1, SEED));
    }

    /**
     * A config that builds the weights' parameters but not the network the run trained (another
     * nonlinearity, which is no parameter, or another layer shape) is refused, naming both values; the
     * config of the run itself, one that differs only in precision or in keys that drew the start,
     * the settings fprnn-spark records, and those of weights written by older fprnn (the legacy
     * identity, as the docs' P1-converged weights have), are taken.
     */
    @Test
    void aConfigThatContradictsTheWeightsSettingsIsRefused() throws IOException {
        List<String> common = List.of("--stimulus", "switch", "--digits", "3,8", "--ts", "1", "--compare", "none",
                "--out", dir.resolve("out").toString());
        FixedPointNetwork net = trained(CONV);
        Path cfg = config(CONV);

        CliRunner same = run(cfg, save(net, "same.safetensors", settingsOf(cfg)), common);
        assertEquals(0, same.exitCode(), same.err());

        // Another precision, or keys that only drew the start or steered training, are the same network.
        Path floatRun = save(net, "float.safetensors", settingsOf(config(CONV.replace("\"double\"", "\"float\"")
                + "recurrent_scale = 0.9\ntrain_input = true\n")));
        CliRunner precision = run(cfg, floatRun, common);
        assertEquals(0, precision.exitCode(), precision.err());

        Path wider = save(net, "wider.safetensors", settingsOf(config(CONV.replace("channels = 2", "channels = 3"))));
        CliRunner channels = run(cfg, wider, common);
        assertEquals(2, channels.exitCode(), channels.err());
        assertTrue(channels.err().contains("network.channels: 3 in the weights, 2 in the config")
                && channels.err().contains("Give the config of the run that wrote the weights"), channels.err());
        assertFalse(channels.err().contains("Exception"), channels.err());

        // fprnn-spark records a config run's identity under "run"; they were compared as defaults
        Path spark = save(net, "spark.safetensors", "{\"run\":" + settingsOf(cfg) + ",\"train_samples\":20}");
        CliRunner sparkRun = run(cfg, spark, common);
        assertEquals(0, sparkRun.exitCode(), sparkRun.err());
        Path sparkSoftplus = save(net, "spark-softplus.safetensors", "{\"run\":" + settingsOf(config(CONV
                + "nonlinearity = \"softplus\"\n")) + "}");
        CliRunner sparkOther = run(cfg, sparkSoftplus, common);
        assertEquals(2, sparkOther.exitCode(), sparkOther.err());
        assertTrue(sparkOther.err().contains("network.nonlinearity: \"softplus\" in the weights, \"tanh\" in the"
                + " config"), sparkOther.err());

        Path softplusRun = save(net, "softplus.safetensors", settingsOf(config(CONV + "nonlinearity = \"softplus\"\n")));
        CliRunner nonlinearity = run(cfg, softplusRun, common);
        assertEquals(2, nonlinearity.exitCode(), nonlinearity.err());
        assertTrue(nonlinearity.err().contains("network.nonlinearity: \"softplus\" in the weights, \"tanh\" in the"
                + " config"), nonlinearity.err());

        // The identity fprnn recorded before it was derived from the config: a plain dense network.
        String dense = "units = 12\nprecision = \"double\"";
        String legacy = "{\"rule\":\"linearized\",\"lr\":0.1,\"seed\":9,\"data\":{\"name\":\"idx\",\"train_limit\":null,"
                + "\"test_limit\":null},\"network\":{\"units\":12,\"nonlinearity\":\"tanh\",\"gain\":1.0,\"dynamics\":\"rate\","
                + "\"precision\":\"double\",\"train_input\":false,\"train_bias\":false,\"train_readout\":false,"
                + "\"readout_bias\":false,\"recurrent_scale\":0.5},\"solver\":{\"method\":\"anderson\",\"alpha\":1.0,"
                + "\"max_iter\":300,\"tol\":1.0E-6,\"memory\":5,\"beta\":1.0}}";
        Path old = save(trained(dense), "legacy.safetensors", legacy);
        CliRunner legacyOk = run(config(dense), old, common);
        assertEquals(0, legacyOk.exitCode(), legacyOk.err());
        CliRunner legacyMasked = run(config(dense + "\nconnectivity = \"masked\"\ndensity = 0.5"), old, common);
        assertEquals(2, legacyMasked.exitCode(), legacyMasked.err());
        assertTrue(legacyMasked.err().contains("network.connectivity: \"dense\" in the weights, \"masked\" in the"
                + " config"), legacyMasked.err());

        CliRunner notJson = run(cfg, save(net, "odd.safetensors", "tanh, double"), common);
        assertEquals(2, notJson.exitCode(), notJson.err());
        assertTrue(notJson.err().contains("records 'settings' that are not an fprnn run's"), notJson.err());
    }

    /**
     * Without --config, --nonlinearity (and --gain) say the network: weights whose recorded settings
     * name another nonlinearity were simulated as that network without a word; now they are refused,
     * naming both. Another precision stays allowed (simulating float-trained weights in double is a
     * choice, as the docs' P1-converged command makes), and so do weights that record no settings.
     */
    @Test
    void plainWeightsRecordingAnotherNonlinearityAreRefused() throws IOException {
        double[] ends = new double[2 * 784];
        for (int i = 0; i < 784; i++) {
            ends[784 + i] = 0.5;   // xb: a grey image, xa: a black one
        }
        Npy.write(dir.resolve("ends.npy"), NdArray.of(ends, 2, 784));
        List<String> common = List.of("--stimulus", "switch", "--endpoints", dir.resolve("ends.npy").toString(),
                "--ts", "1", "--compare", "none", "--out", dir.resolve("out").toString());
        String dense = "units = 12\nprecision = \"float\"";
        FixedPointNetwork net = trained(dense);
        Path tanhRun = save(net, "tanh.safetensors", settingsOf(config(dense)));
        CliRunner same = plain(tanhRun, List.of("--nonlinearity", "tanh", "--precision", "double"), common);
        assertEquals(0, same.exitCode(), same.err());
        CliRunner relu = plain(tanhRun, List.of("--nonlinearity", "relu"), common);
        assertEquals(2, relu.exitCode(), relu.err());
        assertTrue(relu.err().contains("was trained with network.nonlinearity = \"tanh\" (its recorded settings say so),"
                + " not --nonlinearity relu"), relu.err());
        assertFalse(relu.err().contains("Exception"), relu.err());
        Path linearRun = save(trained(dense), "linear.safetensors", settingsOf(config(dense
                + "\nnonlinearity = \"linear\"\ngain = 0.5")));
        CliRunner gain = plain(linearRun, List.of("--nonlinearity", "linear"), common);
        assertEquals(2, gain.exitCode(), gain.err());
        assertTrue(gain.err().contains("network.nonlinearity = \"linear\", network.gain = 0.5"), gain.err());
        // fprnn-spark's settings of a run from its flags: the network's keys at the top level
        Path sparkFlags = save(net, "flags.safetensors", "{\"data\":\"mnist\",\"units\":12,\"nonlinearity\":"
                + "\"softplus\",\"precision\":\"float\"}");
        CliRunner flags = plain(sparkFlags, List.of("--nonlinearity", "tanh"), common);
        assertEquals(2, flags.exitCode(), flags.err());
        assertTrue(flags.err().contains("was trained with network.nonlinearity = \"softplus\""), flags.err());
        CliRunner noSettings = plain(save(net, "bare.safetensors"), List.of("--nonlinearity", "relu"), common);
        assertEquals(0, noSettings.exitCode(), noSettings.err());
    }

    private CliRunner plain(Path weights, List<String> nonlinearity, List<String> more) {
        Path out = dir.resolve("out-" + weights.getFileName() + "-" + String.join("", nonlinearity).hashCode());
        List<String> args = new java.util.ArrayList<>(List.of(concat(List.of("simulate", "--weights",
                weights.toString()), nonlinearity)));
        args.addAll(more);
        args.set(args.indexOf("--out") + 1, out.toString());
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void aConvNetworkFromTheConfigWithItsWeightsSimulatesAsTheNetworkItself() throws IOException {
        FixedPointNetwork net = trained(CONV);
        Path weights = save(net, "conv.safetensors");
        Random rng = new Random(5);
        double[] x = new double[T * net.inputs()];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextDouble();
        }
        Npy.write(dir.resolve("X.npy"), NdArray.of(x, T, net.inputs()));

        CliRunner res = CliRunner.run("simulate", "--config", config(CONV).toString(), "--weights", weights.toString(),
                "--input", dir.resolve("X.npy").toString(), "--frame-steps", Integer.toString(FRAME_STEPS), "--dt", "0.1",
                "--max-iter", "300", "--out", dir.resolve("out").toString());
        assertEquals(0, res.exitCode(), res.err());

        Matrix[] frames = new Matrix[T];
        for (int k = 0; k < T; k++) {
            frames[k] = new DMatrix(1, net.inputs(), Arrays.copyOfRange(x, k * net.inputs(), (k + 1) * net.inputs()));
        }
        Trajectory direct = new Simulator(net).run(Stimulus.sequence(frames, FRAME_STEPS * 0.1),
                SimulationSettings.of(0.1, 1, T * FRAME_STEPS));
        NdArray traj = Npy.read(dir.resolve("out/trajectory.npy"));
        assertArrayEquals(new long[] {T * FRAME_STEPS + 1, net.units()}, traj.shape());
        assertArrayEquals(((DMatrix) direct.rates()).data, traj.toDoubleArray(), "the trajectory, bit for bit");

        // The read-out is the network's (pooled, with its bias c), of the simulated rates.
        DMatrix y = new DMatrix(T * FRAME_STEPS + 1, net.outputs());
        net.readout(direct.rates(), y);
        assertArrayEquals(y.data, Npy.read(dir.resolve("out/readout.npy")).toDoubleArray());

        // The network at start (the config's draw, without the weights) moves differently: the weights were loaded.
        Trajectory atStart = new Simulator(NetworkSpec.fromToml("[network]\n" + CONV, "test")
                .forData(new FeatureShape(1, 28, 28), 10, SEED).build())
                .run(Stimulus.sequence(frames, FRAME_STEPS * 0.1), SimulationSettings.of(0.1, 1, T * FRAME_STEPS));
        assertFalse(Arrays.equals(((DMatrix) atStart.rates()).data, traj.toDoubleArray()));
    }

    @Test
    void weightsOfAnotherNetworkAreRefusedNamingWhatDiffers() throws IOException {
        Npy.write(dir.resolve("ends.npy"), NdArray.of(new double[2 * 784], 2, 784));
        List<String> common = List.of("--stimulus", "switch", "--endpoints", dir.resolve("ends.npy").toString(),
                "--ts", "1", "--out", dir.resolve("out").toString());

        Path conv = save(trained(CONV), "conv.safetensors");
        CliRunner otherShape = run(config(CONV.replace("channels = 2", "channels = 3")), conv, common);
        assertEquals(2, otherShape.exitCode(), otherShape.err());
        assertTrue(otherShape.err().contains(" of shape (") && otherShape.err().contains("Give the config"),
                otherShape.err());

        CliRunner otherType = run(config("units = 12\nprecision = \"double\""), conv, common);
        assertEquals(2, otherType.exitCode(), otherType.err());
        assertTrue(otherType.err().contains("does not hold the parameters") && otherType.err().contains("it holds c"),
                otherType.err());

        CliRunner nonlinearity = CliRunner.run(concat(List.of("simulate", "--config", config(CONV).toString(),
                "--weights", conv.toString(), "--nonlinearity", "tanh"), common));
        assertEquals(2, nonlinearity.exitCode());
        assertTrue(nonlinearity.err().contains("--nonlinearity does not apply to --config"), nonlinearity.err());

        CliRunner files = CliRunner.run(concat(List.of("simulate", "--config", config(CONV).toString(), "--W",
                conv.toString(), "--U", conv.toString()), common));
        assertEquals(2, files.exitCode());
        assertTrue(files.err().contains("give them with --weights"), files.err());
        // Without --config the nonlinearity is still required (now checked by fprnn, not by picocli).
        CliRunner noF = CliRunner.run(concat(List.of("simulate", "--W", conv.toString(), "--U", conv.toString()), common));
        assertEquals(2, noF.exitCode());
        assertTrue(noF.err().contains("--nonlinearity is required"), noF.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing written on bad input");
    }

    /**
     * With --config, --digits and --images pick the config's data set's test images (not MNIST's), as the
     * same images given by --endpoints do, bit for bit; --data names that data set's folder in place of
     * the config's data_dir.
     */
    @Test
    void digitsAndImagesComeFromTheConfigsDataSet() throws IOException {
        Path weights = save(trained(CONV), "conv.safetensors");
        Path cfg = config(CONV);
        Dataset test = DataSets.load(DataSets.source("idx", null), Split.TEST,
                DataOptions.defaults().withDir(dir.resolve("data")));
        double[] ends = new double[2 * 784];
        for (int j = 0; j < 784; j++) { // the first test images of labels 3 and 8 (TinyIdx: label i % 10)
            ends[j] = test.x().get(3, j);
            ends[784 + j] = test.x().get(8, j);
        }
        Npy.write(dir.resolve("ends.npy"), NdArray.of(ends, 2, 784));
        List<String> sw = List.of("--stimulus", "switch", "--ts", "1", "--dt", "0.1");

        CliRunner digits = run(cfg, weights, plus(sw, List.of("--digits", "3,8", "--out", dir.resolve("d").toString())));
        assertEquals(0, digits.exitCode(), digits.err());
        CliRunner files = run(cfg, weights, plus(sw, List.of("--endpoints", dir.resolve("ends.npy").toString(), "--out",
                dir.resolve("e").toString())));
        assertEquals(0, files.exitCode(), files.err());
        assertArrayEquals(Npy.read(dir.resolve("e/trajectory.npy")).toDoubleArray(),
                Npy.read(dir.resolve("d/trajectory.npy")).toDoubleArray());
        String inputs = String.valueOf(SimulateCommandTest.json(dir.resolve("d/tracking.json")).get("stimulus"));
        assertTrue(inputs.contains("IDX folder test image 3 (label 3)") && !inputs.contains("MNIST"), inputs);

        CliRunner images = run(cfg, weights, plus(sw, List.of("--images", "3,8", "--out",
                dir.resolve("i").toString())));
        assertEquals(0, images.exitCode(), images.err());
        assertArrayEquals(Npy.read(dir.resolve("e/trajectory.npy")).toDoubleArray(),
                Npy.read(dir.resolve("i/trajectory.npy")).toDoubleArray());

        CliRunner range = run(cfg, weights, plus(sw, List.of("--images", "3,20", "--out", dir.resolve("r").toString())));
        assertEquals(2, range.exitCode());
        assertTrue(range.err().contains("--images: indices are 0 to 19"), range.err());

        // --data in place of the config's data_dir (here a folder that does not exist)
        Path moved = Files.writeString(dir.resolve("moved.toml"), Files.readString(cfg).replace(
                dir.resolve("data").toString().replace("\\", "\\\\"), dir.resolve("gone").toString().replace("\\", "\\\\")));
        CliRunner gone = run(moved, weights, plus(sw, List.of("--digits", "3,8", "--out", dir.resolve("g").toString())));
        assertEquals(2, gone.exitCode(), gone.err());
        assertTrue(gone.err().contains("gone"), gone.err());
        CliRunner given = run(moved, weights, plus(sw, List.of("--digits", "3,8", "--data", dir.resolve("data").toString(),
                "--out", dir.resolve("g").toString())));
        assertEquals(0, given.exitCode(), given.err());
        assertArrayEquals(Npy.read(dir.resolve("e/trajectory.npy")).toDoubleArray(),
                Npy.read(dir.resolve("g/trajectory.npy")).toDoubleArray());
    }

    private static CliRunner run(Path cfg, Path weights, List<String> more) {
        return CliRunner.run(concat(List.of("simulate", "--config", cfg.toString(), "--weights", weights.toString()), more));
    }

    private static List<String> plus(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
