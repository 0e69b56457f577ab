package org.fprnn.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.RecurrentOperator;

/**
 * A recurrent rate network evaluated at its fixed point r = f(W r + U x + b) with read-out
 * y_hat = R r (+ c) (MATH section 1). Weights follow the convention z = W r + U x + b and
 * logits = R r; batches are rows, so in code z = r W^T + x U^T + b.
 *
 * <p>Parameters are held in one {@link Params}: W (N x N, through a {@link RecurrentOperator}),
 * U (N x n_in), b (1 x N, optional), R (n_out x N), c (1 x n_out, optional). Which of them are
 * trained is part of the network.
 */
public final class FixedPointNetwork {
    private final int inputs;
    private final int units;
    private final int outputs;
    private final Nonlinearity nonlinearity;
    private final Dynamics dynamics;
    private final Precision precision;
    private final Params params;
    private final RecurrentOperator recurrent;
    private final Set<String> trained;

    private FixedPointNetwork(Builder b, Params params, RecurrentOperator recurrent, Set<String> trained) {
        this.inputs = b.inputs;
        this.units = b.units;
        this.outputs = b.outputs;
        this.nonlinearity = b.nonlinearity;
        this.dynamics = b.dynamics;
        this.precision = b.precision;
        this.params = params;
        this.recurrent = recurrent;
        this.trained = trained;
    }

    public int inputs() { return inputs; }
    public int units() { return units; }
    public int outputs() { return outputs; }
    public Nonlinearity nonlinearity() { return nonlinearity; }
    public Dynamics dynamics() { return dynamics; }
    public Precision precision() { return precision; }
    public Params params() { return params; }
    public RecurrentOperator recurrent() { return recurrent; }

    /** Names of the trained parameters, in a fixed order (W first). */
    public Set<String> trained() { return trained; }

    public boolean isTrained(String name) { return trained.contains(name); }

    public boolean hasBias() { return params.has("b"); }

    public boolean hasReadoutBias() { return params.has("c"); }

    /** h = x U^T + b: the input drive, B x N (MATH section 1). */
    public void inputDrive(Matrix x, Matrix h) {
        if (x.cols != inputs) {
            throw new IllegalArgumentException("inputs have " + x.cols + " columns, the network expects " + inputs);
        }
        Ops.gemm(false, true, 1, x, params.get("U"), 0, h);
        if (hasBias()) {
            Ops.addRowVector(h, params.get("b"));
        }
    }

    /** y_hat = r R^T + c: the read-out, B x n_out (MATH section 1). */
    public void readout(Matrix r, Matrix yhat) {
        Ops.gemm(false, true, 1, r, params.get("R"), 0, yhat);
        if (hasReadoutBias()) {
            Ops.addRowVector(yhat, params.get("c"));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a network; unspecified weights are drawn at random from the seed. */
    public static final class Builder {
        private int inputs = -1;
        private int units = -1;
        private int outputs = -1;
        private Nonlinearity nonlinearity = new Nonlinearity.Tanh();
        private Dynamics dynamics = Dynamics.RATE;
        private Precision precision = Precision.DOUBLE;
        private long seed = 0;
        private boolean trainInput;
        private boolean trainBias;
        private boolean useBias;
        private boolean trainReadout;
        private boolean readoutBias;
        private boolean trainRecurrent = true;
        private double recurrentScale = 0.5;
        private Matrix w;
        private Matrix u;
        private Matrix bias;
        private Matrix r;

        public Builder inputs(int n) { this.inputs = n; return this; }
        public Builder units(int n) { this.units = n; return this; }
        public Builder outputs(int n) { this.outputs = n; return this; }
        public Builder nonlinearity(Nonlinearity f) { this.nonlinearity = f; return this; }
        public Builder dynamics(Dynamics d) { this.dynamics = d; return this; }
        public Builder precision(Precision p) { this.precision = p; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        /** Train the read-in U. */
        public Builder trainInput(boolean t) { this.trainInput = t; return this; }
        /** Give the network a bias b and train it. */
        public Builder trainBias(boolean t) { this.trainBias = t; if (t) { useBias = true; } return this; }
        /** Give the network a (possibly fixed) bias b. */
        public Builder bias(boolean use) { this.useBias = use; return this; }
        /** Train the read-out R. */
        public Builder trainReadout(boolean t) { this.trainReadout = t; return this; }
        /** Add a read-out bias c, trained with R. */
        public Builder readoutBias(boolean c) { this.readoutBias = c; return this; }
        /** Train W (default true). */
        public Builder trainRecurrent(boolean t) { this.trainRecurrent = t; return this; }
        /** W at start is scale * randn(N, N) / sqrt(N) unless given (default scale 0.5, as in P1). */
        public Builder recurrentScale(double s) { this.recurrentScale = s; return this; }
        public Builder recurrentWeights(Matrix w) { this.w = w; return this; }
        public Builder inputWeights(Matrix u) { this.u = u; return this; }
        public Builder biasWeights(Matrix b) { this.bias = b; this.useBias = true; return this; }
        public Builder readoutWeights(Matrix r) { this.r = r; return this; }

        public FixedPointNetwork build() {
            if (units <= 0 && w != null) {
                units = w.rows;
            }
            if (inputs <= 0 && u != null) {
                inputs = u.cols;
            }
            if (outputs <= 0 && r != null) {
                outputs = r.rows;
            }
            if (inputs <= 0 || units <= 0 || outputs <= 0) {
                throw new IllegalArgumentException("a network needs inputs, units and outputs > 0 (got "
                        + inputs + ", " + units + ", " + outputs + ")");
            }
            Random rng = new Random(seed);
            Params p = new Params();
            p.put("W", given(w, units, units, "W", rng, recurrentScale / Math.sqrt(units)));
            p.put("U", given(u, units, inputs, "U", rng, 1 / Math.sqrt(inputs)));
            if (useBias) {
                p.put("b", bias != null ? check(bias, 1, units, "b") : precision.zeros(1, units));
            }
            p.put("R", given(r, outputs, units, "R", rng, 1 / Math.sqrt(units)));
            if (readoutBias) {
                p.put("c", precision.zeros(1, outputs));
            }
            Set<String> t = new LinkedHashSet<>();
            if (trainRecurrent) {
                t.add("W");
            }
            if (trainInput) {
                t.add("U");
            }
            if (trainBias) {
                t.add("b");
            }
            if (trainReadout) {
                t.add("R");
                if (readoutBias) {
                    t.add("c");
                }
            }
            return new FixedPointNetwork(this, p, new DenseOperator(p, "W"), java.util.Collections.unmodifiableSet(t));
        }

        private Matrix given(Matrix m, int rows, int cols, String name, Random rng, double std) {
            if (m != null) {
                return check(m, rows, cols, name);
            }
            Matrix out = precision.zeros(rows, cols);
            // Draw in double so float and double networks from one seed hold the same weights.
            for (int i = 0; i < out.size(); i++) {
                out.setFlat(i, std * rng.nextGaussian());
            }
            return out;
        }

        private Matrix check(Matrix m, int rows, int cols, String name) {
            if (m.rows != rows || m.cols != cols) {
                throw new IllegalArgumentException(name + " has shape " + m.shape() + ", expected ("
                        + rows + ", " + cols + ")");
            }
            return m.to(precision).copy();
        }
    }

    /** Parameter names in the order W, U, b, R, c restricted to those present. */
    public List<String> parameterNames() {
        return new ArrayList<>(params.names());
    }
}
