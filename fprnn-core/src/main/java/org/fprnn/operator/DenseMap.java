package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * A dense outputs x inputs matrix M, one parameter: the network's default read-in U (N x n_in) and
 * read-out R (n_out x N), or a dense feedforward or feedback block of a {@link BlockOperator}.
 */
public final class DenseMap implements ColumnMap {
    private final String name;
    /** parameterNames(), made once: the rules ask for it on every call. */
    private final List<String> names;
    private final Matrix m;

    /** Reads the live matrix {@code m} (outputs x inputs) as parameter {@code name}. */
    public DenseMap(String name, Matrix m) {
        this.name = name;
        this.names = List.of(name);
        this.m = m;
    }

    /** A factory: parameter {@code name} of shape outputs x inputs drawn as std * randn. */
    public static MapFactory<DenseMap> factory(String name, int outputs, int inputs, double std) {
        return (params, precision, rng) ->
                new DenseMap(name, Init.register(params, name, Init.gaussian(outputs, inputs, std, precision, rng)));
    }

    @Override public int inputs() { return m.cols; }
    @Override public int outputs() { return m.rows; }

    /** out = alpha x M^T + beta out (x: B x inputs, out: B x outputs). */
    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        Ops.gemm(false, true, alpha, x, m, beta, out);
    }

    /** out = alpha a M + beta out (a: B x outputs, out: B x inputs). */
    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Ops.gemm(false, false, alpha, a, m, beta, out);
    }

    @Override
    public void applyColumns(Matrix x, int xCol, Matrix out, int outCol, double alpha, double beta) {
        Ops.gemmColumns(true, alpha, x, xCol, m, beta, out, outCol);
    }

    @Override
    public void applyTransposeColumns(Matrix a, int aCol, Matrix out, int outCol, double alpha, double beta) {
        Ops.gemmColumns(false, alpha, a, aCol, m, beta, out, outCol);
    }

    /** Dense: D_M = scale * a^T b (MATH section 4), outputs x inputs; a: B x outputs, b: B x inputs. */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (into.has(name)) {
            Ops.gemm(true, false, scale, a, b, accumulate ? 1 : 0, into.get(name));
        }
    }

    @Override public List<String> parameterNames() { return names; }

    @Override public Params parameters() { return new Params().put(name, m); }

    @Override public DMatrix dense() { return m.toDouble().copy(); }

    @Override public DenseMap toDouble() { return new DenseMap(name, m.toDouble().copy()); }
}
