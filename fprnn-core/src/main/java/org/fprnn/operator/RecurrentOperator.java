package org.fprnn.operator;

/**
 * A recurrent connectivity W_theta: a square {@link LinearMap} on the state (MATH section 4). The
 * rules need only apply, applyTranspose and project, so they work on every operator without special
 * cases. States are rows (B x N).
 *
 * <p>Implementations: {@link DenseOperator} (W itself), {@link MaskedOperator} (W_raw * M),
 * {@link DaleOperator} (Dale's law as a parameterization or as a projection), {@link Conv2dOperator}
 * (a same-padded 2-D convolution on feature maps) and {@link BlockOperator} (layers with recurrent,
 * feedforward and feedback blocks).
 */
public interface RecurrentOperator extends LinearMap {

    /** Number of recurrent units N. */
    int units();

    @Override
    default int inputs() {
        return units();
    }

    @Override
    default int outputs() {
        return units();
    }

    /**
     * A copy of this operator with its parameters in double precision, so that float networks can
     * solve the adjoint equation to tolerances float cannot reach.
     */
    @Override
    RecurrentOperator toDouble();

    /**
     * True if {@link #apply} and {@link #applyTranspose} read only this operator's parameters and
     * write only their output (no scratch of their own), so that several threads may apply it at
     * once to different matrices: the solvers then solve chunks of a batch on several threads
     * (ChunkedSolver). False unless the operator says so.
     */
    default boolean concurrentProducts() {
        return false;
    }

    /**
     * Tells the operator that its parameters will not change until the matching
     * {@link #endFixedWeights()}, so that it may prepare faster products from them for that span (a
     * solve: its products are all with the same W). The products' results must not change. Calls
     * nest (the outermost pair counts) and must be paired, in a finally block. Does nothing unless the
     * operator says otherwise.
     */
    default void beginFixedWeights() {
    }

    /** Ends the span that {@link #beginFixedWeights()} began: the parameters may change again. */
    default void endFixedWeights() {
    }

    /**
     * The units that receive the network's input by default (the first layer of a layered network):
     * the default read-in feeds only these. All units unless the operator says otherwise.
     */
    default UnitRange inputUnits() {
        return new UnitRange(0, units());
    }

    /**
     * The units the default read-out reads (the last layer of a layered network). All units unless
     * the operator says otherwise.
     */
    default UnitRange outputUnits() {
        return new UnitRange(0, units());
    }
}
