package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.io.Json;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.Conv2dMap;
import org.fprnn.operator.Conv2dOperator;
import org.fprnn.operator.DaleOperator;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.EmbeddedMap;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.MaskedOperator;
import org.fprnn.operator.PooledReadout;
import org.fprnn.operator.TransposedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The [network] connectivities of PROTOCOLS P3 (masked, Dale, conv, layers), [diagnostics] and the
 * bptt unroll keys: what each config builds, the errors for bad keys and combinations, the shipped
 * P3 configs, and that the settings of plain dense configs (and so their saved runs) are unchanged.
 */
class NetworkConfigTest {
    @TempDir
    Path dir;

    static final FeatureShape MNIST = new FeatureShape(1, 28, 28);

    static final String BASE = """
            name = "n"
            protocol = "classification"
            [data]
            name = "mnist"
            [sweep]
            rules = ["gradient", "linearized"]
            learning_rates = [0.01]
            """;

    static RunConfig parse(String text, String... overrides) {
        return ConfigLoader.parse(text, "test.toml", List.of(overrides), RunConfig.class);
    }

    static FixedPointNetwork build(RunConfig c) {
        return c.network().build(MNIST, 10, c.seed());
    }

    /** The message of the error a config gives, asserting exit code 2 and that nothing was written. */
    String error(String text, String... overrides) throws IOException {
        Path cfg = dir.resolve("c.toml");
        Files.writeString(cfg, text);
        Path out = dir.resolve("out");
        List<String> args = new ArrayList<>(List.of("run", cfg.toString(), "--out", out.toString()));
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        CliRunner r = CliRunner.run(args.toArray(new String[0]));
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertFalse(Files.exists(out), "no work before the config is checked");
        return r.err();
    }

    @Test
    void denseIsTheDefaultAndBuildsAsBefore() {
        RunConfig c = parse(BASE);
        assertEquals("dense", c.network().connectivity());
        assertTrue(c.network().plainDense());
        assertNull(c.network().layers());
        assertEquals(0, c.diagnostics().every());
        FixedPointNetwork net = build(c);
        assertInstanceOf(DenseOperator.class, net.recurrent());
        assertEquals(List.of("W", "U", "R"), List.copyOf(net.params().names()));
        // The same draws as a network built directly (as the plan did before the connectivities existed).
        FixedPointNetwork direct = FixedPointNetwork.builder().inputs(784).units(300).outputs(10).seed(1)
                .precision(org.fprnn.linalg.Precision.FLOAT).recurrentScale(0.5).build();
        for (String n : List.of("W", "U", "R")) {
            assertEquals(0, org.fprnn.linalg.Ops.maxAbs(diff(direct.params().get(n), net.params().get(n))), n);
        }
    }

    private static Matrix diff(Matrix a, Matrix b) {
        Matrix d = a.toDouble().copy();
        org.fprnn.linalg.Ops.sub(d, b.toDouble(), d);
        return d;
    }

    @Test
    void maskedDaleAndSparseDaleBuildTheirOperators() {
        FixedPointNetwork masked = build(parse(BASE + "[network]\nunits = 200\nconnectivity = \"masked\"\ndensity = 0.1\n"));
        MaskedOperator m = assertInstanceOf(MaskedOperator.class, masked.recurrent());
        double density = 0;
        Matrix mask = m.mask();
        for (int i = 0; i < mask.size(); i++) {
            density += mask.getFlat(i) / mask.size();
        }
        assertTrue(density > 0.09 && density < 0.11, "mask density " + density);
        // The mask is drawn from the seed: the same config gives the same mask, another seed another.
        Matrix again = ((MaskedOperator) build(parse(BASE + "[network]\nunits = 200\nconnectivity = \"masked\"\n"
                + "density = 0.1\n")).recurrent()).mask();
        Matrix other = ((MaskedOperator) build(parse(ConfigText.edit(BASE,
                "protocol", "seed = 2\nprotocol") + "[network]\n"
                + "units = 200\nconnectivity = \"masked\"\ndensity = 0.1\n")).recurrent()).mask();
        assertEquals(0, org.fprnn.linalg.Ops.maxAbs(diff(mask, again)));
        assertTrue(org.fprnn.linalg.Ops.maxAbs(diff(mask, other)) > 0);

        RunConfig dc = parse(BASE + "[network]\nunits = 50\nconnectivity = \"dale\"\n");
        assertEquals(0.8, dc.network().excitatoryFraction());
        assertEquals("parameterization", dc.network().daleMode());
        DaleOperator dale = assertInstanceOf(DaleOperator.class, build(dc).recurrent());
        assertEquals(DaleOperator.Mode.PARAMETERIZATION, dale.mode());
        assertEquals(40, java.util.Arrays.stream(dale.signs()).filter(s -> s > 0).count());
        assertNull(dale.mask());

        DaleOperator sparse = assertInstanceOf(DaleOperator.class, build(parse(BASE + "[network]\nunits = 50\n"
                + "connectivity = \"dale\"\nexcitatory_fraction = 0.6\ndale_mode = \"projection\"\ndensity = 0.5\n"))
                .recurrent());
        assertEquals(DaleOperator.Mode.PROJECTION, sparse.mode());
        assertEquals(30, java.util.Arrays.stream(sparse.signs()).filter(s -> s > 0).count());
        assertTrue(sparse.mask() != null);
    }

    @Test
    void convBuildsAConvolutionalReadInFromTheImageShape() {
        RunConfig c = parse(BASE + "[network]\nconnectivity = \"conv\"\nchannels = 3\nstride = 2\nreadout = \"pooled\"\n"
                + "train_input = true\ntrain_readout = true\n");
        assertEquals(3, c.network().kernel());
        FixedPointNetwork net = build(c);
        Conv2dOperator w = assertInstanceOf(Conv2dOperator.class, net.recurrent());
        assertEquals(new FeatureShape(3, 14, 14), w.shape());
        assertEquals(3 * 14 * 14, net.units());
        Conv2dMap u = assertInstanceOf(Conv2dMap.class, net.readIn());
        assertEquals(MNIST, u.inputShape());
        assertEquals(2, u.stride());
        assertInstanceOf(PooledReadout.class, net.readOut());
        assertEquals(List.of(3, 3 * 9), List.of(net.params().get("W").rows, net.params().get("W").cols));
        assertEquals(List.of("W", "U", "R"), List.copyOf(net.trained()));
        // CIFAR-sized images: the read-in takes 3 input channels.
        FixedPointNetwork rgb = c.network().build(new FeatureShape(3, 32, 32), 10, c.seed());
        assertEquals(3 * 16 * 16, rgb.units());
        assertEquals(27, rgb.params().get("U").cols);
    }

    @Test
    void layersBuildABlockOperatorWithFeedforwardAndFeedback() {
        RunConfig d = parse(BASE + """
                [network]
                train_input = true
                train_readout = true
                feedback_scale = 0.3
                [[network.layers]]
                units = 30
                feedback = true
                [[network.layers]]
                units = 20
                [[network.layers]]
                units = 10
                """);
        FixedPointNetwork net = build(d);
        BlockOperator b = assertInstanceOf(BlockOperator.class, net.recurrent());
        assertEquals(3, b.layerCount());
        assertEquals(60, net.units());
        assertTrue(b.feedback(1) != null && b.feedback(2) == null);
        assertEquals(List.of("W1", "W2", "W3", "F2", "F3", "B1", "U", "R"), List.copyOf(net.params().names()));
        assertEquals(List.of(30, 784), List.of(net.params().get("U").rows, net.params().get("U").cols));
        assertEquals(List.of(10, 10), List.of(net.params().get("R").rows, net.params().get("R").cols));
        assertEquals(List.of(30, 20), List.of(net.params().get("B1").rows, net.params().get("B1").cols));

        RunConfig c = parse(BASE + """
                [network]
                connectivity = "conv"
                readout = "pooled"
                [[network.layers]]
                channels = 2
                stride = 2
                feedback = true
                [[network.layers]]
                channels = 4
                kernel = 5
                stride = 2
                """);
        FixedPointNetwork conv = build(c);
        BlockOperator cb = assertInstanceOf(BlockOperator.class, conv.recurrent());
        assertEquals(new FeatureShape(2, 14, 14), ((Conv2dOperator) cb.layer(1)).shape());
        assertEquals(new FeatureShape(4, 7, 7), ((Conv2dOperator) cb.layer(2)).shape());
        Conv2dMap f2 = assertInstanceOf(Conv2dMap.class, cb.feedforward(2));
        assertEquals(List.of(5, 2), List.of(f2.kernelSize(), f2.stride()));
        TransposedMap b1 = assertInstanceOf(TransposedMap.class, cb.feedback(1));
        assertEquals(List.of(2 * 14 * 14, 4 * 7 * 7), List.of(b1.outputs(), b1.inputs()));
        EmbeddedMap in = assertInstanceOf(EmbeddedMap.class, conv.readIn());
        assertInstanceOf(Conv2dMap.class, in.inner());
        EmbeddedMap out = assertInstanceOf(EmbeddedMap.class, conv.readOut());
        assertInstanceOf(PooledReadout.class, out.inner());
        assertEquals(2 * 14 * 14, out.inputRange().start());
    }

    /**
     * recurrent_max_norm bounds every recurrent convolution from the start (recurrent_scale 3 draws
     * kernels far above the bound); without it the same seed draws the same kernels unbounded.
     */
    @Test
    void recurrentMaxNormBoundsEveryRecurrentConvolution() {
        String layers = "[[network.layers]]\nchannels = 2\nstride = 2\n[[network.layers]]\nchannels = 3\nstride = 2\n";
        String free = BASE + "[network]\nconnectivity = \"conv\"\nrecurrent_scale = 3.0\n" + layers;
        String bounded = BASE + "[network]\nconnectivity = \"conv\"\nrecurrent_scale = 3.0\nrecurrent_max_norm = 0.7\n"
                + layers;
        BlockOperator fb = (BlockOperator) build(parse(free)).recurrent();
        BlockOperator bb = (BlockOperator) build(parse(bounded)).recurrent();
        for (int k = 1; k <= 2; k++) {
            Conv2dOperator f = (Conv2dOperator) fb.layer(k);
            Conv2dOperator b = (Conv2dOperator) bb.layer(k);
            assertEquals(0.0, f.maxNorm());
            assertEquals(0.7, b.maxNorm());
            assertTrue(f.normEstimate() > 1.5, "layer " + k + " starts far above the bound: " + f.normEstimate());
            assertEquals(0.7, b.normEstimate(), 1e-5, "layer " + k);
            // The same direction, rescaled.
            double ratio = b.kernel().getFlat(0) / f.kernel().getFlat(0);
            for (int i = 0; i < f.kernel().size(); i++) {
                assertEquals(f.kernel().getFlat(i) * ratio, b.kernel().getFlat(i), 1e-6 * Math.abs(f.kernel().getFlat(i)) + 1e-9);
            }
        }
    }

    /**
     * A conv network's layers may end with dense layers: W_k dense and bounded like the convolutions,
     * F_k dense from the flattened feature maps, the read-out from the dense layer; the description
     * and the run identity name the dense layer's units.
     */
    @Test
    void convLayersMayEndWithADenseLayer() {
        String layers = "[[network.layers]]\nchannels = 2\nstride = 2\n[[network.layers]]\nchannels = 3\nstride = 2\n"
                + "[[network.layers]]\nunits = 7\n";
        String text = BASE + "[network]\nconnectivity = \"conv\"\nrecurrent_scale = 3.0\nrecurrent_max_norm = 0.7\n"
                + "train_readout = true\n" + layers;
        RunConfig c = parse(text);
        FixedPointNetwork net = build(c);
        BlockOperator b = (BlockOperator) net.recurrent();
        assertEquals(3, b.layerCount());
        assertInstanceOf(Conv2dOperator.class, b.layer(2));
        DenseOperator w3 = assertInstanceOf(DenseOperator.class, b.layer(3));
        assertEquals(7, w3.units());
        assertEquals(0.7, w3.maxNorm());
        assertEquals(0.7, w3.normEstimate(), 1e-5);
        DenseOperator free = (DenseOperator) ((BlockOperator) build(parse(text.replace("recurrent_max_norm = 0.7\n", "")))
                .recurrent()).layer(3);
        assertTrue(free.normEstimate() > 1.5, "drawn far above the bound: " + free.normEstimate());
        org.fprnn.operator.DenseMap f3 = assertInstanceOf(org.fprnn.operator.DenseMap.class, b.feedforward(3));
        assertEquals(List.of(7, 3 * 7 * 7), List.of(f3.outputs(), f3.inputs()));
        assertEquals(2 * 14 * 14 + 3 * 7 * 7 + 7, net.units());
        assertEquals(List.of(10, 7), List.of(net.params().get("R").rows, net.params().get("R").cols));
        String d = c.network().describe(net);
        assertTrue(d.startsWith("2 convolutional layers and 1 dense layer (") && d.contains("7 units"), d);
    }

    /** Every bad key or combination names the key and says how to fix it, before any work. */
    @Test
    void badKeysAndCombinationsAreErrors() throws IOException {
        record Case(String network, String... expect) {
        }
        for (Case c : List.of(
                new Case("connectivity = \"sparse\"", "network.connectivity", "masked", "dale", "conv"),
                new Case("connectivity = \"masked\"", "network.density", "connectivity = \"masked\""),
                new Case("connectivity = \"masked\"\ndensity = 0", "network.density", "(0, 1]"),
                new Case("connectivity = \"masked\"\ndensity = 1.5", "network.density", "(0, 1]"),
                new Case("density = 0.1", "network.density", "\"masked\"", "leave it out"),
                new Case("excitatory_fraction = 0.8", "network.excitatory_fraction", "connectivity = \"dale\""),
                new Case("dale_mode = \"projection\"", "network.dale_mode", "\"dale\""),
                new Case("connectivity = \"dale\"\ndale_mode = \"clamp\"", "network.dale_mode", "parameterization"),
                new Case("connectivity = \"dale\"\nexcitatory_fraction = 1.0", "network.excitatory_fraction", "(0, 1)"),
                new Case("connectivity = \"dale\"\nunits = 3\nexcitatory_fraction = 0.9", "excitatory", "inhibitory",
                        "at least one"),
                new Case("connectivity = \"conv\"", "network.channels"),
                new Case("connectivity = \"conv\"\nchannels = 4\nunits = 100", "network.units", "channels"),
                new Case("connectivity = \"conv\"\nchannels = 4\nkernel = 4", "network.kernel", "odd"),
                new Case("connectivity = \"conv\"\nchannels = 4\nstride = 0", "network.stride", ">= 1"),
                new Case("channels = 4", "network.channels", "\"conv\""),
                new Case("kernel = 3", "network.kernel", "\"conv\""),
                new Case("readout = \"pooled\"", "network.readout", "\"conv\""),
                new Case("readout = \"mean\"", "network.readout", "pooled"),
                new Case("feedforward_scale = 1.0", "network.feedforward_scale", "[[network.layers]]"),
                new Case("feedback_scale = 1.0", "network.feedback_scale", "feedback = true"),
                new Case("units = 10\n[[network.layers]]\nunits = 5", "network.units", "[[network.layers]]"),
                new Case("[[network.layers]]\nchannels = 5", "layer 1 of [[network.layers]]", "channels",
                        "conv layers", "units"),
                new Case("[[network.layers]]\nfeedback = true", "layer 1 of [[network.layers]]", "units"),
                new Case("[[network.layers]]\nunits = 5\n[[network.layers]]\nunits = 4\nfeedback = true",
                        "layer 2 of [[network.layers]]", "feedback", "last layer"),
                new Case("[[network.layers]]\nunits = 5\nwidth = 3", "width", "layer 1 of [[network.layers]]", "units",
                        "channels", "feedback"),
                new Case("connectivity = \"conv\"\n[[network.layers]]\nunits = 5", "layer 1 of [[network.layers]]",
                        "channels"),
                new Case("connectivity = \"conv\"\n[[network.layers]]\nchannels = 2\n[[network.layers]]\nunits = 5\n"
                        + "[[network.layers]]\nchannels = 2", "layer 3 of [[network.layers]]", "cannot follow a dense layer",
                        "last"),
                new Case("connectivity = \"conv\"\n[[network.layers]]\nchannels = 2\n[[network.layers]]\nunits = 5\n"
                        + "channels = 3", "layer 2 of [[network.layers]]", "either units", "not both"),
                new Case("connectivity = \"conv\"\n[[network.layers]]\nchannels = 2\n[[network.layers]]\nunits = 5\n"
                        + "kernel = 3", "layer 2 of [[network.layers]]", "kernel is for conv layers", "leave it out"),
                new Case("connectivity = \"conv\"\nreadout = \"pooled\"\n[[network.layers]]\nchannels = 2\n"
                        + "[[network.layers]]\nunits = 5", "network.readout", "dense"),
                new Case("connectivity = \"conv\"\n[[network.layers]]\nchannels = 2\nkernel = 2",
                        "layer 1 of [[network.layers]]: kernel", "odd"),
                new Case("connectivity = \"conv\"\nchannels = 2\n[[network.layers]]\nchannels = 2",
                        "network.channels", "per layer"),
                new Case("recurrent_max_norm = 0.9", "network.recurrent_max_norm", "\"conv\"", "leave it out"),
                new Case("connectivity = \"conv\"\nchannels = 2\nrecurrent_max_norm = 0",
                        "network.recurrent_max_norm", "> 0"),
                new Case("connectivity = \"conv\"\nchannels = 2\nrecurrent_max_norm = -0.5",
                        "network.recurrent_max_norm", "> 0"))) {
            String e = error(BASE + "[network]\n" + c.network() + "\n");
            for (String x : c.expect()) {
                assertTrue(e.contains(x), c.network() + "\n  expected \"" + x + "\" in: " + e);
            }
        }
        // The bptt unroll keys.
        String e;
        String bptt = ConfigText.edit(BASE, "\"linearized\"]", "\"bptt\"]");
        e = error(bptt);
        assertTrue(e.contains("rule.bptt_steps") && e.contains("solver.method"), e);
        assertEquals(40, parse(bptt + "[rule]\nbptt_steps = 40\n").rule().bpttSteps());
        assertEquals(0.5, parse(bptt + "[rule]\nbptt_steps = 40\n").rule().bpttAlpha());
        e = error(bptt + "[rule]\nbptt_alpha = 0.5\n");
        assertTrue(e.contains("rule.bptt_alpha") && e.contains("rule.bptt_steps"), e);
        e = error(bptt + "[rule]\nbptt_steps = 0\n");
        assertTrue(e.contains("rule.bptt_steps") && e.contains(">= 1"), e);
        e = error(bptt + "[rule]\nbptt_steps = 10\nbptt_alpha = 2\n");
        assertTrue(e.contains("rule.bptt_alpha") && e.contains("(0, 1]"), e);
        // [diagnostics]
        e = error(BASE + "[diagnostics]\nevery = -1\n");
        assertTrue(e.contains("diagnostics.every") && e.contains(">= 0"), e);
        e = error(BASE + "[diagnostics]\nsamples = 0\n");
        assertTrue(e.contains("diagnostics.samples"), e);
        e = error(BASE + "[diagnostics]\nevery_steps = 5\n");
        assertTrue(e.contains("every_steps") && e.contains("[diagnostics]") && e.contains("exact_max_units"), e);
        e = error(ConfigText.edit(BASE, "\"linearized\"]", "\"reparam\"]") + "[network]\nnonlinearity = \"linear\"\n"
                + "connectivity = \"masked\"\ndensity = 0.5\n");
        assertTrue(e.contains("reparam") && e.contains("network.connectivity"), e);
    }

    @Test
    void diagnosticsAndBpttKeysEnterTheSettingsOnlyWhenUsed() {
        RunConfig plain = parse(BASE);
        ClassificationPlan p = new ClassificationPlan(plain);
        String s = p.settingsJson(p.runs().getFirst());
        assertFalse(s.contains("diagnostics") || s.contains("connectivity") || s.contains("bptt"), s);
        RunConfig diag = parse(BASE + "[diagnostics]\nevery = 5\n");
        ClassificationPlan q = new ClassificationPlan(diag);
        assertTrue(q.settingsJson(q.runs().getFirst()).contains("\"diagnostics\":{\"every\":5"),
                q.settingsJson(q.runs().getFirst()));
        assertEquals(5, q.trainSettings(q.runs().getFirst()).diagnostics().every());
        RunConfig bptt = parse(ConfigText.edit(BASE,
                "\"linearized\"]", "\"bptt\"]") + "[rule]\nbptt_steps = 30\nbptt_alpha = 0.25\n");
        ClassificationPlan b = new ClassificationPlan(bptt);
        var grad = b.runs().get(0);
        var bp = b.runs().get(1);
        assertFalse(b.settingsJson(grad).contains("bptt_steps"));
        assertTrue(b.settingsJson(bp).contains("\"bptt_steps\":30,\"bptt_alpha\":0.25"), b.settingsJson(bp));
        // bptt unrolls its own 30 Euler steps; the forward solver stays Anderson.
        var ts = b.trainSettings(bp);
        assertEquals("anderson", ts.forward().method());
        assertEquals("euler", ts.ruleSettings().forward().method());
        assertEquals(30, ts.ruleSettings().forward().maxIter());
        assertEquals(0.25, ts.ruleSettings().forward().alpha());
        assertEquals("anderson", b.trainSettings(grad).ruleSettings().forward().method());
        // Another network is another settings text, so its checkpoints are not reused.
        ClassificationPlan m = new ClassificationPlan(parse(BASE + "[network]\nconnectivity = \"masked\"\ndensity = 0.2\n"));
        String ms = m.settingsJson(m.runs().getFirst());
        assertTrue(ms.contains("\"connectivity\":\"masked\",\"density\":0.2"), ms);
    }

    /**
     * The plain dense configs give exactly the settings their saved runs hold
     * (docs/results/paper-mnist-converged/runs), so those runs are still found and skipped.
     */
    @Test
    void savedRunsOfDenseConfigsStillMatch() throws IOException {
        Path configs = Path.of("..", "configs");
        Path runs = Path.of("..", "docs", "results", "paper-mnist-converged", "runs");
        ClassificationPlan plan = new ClassificationPlan(ConfigLoader.load(configs.resolve("paper-mnist-converged.toml"),
                List.of(), RunConfig.class));
        int checked = 0;
        for (var spec : plan.runs()) {
            Path f = runs.resolve(spec.id() + ".json");
            if (!Files.isRegularFile(f)) {
                continue;
            }
            Map<?, ?> saved = (Map<?, ?>) Json.parse(Files.readString(f), f.toString());
            assertEquals(Json.write(saved.get("settings")), plan.settingsJson(spec), spec.id());
            checked++;
        }
        assertEquals(plan.runs().size(), checked, "every run of P1-converged is saved in " + runs);
    }

    static Stream<Path> p3Configs() throws IOException {
        try (var s = Files.list(Path.of("..", "configs"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("p3")).sorted().toList().stream();
        }
    }

    /**
     * Every configs/p3*.toml parses and builds its network for the 1x28x28 images of MNIST and
     * Fashion-MNIST (without training), with the rules and sizes PROTOCOLS P3 asks for.
     */
    @Test
    void everyP3ConfigParsesAndBuildsItsNetwork() throws IOException {
        List<Path> files = p3Configs().toList();
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        assertTrue(names.containsAll(List.of("p3a-mnist.toml", "p3b-mnist.toml", "p3b-fashion.toml", "p3c-mnist.toml",
                "p3c-fashion.toml", "p3e-mnist.toml")), names.toString());
        for (Path f : files) {
            RunConfig c = ConfigLoader.load(f, List.of(), RunConfig.class);
            String name = f.getFileName().toString();
            assertEquals(name.replace(".toml", ""), c.name(), name);
            List<String> rules = List.of("gradient", "bptt", "linearized", "linearized_alt");
            if (name.contains("-long")) {
                // A long run of a sweep's network: some of the rules, one learning rate each.
                assertTrue(rules.containsAll(c.sweep().rules()) && c.sweep().rules().size() >= 2, name);
                c.sweep().perRule().forEach((r, lrs) -> assertEquals(1, lrs.size(), name + " " + r));
            } else {
                assertEquals(rules, c.sweep().rules(), name);
                c.sweep().perRule().forEach((r, lrs) -> assertEquals(3, lrs.size(), name + " " + r));
            }
            assertEquals("float", c.network().precision(), name);
            assertTrue(c.diagnostics().every() > 0, name);
            assertTrue(c.network().trainInput() && c.network().trainReadout(), name);
            assertEquals(name.contains("fashion") ? "fashion-mnist" : "mnist", c.data().name(), name);
            String header = Files.readString(f);
            if (Files.isDirectory(Path.of("..", "docs", "results", c.name()))) {
                assertTrue(header.contains("# Time:   measured: the whole sweep took ")
                        && header.contains("docs/results/" + c.name() + "/results.md"),
                        name + ": the header gives the measured sweep time and the page with every run's");
            } else {
                // A config whose page is still to be run says so instead of giving a time.
                assertTrue(header.contains("# Time:   not measured yet"), name + ": no page yet, so no measured time");
            }
            assertTrue(header.contains("# Run:    ./fprnn run configs/" + name + "\n"), name + ": the header's command");
            assertEquals("results/" + c.name(), c.output(), name);
            FixedPointNetwork net = build(c);
            assertTrue(net.trained().size() >= 3, name);
            switch (name.substring(0, 3)) {
                case "p3a" -> {
                    assertInstanceOf(DenseOperator.class, net.recurrent());
                    assertTrue(net.trained().containsAll(List.of("W", "U", "b", "R")), name);
                    assertEquals("anderson", c.solver().method());
                }
                case "p3b" -> {
                    BlockOperator b = assertInstanceOf(BlockOperator.class, net.recurrent(), name);
                    assertTrue(b.layerCount() == 2 || b.layerCount() == 3, name);
                }
                case "p3c" -> {
                    BlockOperator b = assertInstanceOf(BlockOperator.class, net.recurrent(), name);
                    assertInstanceOf(Conv2dOperator.class, b.layer(1), name);
                    assertInstanceOf(Conv2dMap.class, ((EmbeddedMap) net.readIn()).inner(), name);
                }
                case "p3e" -> {
                    DaleOperator d = assertInstanceOf(DaleOperator.class, net.recurrent(), name);
                    assertEquals(Math.round(0.8 * net.units()), java.util.Arrays.stream(d.signs()).filter(s -> s > 0).count(), name);
                    assertTrue(net.trained().containsAll(List.of("W", "U", "b", "R")), name);
                }
                default -> throw new AssertionError("unexpected P3 config " + name);
            }
            assertTrue(c.network().describe(net).contains("N = " + net.units()), c.network().describe(net));
        }
        // Both halves of P3a: Adam and SGD.
        assertTrue(names.contains("p3a-mnist-sgd.toml"), names.toString());
        assertEquals("sgd", ConfigLoader.load(Path.of("..", "configs", "p3a-mnist-sgd.toml"), List.of(), RunConfig.class)
                .train().optimizer());
        assertEquals("adam", ConfigLoader.load(Path.of("..", "configs", "p3a-mnist.toml"), List.of(), RunConfig.class)
                .train().optimizer());
    }
}
