package org.fprnn.rule;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.solve.Equilibrium;

/**
 * The steps every rule shares: the read-out and its plain gradient, the gains, and turning a pair
 * of row batches (a, b) into directions for W, U and b. Subclasses supply only their own formula.
 */
abstract class AbstractRule implements Rule {
    protected final RuleSettings settings;
    protected final Workspace ws = new Workspace();
    private Params directions;
    private FixedPointNetwork directionsOwner;

    AbstractRule(RuleSettings settings) {
        this.settings = settings;
    }

    /** Zeroed direction matrices for the network's trained parameters, reused across calls. */
    protected final Params directions(FixedPointNetwork net) {
        if (directions == null || directionsOwner != net) {
            directions = net.params().zerosLike(net.trained());
            directionsOwner = net;
        } else {
            directions.zero();
        }
        return directions;
    }

    /**
     * x itself if it has precision p, else its values in a workspace matrix of that precision (no new
     * matrix per call: inputs given in double to a float network are converted on every call).
     */
    protected final Matrix inPrecision(Matrix x, org.fprnn.linalg.Precision p) {
        if (x.precision() == p) {
            return x;
        }
        Matrix c = ws.get("inputs", x.rows, x.cols, p);
        c.copyFrom(x);
        return c;
    }

    /** The read-out's losses and eps on row blocks over the cores ({@link Loss#evaluateRows}). */
    private static final class LossRows implements RowParallel.RowBlock {
        private Loss loss;
        private Matrix yhat;
        private Batch batch;
        private Matrix eps;
        private double[] perSample;

        void set(Loss loss, Matrix yhat, Batch batch, Matrix eps, double[] perSample) {
            this.loss = loss;
            this.yhat = yhat;
            this.batch = batch;
            this.eps = eps;
            this.perSample = perSample;
        }

        @Override
        public void rows(int part, int from, int to) {
            loss.evaluateRows(yhat, batch, eps, perSample, from, to);
        }
    }

    private final LossRows lossRows = new LossRows();

    /** The loss at a state and dl/dr per sample. */
    protected record Readout(double loss, int correct, Matrix e) {
    }

    /**
     * Read-out step shared by all rules (MATH section 1): y_hat = r R^T + c (B x n_out), the mean
     * loss, eps_i = dl_i/dy_hat_i, e = eps R (B x N; row i is R^T eps_i = dl_i/dr_i), and the read-out's
     * plain gradient D_R = eps^T r / B (n_out x N), D_c = mean_i eps_i (1 x n_out) when they are trained.
     * R is the network's read-out map: e is its transpose applied to eps and D_R its projection of
     * (eps, r) (MATH section 4).
     */
    protected final Readout readout(FixedPointNetwork net, Batch batch, Matrix r, Params dirs) {
        int b = r.rows;
        Matrix yhat = ws.get("yhat", b, net.outputs(), r.precision());
        net.readout(r, yhat);
        Matrix eps = ws.like("eps", yhat);
        double[] perSample = ws.doubles("perSampleLoss", b);
        lossRows.set(settings.loss(), yhat, batch, eps, perSample);
        try {
            RowParallel.forRows(b, RowParallel.minRows(8 * yhat.cols), lossRows); // a few exps per output
        } finally {
            lossRows.set(null, null, null, null, null);
        }
        double l = 0;
        for (int i = 0; i < b; i++) { // in row order, as Loss.evaluate adds them
            l += perSample[i];
        }
        l /= b;
        int correct = batch.labels() != null ? Loss.correct(yhat, batch.labels()) : -1;
        Matrix e = ws.like("e", r);
        net.readOut().applyTranspose(eps, e, 1, 0);
        net.readOut().project(eps, r, 1.0 / b, dirs, false);
        if (dirs.has("c")) {
            Ops.columnSums(1.0 / b, eps, dirs.get("c"));
        }
        return new Readout(l, correct, e);
    }

    /**
     * Gains g (B x N) at the equilibrium: f'(z) by default, or 1 - r^2 (tanh only) when the settings
     * ask for the published convention (MATH section 1; PROTOCOLS P1).
     */
    protected final Matrix gains(FixedPointNetwork net, Equilibrium eq) {
        Matrix g = ws.like("g", eq.rates());
        if (settings.gains() == GainMode.FROM_RATES) {
            if (!(net.nonlinearity() instanceof Nonlinearity.Tanh)) {
                throw new IllegalArgumentException("gains from rates (1 - r^2) need tanh units, not "
                        + net.nonlinearity().name());
            }
            RowPasses.run(RowPasses.ONE_MINUS_SQUARE, g, eq.rates(), null, g, null);
        } else {
            net.nonlinearity().derivative(eq.z(), g);
        }
        return g;
    }

    /**
     * Directions of the recurrent side from row batches a and b (MATH sections 3.1, 3.4, 3.5, 4):
     * D_W = project(a, b) / B through the operator, D_U = project(a, x) / B through the read-in
     * (dense: a^T x / B, N x n_in), D_b = mean_i a_i (1 x N), each only for trained parameters.
     */
    protected final void recurrentDirections(FixedPointNetwork net, Matrix x, Matrix a, Matrix b, Params dirs) {
        double inv = 1.0 / a.rows;
        if (net.recurrent().anyIn(dirs)) {
            net.recurrent().project(a, b, inv, dirs, false);
        }
        if (net.readIn().anyIn(dirs)) {
            net.readIn().project(a, inPrecision(x, a.precision()), inv, dirs, false);
        }
        if (dirs.has("b")) {
            Ops.columnSums(inv, a, dirs.get("b"));
        }
    }
}
