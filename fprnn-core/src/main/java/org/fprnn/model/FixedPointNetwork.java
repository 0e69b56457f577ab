package org.fprnn.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.fprnn.operator.DenseMap;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.EmbeddedMap;
import org.fprnn.operator.LinearMap;
import org.fprnn.operator.MapFactory;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.operator.UnitRange;

/**
 * A recurrent rate network evaluated at its fixed point r = f(W r + U x + b) with read-out
 * y_hat = R r (+ c) (MATH section 1). Weights follow the convention z = W r + U x + b and
 * logits = R r; batches are rows, so in code z = r W^T + x U^T + b.
 *
 * <p>Parameters are held in one {@link Params}: W (N x N, through a {@link RecurrentOperator}),
 * U (N x n_in), b (1 x N, optional), R (n_out x N), c (1 x n_out, optional). Which of them are
 * trained is part of the network.
 *
 * <p>Structured networks (MATH section 4): the recurrent operator can be any
 * {@link RecurrentOperator} (masked, Dale, convolution, a {@link org.fprnn.operator.BlockOperator}
 * of layers), given to the builder as a {@link MapFactory} that registers its own named parameters
 * here; they are trained by default. The read-in is a {@link LinearMap} from the inputs to the
 * units (h = U x + b) and the read-out one from the units to the outputs (y_hat = R r + c). By
 * default both are dense ("U", "R"); for an operator whose {@link RecurrentOperator#inputUnits()}
 * and {@link RecurrentOperator#outputUnits()} are not all units (a block operator: its first and
 * last layer) the default U feeds only the input units (U has shape N_1 x n_in) and the default R
 * reads only the output units (R has shape n_out x N_L). The bias b is per unit, over all units.
 *
 * <p>Time constants: by default every unit has the same tau (the solvers' alpha = dt/tau). With
 * {@link Builder#timeConstants} unit i has tau_i = tau * scale_i, so that the Euler solver and the
 * bptt unroll step unit i by alpha_i = alpha / scale_i (MATH section 1, T = diag(tau_i)). Fixed
 * points do not depend on tau.
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
    private final LinearMap readIn;
    private final LinearMap readOut;
    private final double[] tauScale;
    private final Set<String> trained;

    private FixedPointNetwork(Builder b, Params params, RecurrentOperator recurrent, LinearMap readIn,
                              LinearMap readOut, Set<String> trained) {
        this.inputs = b.inputs;
        this.units = b.units;
        this.outputs = b.outputs;
        this.nonlinearity = b.nonlinearity;
        this.dynamics = b.dynamics;
        this.precision = b.precision;
        this.params = params;
        this.recurrent = recurrent;
        this.readIn = readIn;
        this.readOut = readOut;
        this.tauScale = b.tauScale == null ? null : b.tauScale.clone();
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

    /** The read-in map, n_in to N: h = x U^T + b with U its matrix (MATH section 1). */
    public LinearMap readIn() { return readIn; }

    /** The read-out map, N to n_out: y_hat = r R^T + c with R its matrix (MATH section 1). */
    public LinearMap readOut() { return readOut; }

    /**
     * Per-unit time-constant scales tau_i / tau (a copy), or null when every unit has the same tau.
     */
    public double[] timeConstants() { return tauScale == null ? null : tauScale.clone(); }

    /**
     * Enforces the constraints of the operator and maps after an optimizer step (for example the
     * projection form of Dale's law); the training loop calls it after every step.
     */
    public void constrain() {
        recurrent.constrain();
        readIn.constrain();
        readOut.constrain();
    }

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
        readIn.apply(x, h, 1, 0);
        if (hasBias()) {
            Ops.addRowVector(h, params.get("b"));
        }
    }

    /** y_hat = r R^T + c: the read-out, B x n_out (MATH section 1). */
    public void readout(Matrix r, Matrix yhat) {
        readOut.apply(r, yhat, 1, 0);
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
        private MapFactory<? extends RecurrentOperator> recurrentFactory;
        private MapFactory<? extends LinearMap> readInFactory;
        private MapFactory<? extends LinearMap> readOutFactory;
        private double[] tauScale;
        private final Set<String> fixed = new LinkedHashSet<>();

        public Builder inputs(int n) { this.inputs = n; return this; }
        public Builder units(int n) { this.units = n; return this; }
        public Builder outputs(int n) { this.outputs = n; return this; }
        public Builder nonlinearity(Nonlinearity f) {
            this.nonlinearity = Objects.requireNonNull(f, "nonlinearity");
            return this;
        }
        public Builder dynamics(Dynamics d) {
            this.dynamics = Objects.requireNonNull(d, "dynamics");
            return this;
        }
        public Builder precision(Precision p) {
            this.precision = Objects.requireNonNull(p, "precision");
            return this;
        }
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
        public Builder recurrentScale(double s) {
            if (!Double.isFinite(s)) {
                throw new IllegalArgumentException("recurrent scale must be finite, got " + s);
            }
            this.recurrentScale = s;
            return this;
        }
        public Builder recurrentWeights(Matrix w) { this.w = w; return this; }
        public Builder inputWeights(Matrix u) { this.u = u; return this; }
        public Builder biasWeights(Matrix b) { this.bias = b; this.useBias = true; return this; }
        public Builder readoutWeights(Matrix r) { this.r = r; return this; }

        /**
         * The recurrent operator, made by a factory that registers its parameters in the network's
         * parameters (MATH section 4); they are trained unless {@link #trainRecurrent} is false or
         * they are {@link #fixed}. The number of units is the operator's. Without this the
         * operator is a dense W ("W").
         */
        public Builder recurrent(MapFactory<? extends RecurrentOperator> f) { this.recurrentFactory = f; return this; }

        /** An already built operator; its live parameters are registered (not copied). */
        public Builder recurrent(RecurrentOperator op) { return recurrent(MapFactory.of(op)); }

        /** A structured read-in (n_in to N), trained with {@link #trainInput}; default a dense U. */
        public Builder readIn(MapFactory<? extends LinearMap> f) { this.readInFactory = f; return this; }

        /** A structured read-out (N to n_out), trained with {@link #trainReadout}; default a dense R. */
        public Builder readOut(MapFactory<? extends LinearMap> f) { this.readOutFactory = f; return this; }

        /** Parameters that stay fixed although their group (recurrent, read-in, read-out) is trained. */
        public Builder fixed(String... names) { fixed.addAll(java.util.Arrays.asList(names)); return this; }

        /**
         * Per-unit time constants as multiples of the common tau: tau_i = tau * scale[i] (length N,
         * each > 0). The Euler solver and bptt step unit i by alpha / scale[i]; fixed points are
         * unchanged. Null (the default) keeps one tau for all units.
         */
        public Builder timeConstants(double... scale) {
            if (scale != null) {
                for (double v : scale) {
                    if (!(v > 0) || !Double.isFinite(v)) {
                        throw new IllegalArgumentException("time constants must be positive numbers, got " + v);
                    }
                }
            }
            this.tauScale = scale == null ? null : scale.clone();
            return this;
        }

        /**
         * Per-population time constants: consecutive populations of the given sizes (summing to N)
         * with time-constant scales {@code scales} (e.g. excitatory then inhibitory units).
         */
        public Builder populationTimeConstants(int[] sizes, double[] scales) {
            if (sizes.length != scales.length) {
                throw new IllegalArgumentException(sizes.length + " population sizes for " + scales.length + " time constants");
            }
            int n = 0;
            for (int s : sizes) {
                n += s;
            }
            double[] t = new double[n];
            for (int p = 0, o = 0; p < sizes.length; o += sizes[p], p++) {
                java.util.Arrays.fill(t, o, o + sizes[p], scales[p]);
            }
            return timeConstants(t);
        }

        public FixedPointNetwork build() {
            if (units <= 0 && w != null) {
                units = w.rows;
            }
            if (inputs <= 0 && u != null && readInFactory == null) {
                inputs = u.cols;
            }
            if (outputs <= 0 && r != null && readOutFactory == null) {
                outputs = r.rows;
            }
            if (inputs <= 0 || outputs <= 0 || (units <= 0 && recurrentFactory == null)) {
                throw new IllegalArgumentException("a network needs inputs, units and outputs > 0 (got "
                        + inputs + ", " + units + ", " + outputs + ")");
            }
            Random rng = new Random(seed);
            Params p = new Params();
            RecurrentOperator op;
            if (recurrentFactory == null) {
                p.put("W", given(w, units, units, "W", rng, recurrentScale / Math.sqrt(units)));
                op = new DenseOperator(p, "W");
            } else {
                if (w != null) {
                    throw new IllegalArgumentException("give either recurrent weights or a recurrent operator, not both");
                }
                op = recurrentFactory.create(p, precision, rng);
                if (units > 0 && units != op.units()) {
                    throw new IllegalArgumentException("the recurrent operator has " + op.units() + " units, not " + units);
                }
                units = op.units();
                if (units <= 0 || op.inputUnits().size() <= 0 || op.outputUnits().size() <= 0) {
                    throw new IllegalArgumentException("the recurrent operator has " + units + " units, "
                            + op.inputUnits().size() + " of them read in and " + op.outputUnits().size()
                            + " read out: a network needs each > 0");
                }
            }
            if (tauScale != null && tauScale.length != units) {
                throw new IllegalArgumentException(tauScale.length + " time constants for " + units + " units");
            }
            Set<String> opNames = new LinkedHashSet<>(p.names());
            LinearMap in;
            if (readInFactory == null) {
                UnitRange range = op.inputUnits();
                DenseMap dense = new DenseMap("U", register(p, "U",
                        given(u, range.size(), inputs, "U", rng, 1 / Math.sqrt(inputs))));
                in = range.covers(units) ? dense : new EmbeddedMap(dense, 0, inputs, range.start(), units);
            } else {
                if (u != null) {
                    throw new IllegalArgumentException("give either input weights or a read-in map, not both");
                }
                in = checkMap(readInFactory.create(p, precision, rng), inputs, units, "read-in");
            }
            Set<String> inNames = new LinkedHashSet<>(in.parameterNames());
            if (useBias) {
                register(p, "b", bias != null ? check(bias, 1, units, "b") : precision.zeros(1, units));
            }
            LinearMap out;
            if (readOutFactory == null) {
                UnitRange range = op.outputUnits();
                DenseMap dense = new DenseMap("R", register(p, "R",
                        given(r, outputs, range.size(), "R", rng, 1 / Math.sqrt(range.size()))));
                out = range.covers(units) ? dense : new EmbeddedMap(dense, range.start(), units, 0, outputs);
            } else {
                if (r != null) {
                    throw new IllegalArgumentException("give either read-out weights or a read-out map, not both");
                }
                out = checkMap(readOutFactory.create(p, precision, rng), units, outputs, "read-out");
            }
            Set<String> outNames = new LinkedHashSet<>(out.parameterNames());
            if (readoutBias) {
                register(p, "c", precision.zeros(1, outputs));
            }
            for (String name : fixed) {
                if (!p.has(name)) {
                    throw new IllegalArgumentException("fixed parameter '" + name + "' is not a parameter of the network");
                }
            }
            Set<String> t = new LinkedHashSet<>();
            if (trainRecurrent) {
                t.addAll(opNames);
            }
            if (trainInput) {
                t.addAll(inNames);
            }
            if (trainBias) {
                t.add("b");
            }
            if (trainReadout) {
                t.addAll(outNames);
                if (readoutBias) {
                    t.add("c");
                }
            }
            t.removeAll(fixed);
            return new FixedPointNetwork(this, p.lock("a network's parameters"), op, in, out,
                    java.util.Collections.unmodifiableSet(t));
        }

        private static Matrix register(Params p, String name, Matrix m) {
            if (p.has(name)) {
                throw new IllegalArgumentException("parameter name '" + name + "' is used twice");
            }
            p.put(name, m);
            return m;
        }

        private static LinearMap checkMap(LinearMap m, int in, int out, String what) {
            if (m.inputs() != in || m.outputs() != out) {
                throw new IllegalArgumentException("the " + what + " maps " + m.inputs() + " to " + m.outputs()
                        + " units, expected " + in + " to " + out);
            }
            return m;
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
