package org.fprnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.fprnn.config.ConfigException;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.Conv2dOperator;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.RecurrentOperator;
import org.junit.jupiter.api.Test;

/** The network description of fprnn-core: parsed from a [network] table, built, shipped. */
class NetworkSpecTest {
    private static final String CONV = """
            name = "other tables are ignored"
            [data]
            name = "mnist"
            [network]
            connectivity = "conv"
            precision = "double"
            train_input = true
            train_readout = true
            feedback_scale = 0.3
            [[network.layers]]
            channels = 2
            stride = 2
            feedback = true
            [[network.layers]]
            channels = 3
            stride = 2
            """;

    private static final FeatureShape IMAGE = new FeatureShape(1, 8, 8);

    @Test
    void aConvTableBuildsTheLayeredConvolutionalNetworkItDescribes() {
        NetworkSpec spec = NetworkSpec.fromToml(CONV, "conv.toml");
        assertEquals(List.of(new FeatureShape(2, 4, 4), new FeatureShape(3, 2, 2)), spec.layerShapes(IMAGE));
        FixedPointNetwork net = spec.build(IMAGE, 4, 3);
        BlockOperator block = assertInstanceOf(BlockOperator.class, net.recurrent());
        assertInstanceOf(Conv2dOperator.class, block.layer(1));
        assertEquals(2 * 16 + 3 * 4, net.units());
        assertEquals(List.of("W1", "F2", "B1", "W2", "U", "R").stream().sorted().toList(),
                net.params().names().stream().filter(n -> !n.equals("b") && !n.equals("c")).sorted().toList());
        assertTrue(spec.describe(net).startsWith("2 convolutional layers ("), spec.describe(net));
        assertTrue(spec.describe(net).contains("feedback B1"), spec.describe(net));
    }

    @Test
    void theSameSeedDrawsTheSameWeightsAndAnotherSeedOthers() {
        NetworkSpec spec = NetworkSpec.fromToml(CONV, "conv.toml");
        Params a = spec.build(IMAGE, 4, 3).params();
        Params b = spec.build(IMAGE, 4, 3).params();
        Params c = spec.build(IMAGE, 4, 4).params();
        for (String n : a.names()) {
            assertArrayEquals(a.get(n).toDouble().data, b.get(n).toDouble().data, n);
        }
        assertTrue(a.get("W1").toDouble().data[0] != c.get("W1").toDouble().data[0]);
    }

    @Test
    void aDescriptionSentToAnotherJvmBuildsBitwiseTheSameNetwork() throws IOException, ClassNotFoundException {
        NetworkSpec.ForData sized = NetworkSpec.fromToml(CONV, "conv.toml").forData(IMAGE, 4, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sized);
        }
        NetworkSpec.ForData back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (NetworkSpec.ForData) in.readObject();
        }
        assertEquals(sized, back);
        Params a = sized.build().params();
        Params b = back.build().params();
        for (String n : a.names()) {
            assertArrayEquals(a.get(n).toDouble().data, b.get(n).toDouble().data, n);
        }
    }

    @Test
    void theDenseShortcutIsTheDefaultTableWithItsUnits() {
        NetworkSpec fromTable = NetworkSpec.fromToml("[network]\nunits = 12\n", "t");
        assertEquals(fromTable, NetworkSpec.dense(12));
        assertEquals(NetworkSpec.defaults(), NetworkSpec.fromToml("name = \"no network table\"\n", "t"));
        Params a = NetworkSpec.dense(12).build(5, 3, 9).params();
        Params b = FixedPointNetwork.builder().inputs(5).units(12).outputs(3).precision(Precision.FLOAT).seed(9).build()
                .params();
        for (String n : b.names()) {
            assertArrayEquals(b.get(n).toDouble().data, a.get(n).toDouble().data, n);
        }
    }

    @Test
    void aWrapperSeesTheRecurrentOperatorAndChangesNoWeight() {
        NetworkSpec spec = NetworkSpec.fromToml(CONV, "conv.toml");
        RecurrentOperator[] seen = {null};
        FixedPointNetwork wrapped = spec.build(IMAGE, 4, 3, op -> seen[0] = op);
        assertInstanceOf(BlockOperator.class, seen[0]);
        Params a = spec.build(IMAGE, 4, 3).params();
        for (String n : a.names()) {
            assertArrayEquals(a.get(n).toDouble().data, wrapped.params().get(n).toDouble().data, n);
        }
    }

    @Test
    void unknownKeysAndBadValuesAreErrorsThatNameTheKey() {
        var unknown = assertThrows(ConfigException.class,
                () -> NetworkSpec.fromToml("[network]\nunits = 10\nunit_count = 3\n", "t.toml"));
        assertTrue(unknown.getMessage().startsWith("config t.toml: unknown key 'unit_count' in [network]; allowed keys: ["),
                unknown.getMessage());
        var inLayer = assertThrows(ConfigException.class,
                () -> NetworkSpec.fromToml("[[network.layers]]\nunits = 10\nsize = 3\n", "t.toml"));
        assertTrue(inLayer.getMessage().contains("unknown key 'size' in layer 1 of [[network.layers]]"), inLayer.getMessage());
        var bad = assertThrows(ConfigException.class, () -> NetworkSpec.fromToml("[network]\nunits = 0\n", "t.toml"));
        assertEquals("config t.toml: network.units = 0 is not allowed: it must be an integer >= 1", bad.getMessage());
        // A matrix beyond a Java array: the message says how far each of its sides may go.
        NetworkSpec huge = NetworkSpec.fromToml("[network]\nconnectivity = \"conv\"\n[[network.layers]]\nchannels = 2800\n"
                + "stride = 1\n[[network.layers]]\nunits = 1000\n", "t.toml");
        var tooLarge = assertThrows(IllegalArgumentException.class, () -> huge.memoryEstimate(new FeatureShape(1, 28, 28),
                10, 2, 128, 5));
        assertTrue(tooLarge.getMessage().contains("F2 would be a 1000 x 2195200 matrix") && tooLarge.getMessage()
                .contains("at most 978 rows") && tooLarge.getMessage().contains("at most 2,147,483 columns"),
                tooLarge.getMessage());
        var syntax = assertThrows(ConfigException.class, () -> NetworkSpec.fromToml("[network\n", "t.toml"));
        assertTrue(syntax.getMessage().startsWith("config t.toml is not valid TOML at line 1"), syntax.getMessage());
    }

    @Test
    void aConvNetworkOnFlatSamplesIsRefused() {
        NetworkSpec spec = NetworkSpec.fromToml(CONV, "conv.toml");
        var e = assertThrows(IllegalArgumentException.class, () -> spec.build(new FeatureShape(10, 1, 1), 4, 1));
        assertTrue(e.getMessage().contains("needs images"), e.getMessage());
    }

    /** network.gain is the linear nonlinearity's slope: given with another nonlinearity it is refused. */
    @Test
    void gainWithANonlinearityOtherThanLinearIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> NetworkSpec.fromToml(
                "[network]\nunits = 4\nnonlinearity = \"tanh\"\ngain = 2\n", "g.toml"));
        assertTrue(e.getMessage().contains("network.gain = 2.0 does not apply to network.nonlinearity = \"tanh\""),
                e.getMessage());
        assertEquals(2.0, NetworkSpec.fromToml("[network]\nunits = 4\nnonlinearity = \"linear\"\ngain = 2\n",
                "g.toml").gain());
    }

    /** The reparam rule's one network: a single dense linear layer with fixed read-in and bias. */
    @Test
    void reparamProblemNamesWhatToChange() {
        assertEquals(null, NetworkSpec.fromToml("[network]\nunits = 4\nnonlinearity = \"linear\"\n", "r.toml")
                .reparamProblem());
        assertTrue(NetworkSpec.dense(4).reparamProblem().contains("set network.nonlinearity = \"linear\""));
        assertTrue(NetworkSpec.fromToml("[network]\nunits = 4\nnonlinearity = \"linear\"\ntrain_bias = true\n",
                "r.toml").reparamProblem().contains("network.train_input and network.train_bias"));
        assertTrue(NetworkSpec.fromToml(CONV, "conv.toml").reparamProblem().contains("single dense linear layer"));
    }
}
