package org.fprnn.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.fprnn.config.Keys;
import org.fprnn.config.TomlConfig;
import org.fprnn.linalg.Precision;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.Conv2dMap;
import org.fprnn.operator.Conv2dOperator;
import org.fprnn.operator.DaleOperator;
import org.fprnn.operator.DenseMap;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.EmbeddedMap;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.LinearMap;
import org.fprnn.operator.MapFactory;
import org.fprnn.operator.MaskedOperator;
import org.fprnn.operator.PooledReadout;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.operator.TransposedMap;
import org.fprnn.operator.UnitRange;

/**
 * The description of a network, as the [network] table of a config writes it (bound by
 * {@link TomlConfig}; {@link #fromToml} reads it from a config's text), and the one place that
 * builds it ({@link #build}): the command line, Spark, the benchmarks and library users all build
 * networks here. Inputs and outputs come from the data set; every weight at start is drawn from a
 * seed (the config's top-level seed), so every run of a sweep starts from the same network.
 *
 * <p>Connectivity (MATH section 4), the same for every layer:
 * <ul>
 *   <li>"dense" (default): W = recurrent_scale * randn(N, N) / sqrt(N) ("W");</li>
 *   <li>"masked": W = W_raw * M with a 0/1 mask M whose entries are 1 with probability
 *       {@code density}, drawn from the seed; W_raw = recurrent_scale * randn / sqrt(density N) on
 *       the mask;</li>
 *   <li>"dale": Dale's law, the first round(excitatory_fraction N) units excitatory and the rest
 *       inhibitory, W from the balanced initializer with bulk radius recurrent_scale; as a
 *       parameterization (W = |W_raw| * sign, default) or a projection after each step
 *       ({@code dale_mode}); with {@code density} < 1 sparse Dale (W also multiplied by a random
 *       mask);</li>
 *   <li>"conv": the state is C x H x W feature maps and W a same-padded k x k convolution
 *       (kernel recurrent_scale * randn / sqrt(C k^2)); the read-in is a convolution with the same
 *       kernel size, stride {@code stride} and padding (k - 1) / 2 from the data set's image shape
 *       (std 1 / sqrt(C_image k^2)), so the maps are C x ceil(H / stride) x ceil(W / stride).</li>
 * </ul>
 * Without [[network.layers]] the network has one recurrent layer ({@code units} units, or for conv
 * {@code channels}, {@code kernel}, {@code stride}); with it, the layers of a block operator
 * (see {@link LayerSpec}); the read-in feeds layer 1 and the read-out reads the last layer. A conv
 * network's layers may end with dense layers ({@code units}): W_k dense as for "dense" (bounded by
 * {@code recurrent_max_norm} like the convolutions), F_k dense from the layer below (feature maps
 * flattened), the classic convolutional-then-fully-connected stack as one recurrent network.
 *
 * @param units N of a single dense, masked or dale layer (default 300); not used with conv or layers
 * @param nonlinearity a name of {@link Nonlinearity#NAMES} (default tanh)
 * @param gain gain g of the linear nonlinearity f(z) = g z (default 1)
 * @param dynamics a name of {@link Dynamics#NAMES} (default rate)
 * @param precision float (default) or double
 * @param trainInput train the read-in (default false)
 * @param trainBias give the network a bias b (one per unit, zero at start) and train it (default false)
 * @param trainReadout train the read-out (default false)
 * @param readoutBias add a read-out bias c, trained with R (default false)
 * @param recurrentScale spectral scale of each recurrent block at start (default 0.5)
 * @param connectivity dense (default), masked, dale or conv
 * @param density masked: fraction of connections (required, in (0, 1]); dale: optional, sparse Dale
 * @param excitatoryFraction dale: fraction of excitatory units (default 0.8)
 * @param daleMode dale: parameterization (default) or projection
 * @param channels conv, single layer: feature maps C (required)
 * @param kernel conv, single layer: odd kernel size (default 3)
 * @param stride conv, single layer: stride of the read-in convolution (default 1)
 * @param readout dense (default: R over every unit of the last layer) or pooled (conv only: the mean
 *     of each channel of the last layer, then a dense n_out x C matrix)
 * @param layers the layers of a multi-layer network, or null for one layer
 * @param feedforwardScale layers: F_k drawn as feedforward_scale * randn / sqrt(fan-in), fan-in
 *     N_{k-1} (dense) or C_{k-1} k^2 (conv) (default 1)
 * @param feedbackScale layers with feedback: B_k drawn as feedback_scale * randn / sqrt(fan-in),
 *     fan-in N_{k+1} (dense) or C_{k+1} k^2 (conv) (default 0.5)
 * @param recurrentMaxNorm conv only: a bound c on the spectral norm ||W_k||_2 of every recurrent
 *     convolution (and dense layer above them), enforced at start and after every optimizer step by
 *     rescaling the kernel ({@link Conv2dOperator#constrain()}, {@link DenseOperator#constrain()});
 *     with c < 1 every layer's fixed-point map is a contraction (default: absent, no bound)
 */
public record NetworkSpec(Integer units, String nonlinearity, Double gain, String dynamics, String precision,
                          Boolean trainInput, Boolean trainBias, Boolean trainReadout, Boolean readoutBias,
                          Double recurrentScale, String connectivity, Double density, Double excitatoryFraction,
                          String daleMode, Integer channels, Integer kernel, Integer stride, String readout,
                          List<LayerSpec> layers, Double feedforwardScale, Double feedbackScale,
                          Double recurrentMaxNorm)
        implements Serializable {
    public static final List<String> CONNECTIVITIES = List.of("dense", "masked", "dale", "conv");

    public NetworkSpec {
        nonlinearity = Keys.oneOf("network.nonlinearity", nonlinearity, "tanh", Nonlinearity.NAMES);
        // 1, the default, is what every copy of the record holds (records re-run this constructor)
        if (gain != null && gain != 1.0 && !nonlinearity.equals("linear")) {
            throw Keys.notApplicable("network.gain", gain, "network.nonlinearity = \"" + nonlinearity + "\"",
                    "it is the slope g of the linear nonlinearity f(z) = g z");
        }
        gain = Keys.number("network.gain", gain, 1.0, 0.0, false);
        dynamics = Keys.oneOf("network.dynamics", dynamics, "rate", Dynamics.NAMES);
        precision = Keys.oneOf("network.precision", precision, "float", List.of("float", "double"));
        trainInput = trainInput != null && trainInput;
        trainBias = trainBias != null && trainBias;
        trainReadout = trainReadout != null && trainReadout;
        readoutBias = readoutBias != null && readoutBias;
        if (readoutBias && !trainReadout) {
            throw new IllegalArgumentException("network.readout_bias = true needs network.train_readout = true"
                    + " (the read-out bias c is trained with R and starts at zero)");
        }
        recurrentScale = Keys.number("network.recurrent_scale", recurrentScale, 0.5, 0.0, true);
        connectivity = Keys.oneOf("network.connectivity", connectivity, "dense", CONNECTIVITIES);
        boolean conv = connectivity.equals("conv");
        boolean dale = connectivity.equals("dale");
        boolean layered = layers != null;
        String kind = "network.connectivity = \"" + connectivity + "\"";

        if (layered) {
            if (units != null) {
                throw new IllegalArgumentException("network.units is not used with [[network.layers]]: give the size"
                        + " of each layer there (units = N_k, or channels for conv layers) and leave network.units out");
            }
        } else if (conv) {
            if (units != null) {
                throw new IllegalArgumentException("network.units is not used with " + kind + ": the units are the"
                        + " feature maps, channels x height x width; give network.channels (and kernel, stride) instead");
            }
        } else {
            units = Keys.intAtLeast("network.units", units, 300, 1);
        }

        if (connectivity.equals("masked")) {
            if (density == null) {
                throw new IllegalArgumentException(kind + " needs network.density, the fraction of connections"
                        + " kept (in (0, 1]), e.g. density = 0.1");
            }
            Keys.inRange("network.density", density, 1.0, 0, false, 1, true);
        } else if (dale) {
            if (density != null) {
                Keys.inRange("network.density", density, 1.0, 0, false, 1, true);
            }
        } else if (density != null) {
            throw new IllegalArgumentException("network.density is for network.connectivity = \"masked\" (or \"dale\","
                    + " for sparse Dale), not " + kind + ": leave it out or change the connectivity");
        }
        if (dale) {
            excitatoryFraction = Keys.inRange("network.excitatory_fraction", excitatoryFraction, 0.8, 0, false, 1, false);
            daleMode = Keys.oneOf("network.dale_mode", daleMode, "parameterization",
                    List.of("parameterization", "projection"));
        } else {
            for (Object[] k : new Object[][] {{"excitatory_fraction", excitatoryFraction}, {"dale_mode", daleMode}}) {
                if (k[1] != null) {
                    throw new IllegalArgumentException("network." + k[0] + " is for network.connectivity = \"dale\","
                            + " not " + kind + ": leave it out or set connectivity = \"dale\"");
                }
            }
        }

        if (layered || !conv) {
            for (Object[] k : new Object[][] {{"channels", channels}, {"kernel", kernel}, {"stride", stride}}) {
                if (k[1] != null) {
                    throw new IllegalArgumentException("network." + k[0] + (layered
                            ? " is given per layer with [[network.layers]]: move it into the layers"
                            : " is for network.connectivity = \"conv\", not " + kind + ": leave it out"));
                }
            }
        } else {
            if (channels == null) {
                throw new IllegalArgumentException(kind + " needs network.channels, the number of feature maps"
                        + " (e.g. channels = 8)");
            }
            channels = Keys.intAtLeast("network.channels", channels, 0, 1);
            kernel = oddKernel("network.kernel", kernel);
            stride = Keys.intAtLeast("network.stride", stride, 1, 1);
        }
        if (dale && !layered) {
            checkPopulations("network.units = " + units, units, excitatoryFraction);
        }

        if (recurrentMaxNorm != null) {
            if (!conv) {
                throw new IllegalArgumentException("network.recurrent_max_norm (a bound on each recurrent"
                        + " convolution's spectral norm) is for network.connectivity = \"conv\", not " + kind
                        + ": leave it out");
            }
            Keys.number("network.recurrent_max_norm", recurrentMaxNorm, 0.0, 0.0, false);
        }

        readout = Keys.oneOf("network.readout", readout, "dense", List.of("dense", "pooled"));
        if (readout.equals("pooled") && !conv) {
            throw new IllegalArgumentException("network.readout = \"pooled\" (the mean of each channel) needs"
                    + " network.connectivity = \"conv\"; with " + kind + " use readout = \"dense\"");
        }

        boolean anyFeedback = false;
        if (layered) {
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("network.layers is empty: give at least one [[network.layers]]"
                        + " table, or leave it out for a single recurrent layer");
            }
            List<LayerSpec> checked = new ArrayList<>();
            boolean seenDense = false;
            for (int i = 0; i < layers.size(); i++) {
                LayerSpec l = layers.get(i);
                String where = "layer " + (i + 1) + " of [[network.layers]]";
                if (l == null) {
                    throw new IllegalArgumentException(where + " is empty");
                }
                if (conv && l.units() != null) {
                    // a dense layer on top of the conv layers (their feature maps flattened into F_k)
                    if (l.channels() != null) {
                        throw new IllegalArgumentException(where + ": give either units (a dense layer) or channels"
                                + " (and kernel, stride: a conv layer), not both");
                    }
                    if (l.kernel() != null || l.stride() != null) {
                        throw new IllegalArgumentException(where + ": " + (l.kernel() != null ? "kernel" : "stride")
                                + " is for conv layers; a dense layer (units) has none: leave it out, or give channels"
                                + " in place of units for a conv layer");
                    }
                    if (i == 0) {
                        throw new IllegalArgumentException(where + ": the first layer of network.connectivity ="
                                + " \"conv\" is a conv layer (the read-in is a convolution of the image): give"
                                + " channels; dense layers (units) may follow the conv layers");
                    }
                    Keys.intAtLeast(where + ": units", l.units(), 0, 1);
                    seenDense = true;
                } else if (conv) {
                    if (l.channels() == null) {
                        throw new IllegalArgumentException(where + " needs channels, its number of feature maps (or"
                                + " units, for a dense layer above the conv layers)");
                    }
                    if (seenDense) {
                        throw new IllegalArgumentException(where + ": a conv layer cannot follow a dense layer (it has"
                                + " no feature maps to convolve): put the dense layers (units) last");
                    }
                    Keys.intAtLeast(where + ": channels", l.channels(), 0, 1);
                    l = new LayerSpec(null, l.channels(), oddKernel(where + ": kernel", l.kernel()),
                            Keys.intAtLeast(where + ": stride", l.stride(), 1, 1), l.feedback());
                } else {
                    for (Object[] k : new Object[][] {{"channels", l.channels()}, {"kernel", l.kernel()},
                            {"stride", l.stride()}}) {
                        if (k[1] != null) {
                            throw new IllegalArgumentException(where + ": " + k[0] + " is for conv layers"
                                    + " (network.connectivity = \"conv\"), not " + kind + "; give units instead");
                        }
                    }
                    if (l.units() == null) {
                        throw new IllegalArgumentException(where + " needs units, its number of units N_" + (i + 1));
                    }
                    Keys.intAtLeast(where + ": units", l.units(), 0, 1);
                    if (dale) {
                        checkPopulations(where + ": units = " + l.units(), l.units(), excitatoryFraction);
                    }
                }
                if (l.feedback() && i == layers.size() - 1) {
                    throw new IllegalArgumentException(where + ": feedback = true asks for a block from the layer"
                            + " above, but this is the last layer: set it on a lower layer or leave it out");
                }
                anyFeedback |= l.feedback();
                checked.add(l);
            }
            layers = List.copyOf(checked);
            if (seenDense && readout.equals("pooled")) {
                throw new IllegalArgumentException("network.readout = \"pooled\" (the mean of each channel) needs a"
                        + " conv layer last; the last layer of [[network.layers]] is dense: use readout = \"dense\"");
            }
            feedforwardScale = Keys.number("network.feedforward_scale", feedforwardScale, 1.0, 0.0, false);
        } else if (feedforwardScale != null) {
            throw new IllegalArgumentException("network.feedforward_scale is for networks with [[network.layers]]"
                    + " (the blocks F_k between layers): leave it out");
        }
        if (anyFeedback) {
            feedbackScale = Keys.number("network.feedback_scale", feedbackScale, 0.5, 0.0, false);
        } else if (feedbackScale != null) {
            throw new IllegalArgumentException("network.feedback_scale is used only when a layer has feedback = true"
                    + " in [[network.layers]]: leave it out or add feedback");
        }
    }

    private static int oddKernel(String key, Integer k) {
        int v = Keys.intAtLeast(key, k, 3, 1);
        if (v % 2 != 1) {
            throw Keys.bad(key, v, "same padding needs an odd kernel size, e.g. 3 or 5");
        }
        return v;
    }

    private static void checkPopulations(String where, int n, double fraction) {
        long ne = Math.round(fraction * n);
        if (ne < 1 || ne > n - 1) {
            throw new IllegalArgumentException(where + " with network.excitatory_fraction = " + fraction + " gives "
                    + ne + " excitatory and " + (n - ne) + " inhibitory units; Dale's balanced start needs at least one"
                    + " of each: use more units or a fraction further from 0 and 1");
        }
    }

    /**
     * A single dense layer of {@code units} units with every other key at its default (tanh, rate
     * dynamics, float, recurrent scale 0.5, read-in and read-out fixed, no bias): P1's network.
     */
    public static NetworkSpec dense(int units) {
        return new NetworkSpec(units, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    /** Every key at its default: a dense layer of 300 tanh units. */
    public static NetworkSpec defaults() {
        return new NetworkSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    /** True for the single dense layer that configs had before the other connectivities existed. */
    public boolean plainDense() {
        return connectivity.equals("dense") && layers == null;
    }

    public boolean conv() {
        return connectivity.equals("conv");
    }

    /**
     * Why the reparam rule (MATH section 3.3) cannot train this network, naming the keys to change,
     * or null if it can: it is defined for one dense linear layer whose read-in and bias are fixed.
     */
    public String reparamProblem() {
        if (!plainDense()) {
            return "rule reparam is defined for a single dense linear layer only: set network.connectivity ="
                    + " \"dense\" without [[network.layers]]";
        }
        if (!f().isLinear()) {
            return "rule reparam is defined for linear networks only: set network.nonlinearity = \"linear\"";
        }
        if (trainInput || trainBias) {
            return "rule reparam trains W (and the read-out) only: set network.train_input and network.train_bias"
                    + " to false";
        }
        return null;
    }

    public Nonlinearity f() {
        return Nonlinearity.parse(nonlinearity, gain, 0.04, 2.0);
    }

    public Dynamics dynamicsValue() {
        return Dynamics.parse(dynamics);
    }

    public Precision precisionValue() {
        return Precision.parse(precision);
    }

    /**
     * The [network] table of a config's TOML text (other tables are ignored; no table: every key at
     * its default).
     *
     * @throws org.fprnn.config.ConfigException naming the key, as {@code fprnn run} does
     */
    public static NetworkSpec fromToml(String text, String source) {
        return TomlConfig.parseTable(text, source, "network", NetworkSpec.class);
    }

    /**
     * This description sized for a data set and seeded: everything {@link #build} needs, in one
     * serializable value (Spark ships it to the executors, which build the same network).
     */
    public ForData forData(FeatureShape image, int outputs, long seed) {
        return new ForData(this, image, outputs, seed);
    }

    /**
     * A network description with the data set's image shape, its classes and the seed of the weights
     * at start.
     */
    public record ForData(NetworkSpec spec, FeatureShape image, int outputs, long seed) implements Serializable {
        public ForData {
            if (spec == null || image == null || outputs < 1) {
                throw new IllegalArgumentException("a network needs a description, an input shape and outputs >= 1");
            }
        }

        /** n_in, the features of one sample. */
        public int inputs() {
            return image.size();
        }

        /** A new network with its weights at start, as {@link NetworkSpec#build(FeatureShape, int, long)}. */
        public FixedPointNetwork build() {
            return spec.build(image, outputs, seed);
        }
    }

    /** The network at start for flat inputs with this many features (dense read-in only) and classes. */
    public FixedPointNetwork build(int inputs, int outputs, long seed) {
        return build(new FeatureShape(1, 1, inputs), outputs, seed);
    }

    /**
     * The network at start for images of the given shape (channels x height x width, as the data
     * set stores them) and this many classes, its weights drawn from {@code seed}; see the class
     * comment for what each connectivity builds. A plain dense layer is built exactly as before the
     * other connectivities existed (same draws from the seed). Layered networks name their blocks
     * W1..WL, F2..FL and B1..B(L-1); single layers W; the read-in is U and the read-out R.
     *
     * @throws IllegalArgumentException if the network does not fit the data (conv on flat samples)
     */
    public FixedPointNetwork build(FeatureShape image, int outputs, long seed) {
        return build(image, outputs, seed, null);
    }

    /**
     * As {@link #build(FeatureShape, int, long)}, with every recurrent block W_k (the whole block
     * operator, for layered networks) passed through {@code wrapRecurrent} once it is made: for
     * instruments such as the benchmarks' operation counters. The weights are drawn as without it.
     *
     * @param wrapRecurrent returns an operator with the same units and parameters; null for none
     */
    public FixedPointNetwork build(FeatureShape image, int outputs, long seed,
                                  UnaryOperator<RecurrentOperator> wrapRecurrent) {
        FixedPointNetwork.Builder b = FixedPointNetwork.builder().inputs(image.size()).outputs(outputs)
                .nonlinearity(f()).dynamics(dynamicsValue()).precision(precisionValue())
                .trainInput(trainInput).trainBias(trainBias).trainReadout(trainReadout)
                .readoutBias(readoutBias).recurrentScale(recurrentScale).seed(seed);
        if (plainDense()) {
            if (wrapRecurrent == null) {
                return b.units(units).build();
            }
            return b.recurrent(wrapped(DenseOperator.factory("W", units, recurrentScale), wrapRecurrent)).build();
        }
        boolean layered = layers != null;
        List<LayerSpec> ls = layerList();
        List<FeatureShape> shapes = layerShapes(image);
        int total = shapes.stream().mapToInt(FeatureShape::size).sum();
        if (layered) {
            BlockOperator.Builder ops = BlockOperator.builder();
            for (int k = 0; k < ls.size(); k++) {
                ops.layer(recurrentBlock("W" + (k + 1), shapes.get(k), ls.get(k)));
                if (k >= 1) {
                    ops.feedforward(k + 1, feedforwardBlock("F" + (k + 1), shapes.get(k - 1), shapes.get(k),
                            ls.get(k), feedforwardScale));
                }
                if (ls.get(k).feedback()) {
                    ops.feedback(k + 1, feedbackBlock("B" + (k + 1), shapes.get(k), shapes.get(k + 1),
                            ls.get(k + 1), feedbackScale));
                }
            }
            b.recurrent(wrapped(ops.factory(), wrapRecurrent));
        } else {
            b.recurrent(wrapped(recurrentBlock("W", shapes.getFirst(), ls.getFirst()), wrapRecurrent));
        }
        FeatureShape first = shapes.getFirst();
        FeatureShape last = shapes.getLast();
        if (conv()) {
            LayerSpec l1 = ls.getFirst();
            MapFactory<Conv2dMap> in = Conv2dMap.factory("U", image, l1.channels(), l1.kernel(), l1.stride(),
                    (l1.kernel() - 1) / 2, 1 / Math.sqrt((double) image.channels() * l1.kernel() * l1.kernel()));
            b.readIn(layered ? EmbeddedMap.intoOutputs(in, new UnitRange(0, first.size()), total) : in);
            if (readout.equals("pooled")) {
                MapFactory<PooledReadout> out = PooledReadout.factory("R", last, outputs);
                b.readOut(layered ? EmbeddedMap.fromInputs(out, new UnitRange(total - last.size(), total), total)
                        : out);
            }
        }
        return b.build();
    }

    private static MapFactory<? extends RecurrentOperator> wrapped(MapFactory<? extends RecurrentOperator> f,
                                                                   UnaryOperator<RecurrentOperator> wrap) {
        return wrap == null ? f : (params, precision, rng) -> wrap.apply(f.create(params, precision, rng));
    }

    /** The layers: those of [[network.layers]], or the single layer the top-level keys describe. */
    private List<LayerSpec> layerList() {
        return layers != null ? layers : List.of(new LayerSpec(units, channels, kernel, stride, false));
    }

    /**
     * The state shape of each layer for images of this shape: conv layers C_k x H_k x W_k with
     * H_k = (H_{k-1} + 2 pad - k) / stride + 1, pad = (k - 1) / 2 (H_0 the image's); other layers
     * 1 x 1 x N_k.
     *
     * @throws IllegalArgumentException for conv layers on flat samples
     */
    public List<FeatureShape> layerShapes(FeatureShape image) {
        List<LayerSpec> ls = layerList();
        List<FeatureShape> shapes = new ArrayList<>();
        FeatureShape prev = image;
        for (int k = 0; k < ls.size(); k++) {
            LayerSpec l = ls.get(k);
            FeatureShape s;
            if (conv() && l.units() == null) {
                if (image.height() == 1 && image.width() == 1 && k == 0) {
                    throw new IllegalArgumentException("network.connectivity = \"conv\" needs images; the data set has"
                            + " flat samples of " + image.size() + " values");
                }
                // Same padding with an odd kernel: H_k = (H_{k-1} - 1) / stride + 1 >= 1 always.
                int pad = (l.kernel() - 1) / 2;
                int h = (prev.height() + 2 * pad - l.kernel()) / l.stride() + 1;
                int w = (prev.width() + 2 * pad - l.kernel()) / l.stride() + 1;
                s = new FeatureShape(l.channels(), h, w);
            } else {
                s = new FeatureShape(1, 1, l.units());
            }
            shapes.add(s);
            prev = s;
        }
        return shapes;
    }

    /**
     * A lower estimate of the heap that training this network needs, in bytes, computed before
     * anything is allocated: every parameter (recurrent blocks, read-in, read-out) held
     * {@code 4 + optimizerSlots} times (the network at start, the network being trained, the
     * direction, the copy written to a checkpoint, and the optimizer's moments), plus the solver's
     * states for {@code batchRows} rows ({@code 2 solverMemory + 8} states per row). Convolutions
     * count as no parameters (their kernels are small).
     *
     * @throws IllegalArgumentException if one matrix has more elements than a Java array holds, or
     *     as {@link #layerShapes}
     */
    public long memoryEstimate(FeatureShape image, int outputs, int optimizerSlots, long batchRows,
                               int solverMemory) {
        List<FeatureShape> shapes = layerShapes(image);
        List<LayerSpec> ls = layerList();
        long total = 0;
        long params = 0;
        for (int k = 0; k < shapes.size(); k++) {
            long size = shapes.get(k).size();
            total += size;
            if (!conv() || ls.get(k).units() != null) {
                long copies = connectivity.equals("masked") || connectivity.equals("dale") ? 2 : 1; // a mask or signs
                params += copies * elements(shapes.size() == 1 ? "W" : "W" + (k + 1), size, size);
                if (k > 0) {
                    params += elements("F" + (k + 1), size, shapes.get(k - 1).size());
                    if (layers != null && layers.get(k - 1).feedback()) {
                        params += elements("B" + k, shapes.get(k - 1).size(), size);
                    }
                }
            }
        }
        if (!conv()) {
            params += elements("U", shapes.getFirst().size(), image.size());
        }
        params += elements("R", outputs, shapes.getLast().size());
        long bytesPer = precision.equals("double") ? 8 : 4;
        long states = batchRows * total * (2L * solverMemory + 8);
        return bytesPer * ((4L + optimizerSlots) * params + states);
    }

    /** rows * cols, refused when a Java array cannot hold it. */
    private static long elements(String name, long rows, long cols) {
        long e = rows * cols;
        if (e > Integer.MAX_VALUE - 8) {
            String fix = rows == cols
                    ? "give this layer at most 46,340 units (W_k is square)"
                    : String.format(Locale.ROOT, "with its %,d columns it may have at most %,d rows, with its %,d"
                    + " rows at most %,d columns (rows and columns are the units of a layer, or a conv layer's"
                    + " channels times its map size)", cols, (Integer.MAX_VALUE - 8L) / cols, rows,
                    (Integer.MAX_VALUE - 8L) / rows);
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the network is too large: %s would be a"
                    + " %d x %d matrix, %,d elements, more than a Java array holds (2^31 - 1); %s", name, rows, cols,
                    e, fix));
        }
        return e;
    }

    /** W_k of the network's connectivity on a layer of this shape (MATH section 4). */
    private MapFactory<? extends RecurrentOperator> recurrentBlock(String name, FeatureShape shape, LayerSpec l) {
        int n = shape.size();
        return switch (connectivity) {
            case "dense" -> DenseOperator.factory(name, n, recurrentScale);
            case "masked" -> MaskedOperator.random(name, n, density, recurrentScale);
            case "dale" -> DaleOperator.factory(name, n, excitatoryFraction, recurrentScale,
                    daleMode.equals("projection") ? DaleOperator.Mode.PROJECTION : DaleOperator.Mode.PARAMETERIZATION,
                    density == null ? 1.0 : density);
            case "conv" -> l.units() != null
                    ? DenseOperator.factory(name, n, recurrentScale, recurrentMaxNorm == null ? 0 : recurrentMaxNorm)
                    : Conv2dOperator.factory(name, shape, l.kernel(), recurrentScale,
                            recurrentMaxNorm == null ? 0 : recurrentMaxNorm);
            default -> throw new IllegalStateException(connectivity);
        };
    }

    /**
     * F_k from a layer of shape {@code from} into layer k of shape {@code to}: a convolution into a
     * conv layer, else dense (from a conv layer's feature maps, flattened).
     */
    private MapFactory<? extends LinearMap> feedforwardBlock(String name, FeatureShape from, FeatureShape to,
                                                             LayerSpec l, double scale) {
        if (conv() && l.units() == null) {
            return Conv2dMap.factory(name, from, to.channels(), l.kernel(), l.stride(), (l.kernel() - 1) / 2,
                    scale / Math.sqrt((double) from.channels() * l.kernel() * l.kernel()));
        }
        return DenseMap.factory(name, to.size(), from.size(), scale / Math.sqrt(from.size()));
    }

    /**
     * B_k from layer k+1 (shape {@code above}, made from this layer by {@code upper}'s F_{k+1}) into
     * layer k: dense, or for a conv layer k+1 the transpose of a convolution with F_{k+1}'s geometry.
     */
    private MapFactory<? extends LinearMap> feedbackBlock(String name, FeatureShape here, FeatureShape above,
                                                          LayerSpec upper, double scale) {
        if (conv() && upper.units() == null) {
            return TransposedMap.of(Conv2dMap.factory(name, here, above.channels(), upper.kernel(), upper.stride(),
                    (upper.kernel() - 1) / 2,
                    scale / Math.sqrt((double) above.channels() * upper.kernel() * upper.kernel())));
        }
        return DenseMap.factory(name, here.size(), above.size(), scale / Math.sqrt(above.size()));
    }

    /**
     * One line describing a network built from this description, for results pages, e.g.
     * "2 dense layers (256 units, 128 units; feedback B1), N = 384".
     */
    public String describe(FixedPointNetwork net) {
        StringBuilder sb = new StringBuilder();
        String conn = switch (connectivity) {
            case "masked" -> "masked (density " + density + ")";
            case "dale" -> "Dale " + Math.round(100 * excitatoryFraction) + "/"
                    + Math.round(100 * (1 - excitatoryFraction)) + " (" + daleMode
                    + (density == null ? "" : ", density " + density) + ")";
            case "conv" -> "convolutional";
            default -> "dense";
        };
        if (net.recurrent() instanceof BlockOperator bo) {
            int dense = conv() ? (int) layerList().stream().filter(l -> l.units() != null).count() : 0;
            int own = bo.layerCount() - dense;
            sb.append(own).append(" ").append(conn).append(dense > 0 && own == 1 ? " layer" : " layers");
            if (dense > 0) {
                sb.append(" and ").append(dense).append(dense == 1 ? " dense layer" : " dense layers");
            }
            sb.append(" (");
            for (int k = 1; k <= bo.layerCount(); k++) {
                sb.append(k > 1 ? ", " : "").append(layerText(bo.layer(k)));
            }
            List<String> fb = new ArrayList<>();
            for (int k = 1; k < bo.layerCount(); k++) {
                if (bo.feedback(k) != null) {
                    fb.add("B" + k);
                }
            }
            sb.append(fb.isEmpty() ? "; no feedback" : "; feedback " + String.join(", ", fb)).append("), N = ")
                    .append(net.units());
        } else {
            sb.append(conn).append(", ").append(layerText(net.recurrent())).append(", N = ").append(net.units());
        }
        if (conv()) {
            LinearMap in = net.readIn() instanceof EmbeddedMap e ? e.inner() : net.readIn();
            sb.append("; read-in ").append(in instanceof Conv2dMap c ? c.kernelSize() + "x" + c.kernelSize()
                    + " convolution with stride " + c.stride() : "dense").append("; read-out ").append(readout);
        }
        return sb.toString();
    }

    private static String layerText(RecurrentOperator op) {
        if (op instanceof Conv2dOperator c) {
            return c.shape() + " maps with a " + c.kernelSize() + "x" + c.kernelSize() + " kernel";
        }
        return op.units() + " units";
    }
}
