package org.fprnn.model;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.VectorMath;

/**
 * The pointwise nonlinearity f of r = f(W r + U x + b) (MATH section 1) and its derivative, which
 * gives the gains G = diag(f'(z)). Every method works on whole batches in place or into {@code out}.
 */
public sealed interface Nonlinearity extends java.io.Serializable {

    /** out = f(z) elementwise (out may be z). */
    default void apply(Matrix z, Matrix out) {
        apply(z, out, 0, out.rows);
    }

    /**
     * out = f(z) elementwise on rows [from, to) only (out may be z). Each element depends on its own
     * input only, so disjoint row ranges may run at once and give the bits of the whole-matrix call.
     */
    void apply(Matrix z, Matrix out, int from, int to);

    /**
     * out = f(x + h) elementwise on rows [from, to) (x, h and out of the same shape; out may be x),
     * with x + h rounded first: the bits of adding h to x, then {@link #apply(Matrix, Matrix, int, int)}.
     * The solvers' Phi = f(r W^T + h) ends this way; a kernel may do it in one pass.
     */
    default void applyShifted(Matrix x, Matrix h, Matrix out, int from, int to) {
        Ops.addRows(x, h, out, from, to);
        apply(out, out, from, to);
    }

    /** out = f'(z) elementwise (out may be z). */
    void derivative(Matrix z, Matrix out);

    /** Name as the command line spells it. */
    String name();

    /** True for f(z) = g z. */
    default boolean isLinear() {
        return false;
    }

    /** Every nonlinearity's name. */
    final class Known extends org.fprnn.NameList {
        public Known() {
            super("tanh", "relu", "softplus", "linear", "powerlaw");
        }
    }

    /** The nonlinearities set by their name and (linear) a gain alone: all but powerlaw. */
    final class Basic extends org.fprnn.NameList {
        public Basic() {
            super("tanh", "relu", "softplus", "linear");
        }
    }

    /** The names of {@link Known}. */
    org.fprnn.NameList NAMES = new Known();

    /** The names of {@link Basic}. */
    org.fprnn.NameList BASIC = new Basic();

    /** Parses tanh, relu, softplus, linear (with gain), or powerlaw (with k and n; also power_law, ssn). */
    static Nonlinearity parse(String name, double gain, double k, double n) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "tanh" -> new Tanh();
            case "relu" -> new Relu();
            case "softplus" -> new Softplus();
            case "linear" -> new Linear(gain);
            case "powerlaw", "power_law", "ssn" -> new PowerLaw(k, n);
            default -> throw new IllegalArgumentException(NAMES.unknown("nonlinearity", name));
        };
    }

    /** Parses a nonlinearity with default parameters (linear gain 1, power law k = 0.04, n = 2). */
    static Nonlinearity parse(String name) {
        return parse(name, 1.0, 0.04, 2.0);
    }

    /** f = tanh, f' = 1 - tanh^2. */
    record Tanh() implements Nonlinearity {
        @Override
        public void apply(Matrix z, Matrix out, int from, int to) {
            int o0 = from * out.cols;
            int len = (to - from) * out.cols;
            switch (out) {
                case FMatrix o -> VectorMath.tanh(((FMatrix) z).data, o0, o.data, o0, len);
                case DMatrix o -> VectorMath.tanh(((DMatrix) z).data, o0, o.data, o0, len);
            }
        }

        /** In float, tanh(x + h) in one pass ({@link VectorMath#tanhShifted}). */
        @Override
        public void applyShifted(Matrix x, Matrix h, Matrix out, int from, int to) {
            if (out instanceof FMatrix o) {
                int o0 = from * out.cols;
                VectorMath.tanhShifted(((FMatrix) x).data, o0, ((FMatrix) h).data, o0, o.data, o0,
                        (to - from) * out.cols);
            } else {
                Nonlinearity.super.applyShifted(x, h, out, from, to);
            }
        }

        /**
         * In float, sech^2 z = 4 u / (1 + u)^2 with u = exp(-2|z|), accurate to a few ulp of f'
         * itself: 1 - tanh^2 would lose to cancellation every digit that tanh's own rounding
         * touches where tanh saturates (f' = 2e-3 at |z| = 3.8), and the gradient's adjoint
         * amplifies gain errors near a singular I - W^T G. In double, 1 - tanh^2 (tanh within 2 ulp
         * of double, far below float's resolution). z may be out.
         */
        @Override
        public void derivative(Matrix z, Matrix out) {
            switch (out) {
                case FMatrix o -> {
                    VectorMath.sech2Rows(((FMatrix) z).data, o.data, o.rows, o.cols);
                }
                case DMatrix o -> {
                    apply(z, out);
                    double[] d = o.data;
                    for (int i = 0; i < d.length; i++) {
                        d[i] = 1.0 - d[i] * d[i];
                    }
                }
            }
        }

        @Override public String name() { return "tanh"; }
    }

    /** f = max(z, 0), f' = 1 for z > 0 else 0. */
    record Relu() implements Nonlinearity {
        @Override
        public void apply(Matrix z, Matrix out, int from, int to) {
            for (int i = from * out.cols, e = to * out.cols; i < e; i++) {
                out.setFlat(i, Math.max(z.getFlat(i), 0.0));
            }
        }

        @Override
        public void derivative(Matrix z, Matrix out) {
            for (int i = 0; i < out.size(); i++) {
                out.setFlat(i, z.getFlat(i) > 0 ? 1.0 : 0.0);
            }
        }

        @Override public String name() { return "relu"; }
    }

    /** f = log(1 + e^z), f' = sigmoid(z). */
    record Softplus() implements Nonlinearity {
        @Override
        public void apply(Matrix z, Matrix out, int from, int to) {
            int o0 = from * out.cols;
            int len = (to - from) * out.cols;
            switch (out) {
                case FMatrix o -> VectorMath.softplus(((FMatrix) z).data, o0, o.data, o0, len);
                case DMatrix o -> VectorMath.softplus(((DMatrix) z).data, o0, o.data, o0, len);
            }
        }

        @Override
        public void derivative(Matrix z, Matrix out) {
            switch (out) {
                case FMatrix o -> VectorMath.sigmoid(((FMatrix) z).data, 0, o.data, 0, o.data.length);
                case DMatrix o -> VectorMath.sigmoid(((DMatrix) z).data, 0, o.data, 0, o.data.length);
            }
        }

        @Override public String name() { return "softplus"; }
    }

    /** f = gain * z with a fixed gain (G = gain * I). */
    record Linear(double gain) implements Nonlinearity {
        public Linear {
            if (!(gain > 0) || !Double.isFinite(gain)) {
                throw new IllegalArgumentException("linear gain must be a positive number, got " + gain);
            }
        }

        @Override
        public void apply(Matrix z, Matrix out, int from, int to) {
            for (int i = from * out.cols, e = to * out.cols; i < e; i++) {
                out.setFlat(i, gain * z.getFlat(i));
            }
        }

        @Override
        public void derivative(Matrix z, Matrix out) {
            out.fill(gain);
        }

        @Override public String name() { return "linear"; }
        @Override public boolean isLinear() { return true; }
    }

    /** The rectified power law f = k [z]_+^n of stabilized supralinear networks, f' = k n [z]_+^(n-1). */
    record PowerLaw(double k, double n) implements Nonlinearity {
        public PowerLaw {
            if (!(k > 0) || !(n >= 1) || !Double.isFinite(k) || !Double.isFinite(n)) {
                throw new IllegalArgumentException("power law needs k > 0 and n >= 1, got k=" + k + ", n=" + n);
            }
        }

        @Override
        public void apply(Matrix z, Matrix out, int from, int to) {
            int o0 = from * out.cols;
            int len = (to - from) * out.cols;
            switch (out) {
                case FMatrix o -> VectorMath.powerLaw(((FMatrix) z).data, o0, o.data, o0, len, k, n);
                case DMatrix o -> VectorMath.powerLaw(((DMatrix) z).data, o0, o.data, o0, len, k, n);
            }
        }

        @Override
        public void derivative(Matrix z, Matrix out) {
            switch (out) {
                case FMatrix o -> VectorMath.powerLaw(((FMatrix) z).data, 0, o.data, 0, o.data.length, k * n, n - 1);
                case DMatrix o -> VectorMath.powerLaw(((DMatrix) z).data, 0, o.data, 0, o.data.length, k * n, n - 1);
            }
        }

        @Override public String name() { return "powerlaw"; }
    }
}
