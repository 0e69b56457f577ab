package org.fprnn.operator;

import java.util.function.Supplier;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;

/** The structured networks the operator tests run on: one per kind of operator, all parameters trained. */
final class StructuredNets {
    private StructuredNets() {
    }

    static final int INPUTS = 3;
    static final int OUTPUTS = 2;

    /** Named constructors (names are shown in the parameterized tests), in double precision. */
    static java.util.Map<String, Supplier<FixedPointNetwork>> all() {
        return all(Precision.DOUBLE);
    }

    /** The same networks (same weights for a seed) in the given precision. */
    static java.util.Map<String, Supplier<FixedPointNetwork>> all(Precision p) {
        var m = new java.util.LinkedHashMap<String, Supplier<FixedPointNetwork>>();
        m.put("dense", () -> OperatorChecks.withRandomBias(base(1, p).units(6)
                .recurrentScale(0.8).bias(true).trainBias(true).build(), 11));
        m.put("masked", () -> OperatorChecks.withRandomBias(base(2, p)
                .recurrent(MaskedOperator.factory("W", OperatorChecks.mask(6, 0.6, 21), 0.9)).build(), 12));
        m.put("dale-parameterization", () -> flipRawSigns(OperatorChecks.withRandomBias(base(3, p)
                .recurrent(DaleOperator.factory("W", 6, 0.67, 0.8, DaleOperator.Mode.PARAMETERIZATION))
                .build(), 13), 23));
        m.put("dale-projection", () -> OperatorChecks.withRandomBias(base(4, p)
                .recurrent(DaleOperator.factory("W", 6, 0.67, 0.8, DaleOperator.Mode.PROJECTION)).build(), 14));
        m.put("sparse-dale-parameterization", () -> flipRawSigns(OperatorChecks.withRandomBias(base(9, p)
                .recurrent(DaleOperator.factory("W", 7, 0.7, 0.8, DaleOperator.Mode.PARAMETERIZATION, 0.6))
                .build(), 16), 24));
        m.put("sparse-dale-projection", () -> OperatorChecks.withRandomBias(base(10, p)
                .recurrent(DaleOperator.factory("W", 7, 0.7, 0.8, DaleOperator.Mode.PROJECTION, 0.6)).build(), 17));
        m.put("masked-random", () -> OperatorChecks.withRandomBias(base(11, p)
                .recurrent(MaskedOperator.random("W", 6, 0.5, 0.9)).build(), 18));
        m.put("conv", () -> OperatorChecks.withRandomBias(base(5, p)
                .recurrent(Conv2dOperator.factory("K", new FeatureShape(2, 3, 3), 3, 0.8)).build(), 15));
        m.put("two-layer", () -> twoLayer(6, p));
        m.put("conv-layers", () -> convLayers(7, p));
        m.put("conv-network", () -> convNetwork(8, p));
        m.put("conv-layers-transposed-feedback", () -> convLayersTransposedFeedback(12, p));
        m.put("conv-layers-in-place", () -> convLayersInPlace(13, p));
        m.put("conv-then-dense", () -> convThenDense(14, p));
        return m;
    }

    private static FixedPointNetwork.Builder base(long seed, Precision p) {
        return OperatorChecks.base(INPUTS, OUTPUTS, seed).precision(p);
    }

    /**
     * Negates about half of the entries of W_raw of a Dale parameterization: W = |W_raw| s_j is
     * unchanged, but the chain rule through |.| now meets both signs.
     */
    static FixedPointNetwork flipRawSigns(FixedPointNetwork net, long seed) {
        var raw = net.params().get("W");
        var rng = new java.util.Random(seed);
        for (int i = 0; i < raw.size(); i++) {
            if (rng.nextBoolean()) {
                raw.setFlat(i, -raw.getFlat(i));
            }
        }
        return net;
    }

    /**
     * Two dense layers of 5 and 4 units with feedforward F2 and feedback B1; the default read-in
     * feeds layer 1 (U: 5 x 3) and the default read-out reads layer 2 (R: 2 x 4).
     */
    static FixedPointNetwork twoLayer(long seed) {
        return twoLayer(seed, Precision.DOUBLE);
    }

    static FixedPointNetwork twoLayer(long seed, Precision p) {
        return OperatorChecks.withRandomBias(base(seed, p)
                .recurrent(BlockOperator.builder()
                        .layer(DenseOperator.factory("W1", 5, 0.6))
                        .layer(DenseOperator.factory("W2", 4, 0.6))
                        .feedforward(2, DenseMap.factory("F2", 4, 5, 0.6))
                        .feedback(1, DenseMap.factory("B1", 5, 4, 0.3))
                        .factory())
                .build(), seed + 100);
    }

    /**
     * Two convolutional layers, 2x4x4 then 2x2x2, each with a same-padded 3x3 recurrent convolution;
     * F2 a stride-2 3x3 convolution, B1 dense; default read-in into layer 1, read-out from layer 2.
     */
    static FixedPointNetwork convLayers(long seed) {
        return convLayers(seed, Precision.DOUBLE);
    }

    static FixedPointNetwork convLayers(long seed, Precision p) {
        FeatureShape l1 = new FeatureShape(2, 4, 4);
        FeatureShape l2 = new FeatureShape(2, 2, 2);
        return OperatorChecks.withRandomBias(base(seed, p)
                .recurrent(BlockOperator.builder()
                        .layer(Conv2dOperator.factory("K1", l1, 3, 0.6))
                        .layer(Conv2dOperator.factory("K2", l2, 3, 0.6))
                        .feedforward(2, Conv2dMap.factory("F2", l1, 2, 3, 2, 1, 0.4))
                        .feedback(1, DenseMap.factory("B1", l1.size(), l2.size(), 0.2))
                        .factory())
                .build(), seed + 100);
    }

    /**
     * P3c's structure: two convolutional layers, 3x5x5 then 4x3x3, and a stride-2 3x3 convolution F2,
     * no feedback; every block is a {@link ColumnMap}, so the block operator works in place.
     */
    static FixedPointNetwork convLayersInPlace(long seed, Precision p) {
        FeatureShape l1 = new FeatureShape(3, 5, 5);
        FeatureShape l2 = new FeatureShape(4, 3, 3);
        return OperatorChecks.withRandomBias(base(seed, p)
                .recurrent(BlockOperator.builder()
                        .layer(Conv2dOperator.factory("K1", l1, 3, 0.6))
                        .layer(Conv2dOperator.factory("K2", l2, 3, 0.6))
                        .feedforward(2, Conv2dMap.factory("F2", l1, 4, 3, 2, 1, 0.4))
                        .factory())
                .build(), seed + 100);
    }

    /**
     * A convolutional layer 2x4x4 under a dense layer of 5 units whose W2 is bounded (||W2||_2 <= 0.9),
     * F2 dense from the flattened maps, B1 dense back into them: the stack a conv network with a
     * dense top layer builds.
     */
    static FixedPointNetwork convThenDense(long seed, Precision p) {
        FeatureShape l1 = new FeatureShape(2, 4, 4);
        return OperatorChecks.withRandomBias(base(seed, p)
                .recurrent(BlockOperator.builder()
                        .layer(Conv2dOperator.factory("K1", l1, 3, 0.6))
                        .layer(DenseOperator.factory("W2", 5, 0.6, 0.9))
                        .feedforward(2, DenseMap.factory("F2", 5, l1.size(), 0.1))
                        .feedback(1, DenseMap.factory("B1", l1.size(), 5, 0.15))
                        .factory())
                .build(), seed + 100);
    }

    /**
     * As {@link #convLayers}, with the feedback B1 the transpose of a stride-2 3x3 convolution from
     * layer 1's shape to layer 2's ({@link TransposedMap}), and a pooled read-out of layer 2.
     */
    static FixedPointNetwork convLayersTransposedFeedback(long seed, Precision p) {
        FeatureShape l1 = new FeatureShape(2, 4, 4);
        FeatureShape l2 = new FeatureShape(3, 2, 2);
        BlockOperator.Builder b = BlockOperator.builder()
                .layer(Conv2dOperator.factory("K1", l1, 3, 0.6))
                .layer(Conv2dOperator.factory("K2", l2, 3, 0.6))
                .feedforward(2, Conv2dMap.factory("F2", l1, 3, 3, 2, 1, 0.4))
                .feedback(1, TransposedMap.of(Conv2dMap.factory("B1", l1, 3, 3, 2, 1, 0.3)));
        int units = l1.size() + l2.size();
        return OperatorChecks.withRandomBias(base(seed, p)
                .recurrent(b.factory())
                .readOut(EmbeddedMap.fromInputs(PooledReadout.factory("R", l2, OUTPUTS), new UnitRange(l1.size(), units),
                        units))
                .build(), seed + 100);
    }

    /**
     * A small convolutional network on 1x8x8 images: read-in a stride-2 3x3 convolution to 2x4x4
     * feature maps, a same-padded 3x3 recurrent convolution, and a read-out of the pooled channels.
     */
    static FixedPointNetwork convNetwork(long seed) {
        return convNetwork(seed, Precision.DOUBLE);
    }

    static FixedPointNetwork convNetwork(long seed, Precision p) {
        FeatureShape image = new FeatureShape(1, 8, 8);
        FeatureShape maps = new FeatureShape(2, 4, 4);
        return OperatorChecks.withRandomBias(FixedPointNetwork.builder().inputs(image.size()).outputs(OUTPUTS + 1)
                .nonlinearity(new org.fprnn.model.Nonlinearity.Tanh()).seed(seed).precision(p)
                .trainInput(true).trainBias(true).trainReadout(true).readoutBias(true)
                .recurrent(Conv2dOperator.factory("K", maps, 3, 0.8))
                .readIn(Conv2dMap.factory("U", image, 2, 3, 2, 1, 0.5))
                .readOut(PooledReadout.factory("R", maps, OUTPUTS + 1))
                .build(), seed + 100);
    }
}
