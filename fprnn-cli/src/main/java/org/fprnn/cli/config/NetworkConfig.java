package org.fprnn.cli.config;

import java.util.ArrayList;
import java.util.List;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.Nonlinearity;

/**
 * The [network] table of a classification config. Inputs and outputs come from the data set; every
 * weight at start is drawn from the config's seed, so every run of a sweep starts from the same
 * network.
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
 * (see {@link LayerConfig}); the read-in feeds layer 1 and the read-out reads the last layer.
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
 */
public record NetworkConfig(Integer units, String nonlinearity, Double gain, String dynamics, String precision,
                            Boolean trainInput, Boolean trainBias, Boolean trainReadout, Boolean readoutBias,
                            Double recurrentScale, String connectivity, Double density, Double excitatoryFraction,
                            String daleMode, Integer channels, Integer kernel, Integer stride, String readout,
                            List<LayerConfig> layers, Double feedforwardScale, Double feedbackScale) {
    public static final List<String> CONNECTIVITIES = List.of("dense", "masked", "dale", "conv");

    public NetworkConfig {
        nonlinearity = Keys.oneOf("network.nonlinearity", nonlinearity, "tanh", Nonlinearity.NAMES);
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
            List<LayerConfig> checked = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerConfig l = layers.get(i);
                String where = "layer " + (i + 1) + " of [[network.layers]]";
                if (l == null) {
                    throw new IllegalArgumentException(where + " is empty");
                }
                if (conv) {
                    if (l.units() != null) {
                        throw new IllegalArgumentException(where + ": units is not used by conv layers (their units are"
                                + " channels x height x width): give channels (and kernel, stride)");
                    }
                    if (l.channels() == null) {
                        throw new IllegalArgumentException(where + " needs channels, its number of feature maps");
                    }
                    Keys.intAtLeast(where + ": channels", l.channels(), 0, 1);
                    l = new LayerConfig(null, l.channels(), oddKernel(where + ": kernel", l.kernel()),
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

    public static NetworkConfig defaults() {
        return new NetworkConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null);
    }

    /** True for the single dense layer that configs had before the other connectivities existed. */
    public boolean plainDense() {
        return connectivity.equals("dense") && layers == null;
    }

    public boolean conv() {
        return connectivity.equals("conv");
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
}
