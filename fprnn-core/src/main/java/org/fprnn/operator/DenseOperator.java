package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/** A dense N x N recurrent matrix stored as parameter {@code name} of the network's parameters. */
public final class DenseOperator implements RecurrentOperator {
    private final Params params;
    private final String name;
    /** parameterNames(), made once: the rules ask for it on every call. */
    private final List<String> names;

    public DenseOperator(Params params, String name) {
        this.params = params;
        this.name = name;
        this.names = List.of(name);
        Matrix w = params.get(name);
        if (w.rows != w.cols) {
            throw new IllegalArgumentException("recurrent matrix " + name + " must be square, got " + w.shape());
        }
    }

    /**
     * A factory for a network builder (or a block of a {@link BlockOperator}): parameter {@code name}
     * drawn as scale * randn(n, n) / sqrt(n).
     */
    public static MapFactory<DenseOperator> factory(String name, int n, double scale) {
        return (params, precision, rng) -> {
            Init.register(params, name, Init.gaussian(n, n, scale / Math.sqrt(n), precision, rng));
            return new DenseOperator(params, name);
        };
    }

    private Matrix w() {
        return params.get(name);
    }

    @Override public int units() { return w().rows; }

    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        Ops.gemm(false, true, alpha, r, w(), beta, out);
    }

    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Ops.gemm(false, false, alpha, a, w(), beta, out);
    }

    /** Dense: D_W = scale * a^T b (MATH section 4, "dense: a^T b / B"); a, b are B x N. */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (into.has(name)) {
            Ops.gemm(true, false, scale, a, b, accumulate ? 1 : 0, into.get(name));
        }
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, w()); }

    @Override public DMatrix dense() { return w().toDouble().copy(); }

    @Override
    public RecurrentOperator toDouble() {
        return new DenseOperator(new Params().put(name, w().toDouble().copy()), name);
    }
}
