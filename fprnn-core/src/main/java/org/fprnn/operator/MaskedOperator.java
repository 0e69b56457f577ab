package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * A masked connectivity W = W_raw * M (MATH section 4, "Masks") with a fixed 0/1 mask M (N x N) and
 * one trained parameter, W_raw, under {@code name}. Entries of W_raw off the mask have no effect and
 * receive zero direction. The effective matrix is formed in a workspace at each apply (N^2 work
 * beside the B N^2 product), so it always reflects the current W_raw.
 */
public final class MaskedOperator implements RecurrentOperator {
    private final String name;
    /** parameterNames(), made once: the rules ask for it on every call. */
    private final List<String> names;
    private final Matrix raw;
    private final Matrix mask;
    private Matrix effective;
    private Matrix scratch;

    /**
     * @param raw the live N x N matrix W_raw
     * @param mask N x N, every entry 0 or 1 (copied into the precision of raw)
     */
    public MaskedOperator(String name, Matrix raw, Matrix mask) {
        if (raw.rows != raw.cols) {
            throw new IllegalArgumentException("recurrent matrix " + name + " must be square, got " + raw.shape());
        }
        Init.checkShape(mask, raw.rows, raw.cols, "mask");
        for (int i = 0; i < mask.size(); i++) {
            double v = mask.getFlat(i);
            if (v != 0 && v != 1) {
                throw new IllegalArgumentException("mask entries must be 0 or 1, found " + v);
            }
        }
        this.name = name;
        this.names = List.of(name);
        this.raw = raw;
        this.mask = mask.to(raw.precision()).copy();
    }

    /**
     * A factory: W_raw = scale * randn(n, n) / sqrt(p n) on the mask and 0 off it, where p is the
     * mask's density (so that the effective W has the spectral scale {@code scale}).
     */
    public static MapFactory<MaskedOperator> factory(String name, Matrix mask, double scale) {
        return (params, precision, rng) -> {
            int n = mask.rows;
            double density = 0;
            for (int i = 0; i < mask.size(); i++) {
                density += mask.getFlat(i);
            }
            density = Math.max(density / mask.size(), 1.0 / mask.size());
            Matrix w = Init.gaussian(n, n, scale / Math.sqrt(density * n), precision, rng);
            for (int i = 0; i < w.size(); i++) {
                w.setFlat(i, w.getFlat(i) * mask.getFlat(i));
            }
            return new MaskedOperator(name, Init.register(params, name, w), mask);
        };
    }

    /**
     * A factory that draws the mask too: each entry of M is 1 with probability {@code density}
     * (independently, from the network's random stream, before W_raw), then W_raw as in
     * {@link #factory(String, Matrix, double)}.
     *
     * @param density expected fraction of nonzero connections, in (0, 1]
     */
    public static MapFactory<MaskedOperator> random(String name, int n, double density, double scale) {
        checkDensity(density);
        return (params, precision, rng) -> factory(name, randomMask(n, density, precision, rng), scale)
                .create(params, precision, rng);
    }

    /** An n x n 0/1 mask with entries 1 with probability {@code density}, drawn row by row from rng. */
    public static Matrix randomMask(int n, double density, org.fprnn.linalg.Precision precision, java.util.Random rng) {
        checkDensity(density);
        Matrix m = precision.zeros(n, n);
        for (int i = 0; i < m.size(); i++) {
            m.setFlat(i, rng.nextDouble() < density ? 1 : 0);
        }
        return m;
    }

    private static void checkDensity(double density) {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("mask density must be in (0, 1], got " + density);
        }
    }

    /** The fixed mask (a copy). */
    public Matrix mask() {
        return mask.copy();
    }

    /** W = W_raw * M into the workspace. */
    private Matrix effective() {
        if (effective == null) {
            effective = raw.zerosLike();
        }
        Ops.mul(raw, mask, effective);
        return effective;
    }

    @Override public int units() { return raw.rows; }

    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        Ops.gemm(false, true, alpha, r, effective(), beta, out);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Ops.gemm(false, false, alpha, a, effective(), beta, out);
    }

    /**
     * Mask: D_raw = scale * (a^T b) * M (MATH section 4), N x N; a, b are B x N.
     */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (!into.has(name)) {
            return;
        }
        Matrix d = into.get(name);
        if (!accumulate) {
            Ops.gemm(true, false, scale, a, b, 0, d);
            Ops.mul(d, mask, d);
            return;
        }
        if (scratch == null || scratch.precision() != d.precision()) {
            scratch = d.zerosLike();
        }
        Ops.gemm(true, false, scale, a, b, 0, scratch);
        Ops.mul(scratch, mask, scratch);
        Ops.axpy(1, scratch, d);
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, raw); }

    @Override
    public DMatrix dense() {
        DMatrix w = raw.toDouble().copy();
        Ops.mul(w, mask.toDouble(), w);
        return w;
    }

    @Override
    public MaskedOperator toDouble() {
        return new MaskedOperator(name, raw.toDouble().copy(), mask);
    }
}
