package org.fprnn.spark;

import java.io.Serializable;
import java.util.Objects;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;

/**
 * How to build the network on the driver and on every executor: a dense single-layer network
 * (z = W r + U x + b, logits = R r + c) with its weights at start drawn from {@code seed}, as
 * {@link FixedPointNetwork.Builder} draws them (the same as fprnn's [network] config table). The
 * executors build it once per run and then take the driver's weights every step, so only the
 * structure and the trained flags must match.
 *
 * @param inputs n_in, the data set's features
 * @param units N
 * @param outputs n_out, the data set's classes
 * @param recurrentScale W at start is recurrentScale * randn(N, N) / sqrt(N)
 */
public record NetworkSpec(int inputs, int units, int outputs, Nonlinearity nonlinearity, Dynamics dynamics,
                          Precision precision, boolean trainInput, boolean trainBias, boolean trainReadout,
                          boolean readoutBias, double recurrentScale, long seed) implements Serializable {

    public NetworkSpec {
        Objects.requireNonNull(nonlinearity, "nonlinearity");
        Objects.requireNonNull(dynamics, "dynamics");
        Objects.requireNonNull(precision, "precision");
        if (inputs < 1 || units < 1 || outputs < 1) {
            throw new IllegalArgumentException("a network needs inputs, units and outputs >= 1, got " + inputs + ", "
                    + units + ", " + outputs);
        }
        if (readoutBias && !trainReadout) {
            throw new IllegalArgumentException("a read-out bias is trained with the read-out: set trainReadout too");
        }
        if (!(recurrentScale >= 0) || Double.isInfinite(recurrentScale)) {
            throw new IllegalArgumentException("recurrent scale must be a finite number >= 0, got " + recurrentScale);
        }
    }

    /** A new network with its weights at start. */
    public FixedPointNetwork build() {
        return FixedPointNetwork.builder().inputs(inputs).units(units).outputs(outputs).nonlinearity(nonlinearity)
                .dynamics(dynamics).precision(precision).trainInput(trainInput).trainBias(trainBias)
                .trainReadout(trainReadout).readoutBias(readoutBias).recurrentScale(recurrentScale).seed(seed).build();
    }
}
