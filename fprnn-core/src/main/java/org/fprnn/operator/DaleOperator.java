package org.fprnn.operator;

import java.util.List;
import java.util.Random;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * Dale's law (MATH section 4): every presynaptic unit j is excitatory (s_j = +1, column j of W is
 * >= 0) or inhibitory (s_j = -1, column j <= 0). Two ways, chosen by {@link Mode}; the rules see
 * different parameters in each:
 *
 * <ul>
 *   <li>{@link Mode#PARAMETERIZATION}: the parameter under {@code name} is W_raw and
 *       W = |W_raw| * s_j, so the signs hold by construction for every rule and optimizer. The rules
 *       see W_raw: the projection is the chain rule through |.|,
 *       D_raw = (a^T b / B) * s_j * sign(W_raw) (an entry at exactly 0 gets 0 and stays there).</li>
 *   <li>{@link Mode#PROJECTION}: the parameter is W itself; the rules see the plain dense direction
 *       a^T b / B (the Euclidean gradient in W for the gradient rule), and {@link #constrain()},
 *       which the training loop calls after every optimizer step, clamps entries of the wrong sign
 *       to zero.</li>
 * </ul>
 *
 * <p>{@link #balanced} draws an initial W without an outlier eigenvalue: every row sums to zero, so
 * the mean excitation and inhibition each unit receives cancel exactly.
 *
 * <p>Sparse Dale: with a fixed 0/1 mask M (N x N) the effective matrix is additionally multiplied by
 * M (MATH section 4, "Masks": W = |W_raw| * s_j * M, or W * M in projection form); entries off the
 * mask receive zero direction and {@link #constrain()} keeps them at zero.
 */
public final class DaleOperator implements RecurrentOperator {

    /** How the sign constraint is imposed. */
    public enum Mode { PARAMETERIZATION, PROJECTION }

    private final String name;

    /** parameterNames(), made once: the rules ask for it on every call. */

    private final List<String> names;
    private final Matrix param;
    private final double[] sign;
    private final Mode mode;
    /** The 0/1 mask in the parameter's precision, or null for all connections. */
    private final Matrix mask;
    private Matrix effective;
    private Matrix scratch;

    /**
     * @param param the live N x N parameter: W_raw for the parameterization, W for the projection
     * @param signs s_j per presynaptic unit (column), each +1 (excitatory) or -1 (inhibitory)
     */
    public DaleOperator(String name, Matrix param, double[] signs, Mode mode) {
        this(name, param, signs, mode, null);
    }

    /**
     * Sparse Dale: as above with a fixed N x N 0/1 mask (null: all connections).
     */
    public DaleOperator(String name, Matrix param, double[] signs, Mode mode, Matrix mask) {
        if (param.rows != param.cols || signs.length != param.cols) {
            throw new IllegalArgumentException("Dale operator " + name + ": parameter " + param.shape() + " with "
                    + signs.length + " signs");
        }
        for (double s : signs) {
            if (s != 1 && s != -1) {
                throw new IllegalArgumentException("Dale signs must be +1 or -1, found " + s);
            }
        }
        this.name = name;
        this.names = List.of(name);
        this.param = param;
        this.sign = signs.clone();
        this.mode = mode;
        if (mask != null) {
            Init.checkShape(mask, param.rows, param.cols, "Dale mask");
            for (int i = 0; i < mask.size(); i++) {
                double v = mask.getFlat(i);
                if (v != 0 && v != 1) {
                    throw new IllegalArgumentException("mask entries must be 0 or 1, found " + v);
                }
            }
            this.mask = mask.to(param.precision()).copy();
        } else {
            this.mask = null;
        }
    }

    /**
     * Signs with the first round(fraction * n) units excitatory (+1) and the rest inhibitory (-1).
     */
    public static double[] signs(int n, double excitatoryFraction) {
        if (!(excitatoryFraction >= 0 && excitatoryFraction <= 1)) {
            throw new IllegalArgumentException("excitatory fraction must be in [0, 1], got " + excitatoryFraction);
        }
        int ne = (int) Math.round(excitatoryFraction * n);
        double[] s = new double[n];
        for (int j = 0; j < n; j++) {
            s[j] = j < ne ? 1 : -1;
        }
        return s;
    }

    /**
     * A factory: n units, the first round(fraction n) excitatory, W from {@link #balanced} with the
     * given bulk spectral radius; the parameter is |W| for the parameterization, W for the projection.
     */
    public static MapFactory<DaleOperator> factory(String name, int n, double excitatoryFraction, double radius,
                                                   Mode mode) {
        return factory(name, n, excitatoryFraction, radius, mode, 1.0);
    }

    /**
     * Sparse Dale: as {@link #factory(String, int, double, double, Mode)}, with a random mask whose
     * entries are 1 with probability {@code density} (drawn first from the network's random stream,
     * see {@link MaskedOperator#randomMask}); density 1 gives the dense operator (no mask, no draws).
     * W is {@link #balanced(double[], double, Random, Matrix)} on the mask.
     */
    public static MapFactory<DaleOperator> factory(String name, int n, double excitatoryFraction, double radius,
                                                   Mode mode, double density) {
        return (params, precision, rng) -> {
            double[] s = signs(n, excitatoryFraction);
            Matrix mask = density == 1.0 ? null : MaskedOperator.randomMask(n, density, precision, rng);
            DMatrix w = balanced(s, radius, rng, mask);
            Matrix p = precision.zeros(n, n);
            for (int i = 0; i < w.data.length; i++) {
                p.setFlat(i, mode == Mode.PARAMETERIZATION ? Math.abs(w.data[i]) : w.data[i]);
            }
            return new DaleOperator(name, Init.register(params, name, p), s, mode, mask);
        };
    }

    /**
     * The balanced Dale initializer, N x N with signs s_j per column: magnitudes |N(0, 1)|; in each
     * row the inhibitory magnitudes are rescaled so that the row sums to zero (the mean excitatory
     * and inhibitory inputs cancel, which removes the outlier eigenvalue a nonzero mean row sum
     * would put at about N times the mean weight); then W is scaled so that its bulk radius
     * sqrt(sum_ij (W_ij - mu_pop(j))^2 / N), with mu the mean weight of each presynaptic population,
     * equals {@code radius}. Needs at least one unit of each sign.
     */
    public static DMatrix balanced(double[] signs, double radius, Random rng) {
        return balanced(signs, radius, rng, null);
    }

    /**
     * The balanced initializer on a 0/1 mask M (null: every connection): magnitudes |N(0, 1)| M_ij
     * (all N^2 draws are made, so the stream does not depend on the mask); each row's inhibitory
     * magnitudes are rescaled so that the row sums to zero (rows without inhibitory connections on
     * the mask are left as drawn); the population means and the bulk radius run over the entries on
     * the mask. With M = null this is exactly {@link #balanced(double[], double, Random)}.
     */
    public static DMatrix balanced(double[] signs, double radius, Random rng, Matrix mask) {
        int n = signs.length;
        int ne = 0;
        for (double s : signs) {
            ne += s > 0 ? 1 : 0;
        }
        if (ne == 0 || ne == n) {
            throw new IllegalArgumentException("a balanced Dale matrix needs excitatory and inhibitory units (got "
                    + ne + " of " + n + " excitatory)");
        }
        DMatrix w = new DMatrix(n, n);
        for (int i = 0; i < n * n; i++) {
            w.data[i] = Math.abs(rng.nextGaussian());
        }
        if (mask != null) {
            for (int i = 0; i < n * n; i++) {
                w.data[i] *= mask.getFlat(i);
            }
        }
        for (int i = 0; i < n; i++) {
            double se = 0;
            double si = 0;
            for (int j = 0; j < n; j++) {
                if (signs[j] > 0) {
                    se += w.data[i * n + j];
                } else {
                    si += w.data[i * n + j];
                }
            }
            if (!(si > 0)) {
                continue;   // no inhibitory connection on the mask in this row
            }
            double k = se / si;
            for (int j = 0; j < n; j++) {
                if (signs[j] < 0) {
                    w.data[i * n + j] *= -k;
                }
            }
        }
        double muE = 0;
        double muI = 0;
        long countE = 0;
        long countI = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (mask != null && mask.getFlat(i * n + j) == 0) {
                    continue;
                }
                if (signs[j] > 0) {
                    muE += w.data[i * n + j];
                    countE++;
                } else {
                    muI += w.data[i * n + j];
                    countI++;
                }
            }
        }
        muE /= (double) Math.max(countE, 1);
        muI /= (double) Math.max(countI, 1);
        double var = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (mask != null && mask.getFlat(i * n + j) == 0) {
                    continue;
                }
                double d = w.data[i * n + j] - (signs[j] > 0 ? muE : muI);
                var += d * d;
            }
        }
        double bulk = Math.sqrt(var / n);
        Ops.scale(radius / bulk, w);
        return w;
    }

    public Mode mode() {
        return mode;
    }

    /** The 0/1 mask (a copy), or null if every connection is allowed. */
    public Matrix mask() {
        return mask == null ? null : mask.copy();
    }

    /** The sign s_j of every presynaptic unit (a copy). */
    public double[] signs() {
        return sign.clone();
    }

    /**
     * Parameterization: W = |W_raw| * s_j (* M); projection: W itself, or W * M with a mask (into a
     * workspace).
     */
    private Matrix effective() {
        if (mode == Mode.PROJECTION && mask == null) {
            return param;
        }
        if (effective == null) {
            effective = param.zerosLike();
        }
        if (mode == Mode.PROJECTION) {
            Ops.mul(param, mask, effective);
            return effective;
        }
        int n = param.cols;
        switch (effective) {
            case FMatrix e -> {
                float[] x = ((FMatrix) param).data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        e.data[i + j] = Math.abs(x[i + j]) * (float) sign[j];
                    }
                }
            }
            case DMatrix e -> {
                double[] x = ((DMatrix) param).data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        e.data[i + j] = Math.abs(x[i + j]) * sign[j];
                    }
                }
            }
        }
        if (mask != null) {
            Ops.mul(effective, mask, effective);
        }
        return effective;
    }

    @Override public int units() { return param.rows; }

    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        Ops.gemm(false, true, alpha, r, effective(), beta, out);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Ops.gemm(false, false, alpha, a, effective(), beta, out);
    }

    /**
     * MATH section 4, Dale: parameterization D_raw = scale (a^T b) * s_j * sign(W_raw) (the chain rule
     * through |.|); projection D_W = scale a^T b. N x N; a, b are B x N.
     */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (!into.has(name)) {
            return;
        }
        Matrix d = into.get(name);
        if (mode == Mode.PROJECTION && mask == null) {
            Ops.gemm(true, false, scale, a, b, accumulate ? 1 : 0, d);
            return;
        }
        if (scratch == null || scratch.precision() != d.precision()) {
            scratch = d.zerosLike();
        }
        Ops.gemm(true, false, scale, a, b, 0, scratch);
        if (mask != null) {
            Ops.mul(scratch, mask, scratch);
        }
        if (mode == Mode.PROJECTION) {
            if (accumulate) {
                Ops.axpy(1, scratch, d);
            } else {
                d.copyFrom(scratch);
            }
            return;
        }
        int n = d.cols;
        switch (d) {
            case FMatrix dd -> {
                float[] x = ((FMatrix) param).data, t = ((FMatrix) scratch).data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        float v = t[i + j] * (float) sign[j] * Math.signum(x[i + j]);
                        dd.data[i + j] = accumulate ? dd.data[i + j] + v : v;
                    }
                }
            }
            case DMatrix dd -> {
                double[] x = ((DMatrix) param).data, t = ((DMatrix) scratch).data;
                for (int i = 0; i < x.length; i += n) {
                    for (int j = 0; j < n; j++) {
                        double v = t[i + j] * sign[j] * Math.signum(x[i + j]);
                        dd.data[i + j] = accumulate ? dd.data[i + j] + v : v;
                    }
                }
            }
        }
    }

    /**
     * Projection mode: clamps every entry of the wrong sign to 0, and every entry off the mask (if
     * any). The parameterization needs nothing.
     */
    @Override
    public void constrain() {
        if (mode != Mode.PROJECTION) {
            return;
        }
        int n = param.cols;
        for (int i = 0; i < param.size(); i++) {
            double v = param.getFlat(i);
            if (v * sign[i % n] < 0 || (mask != null && v != 0 && mask.getFlat(i) == 0)) {
                param.setFlat(i, 0);
            }
        }
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, param); }

    @Override
    public DMatrix dense() {
        DMatrix w = param.toDouble().copy();
        if (mode == Mode.PARAMETERIZATION) {
            int n = w.cols;
            for (int i = 0; i < w.data.length; i++) {
                w.data[i] = Math.abs(w.data[i]) * sign[i % n];
            }
        }
        if (mask != null) {
            for (int i = 0; i < w.data.length; i++) {
                w.data[i] *= mask.getFlat(i);
            }
        }
        return w;
    }

    @Override
    public DaleOperator toDouble() {
        return new DaleOperator(name, param.toDouble().copy(), sign, mode, mask);
    }
}
