package org.fprnn.cli.config;

import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.Nonlinearity;

/**
 * The [network] table of a classification config. Inputs and outputs come from the data set. W at
 * start is recurrent_scale * randn(N, N) / sqrt(N), the read-in U = randn(N, n_in) / sqrt(n_in) and
 * the read-out R = randn(n_out, N) / sqrt(N), all drawn from the config's seed, so every run of a
 * sweep starts from the same weights.
 *
 * @param units N (default 300)
 * @param nonlinearity tanh (default), relu, softplus, linear or powerlaw
 * @param gain gain g of the linear nonlinearity f(z) = g z (default 1)
 * @param dynamics rate (default), current or discrete
 * @param precision float (default) or double
 * @param trainInput train the read-in U (default false)
 * @param trainBias give the network a bias b (zero at start) and train it (default false: no bias)
 * @param trainReadout train the read-out R (default false)
 * @param readoutBias add a read-out bias c, trained with R (default false)
 * @param recurrentScale scale of W at start (default 0.5)
 */
public record NetworkConfig(Integer units, String nonlinearity, Double gain, String dynamics, String precision,
                            Boolean trainInput, Boolean trainBias, Boolean trainReadout, Boolean readoutBias,
                            Double recurrentScale) {
    public NetworkConfig {
        units = Keys.intAtLeast("network.units", units, 300, 1);
        nonlinearity = Keys.oneOf("network.nonlinearity", nonlinearity, "tanh",
                java.util.List.of("tanh", "relu", "softplus", "linear", "powerlaw"));
        gain = Keys.number("network.gain", gain, 1.0, 0.0, false);
        dynamics = Keys.oneOf("network.dynamics", dynamics, "rate", java.util.List.of("rate", "current", "discrete"));
        precision = Keys.oneOf("network.precision", precision, "float", java.util.List.of("float", "double"));
        trainInput = trainInput != null && trainInput;
        trainBias = trainBias != null && trainBias;
        trainReadout = trainReadout != null && trainReadout;
        readoutBias = readoutBias != null && readoutBias;
        if (readoutBias && !trainReadout) {
            throw new IllegalArgumentException("network.readout_bias = true needs network.train_readout = true"
                    + " (the read-out bias c is trained with R and starts at zero)");
        }
        recurrentScale = Keys.number("network.recurrent_scale", recurrentScale, 0.5, 0.0, true);
    }

    public static NetworkConfig defaults() {
        return new NetworkConfig(null, null, null, null, null, null, null, null, null, null);
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
