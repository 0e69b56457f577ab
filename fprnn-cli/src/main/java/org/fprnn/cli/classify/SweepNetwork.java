package org.fprnn.cli.classify;

import org.fprnn.cli.UserError;
import org.fprnn.data.Dataset;
import org.fprnn.diag.Spectra;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.operator.FeatureShape;

/** A sweep's networks: the one a plan builds for the data set, and the eigenvalues of its W. */
final class SweepNetwork {
    private SweepNetwork() {
    }

    /** Largest N for which the eigenvalues of W are computed (a dense eigendecomposition). */
    static final int EIGENVALUES_MAX_UNITS = 1000;

    /**
     * The plan's network at start for this data set's image shape, drawn from {@code seed}; a network
     * that does not fit is a UserError.
     */
    static FixedPointNetwork newNetwork(ClassificationPlan plan, long seed, SweepData data) {
        Dataset d = data.train();
        FeatureShape image = d.imageShape();
        try {
            int testSamples = data.test() == null ? 0 : data.test().size();
            org.fprnn.cli.Heap.require(plan.memoryEstimate(image, d.classes(), d.size(), testSamples),
                    "the network of " + plan.config().name()
                    + " (its parameters, their copies for training, and the solver's batch states)");
            return plan.config().network().build(image, d.classes(), seed);
        } catch (IllegalArgumentException e) {
            throw new UserError("the [network] of " + plan.config().name() + " does not fit the " + data.name()
                    + " images (" + d.channels() + "x" + d.height() + "x" + d.width() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Eigenvalues (n x 2: re, im) of the recurrent operator's effective N x N matrix (MATH section
     * 5; for a layered network the whole stacked operator), or null if it is not finite or N is above
     * {@link #EIGENVALUES_MAX_UNITS}.
     */
    static double[][] eigenvalues(FixedPointNetwork net) {
        if (net.units() > EIGENVALUES_MAX_UNITS) {
            return null;
        }
        var w = net.recurrent().dense();
        if (!w.allFinite()) {
            return null;
        }
        return Spectra.eigenvalues(w);
    }
}
