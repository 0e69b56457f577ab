package org.fprnn.operator;

import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Workspace;
import org.fprnn.linalg.Params;

/**
 * A read-out of pooled features (MATH section 4, "Convolution"): global average pooling of each
 * channel of C x H x W feature maps, then a dense n_out x C matrix R (one parameter):
 * y = R pool(r) with pool(r)_c = mean over the H W pixels of channel c.
 */
public final class PooledReadout implements LinearMap {
    private final String name;
    /** parameterNames(), made once: the rules ask for it on every call. */
    private final List<String> names;
    private final Matrix r;
    private final FeatureShape shape;
    private final Workspace ws = new Workspace();

    /** @param r the live n_out x C matrix */
    public PooledReadout(String name, Matrix r, FeatureShape shape) {
        Init.checkShape(r, r.rows, shape.channels(), "pooled read-out " + name);
        this.name = name;
        this.names = List.of(name);
        this.r = r;
        this.shape = shape;
    }

    /** A factory: R of shape outputs x C drawn as randn / sqrt(C). */
    public static MapFactory<PooledReadout> factory(String name, FeatureShape shape, int outputs) {
        return (params, precision, rng) -> new PooledReadout(name, Init.register(params, name,
                Init.gaussian(outputs, shape.channels(), 1 / Math.sqrt(shape.channels()), precision, rng)), shape);
    }

    @Override public int inputs() { return shape.size(); }
    @Override public int outputs() { return r.rows; }

    /** pooled (B x C) = channel means of x (B x C H W). */
    private Matrix pool(Matrix x) {
        Matrix p = ws.get("pool", x.rows, shape.channels(), x.precision());
        int px = shape.pixels();
        for (int i = 0; i < x.rows; i++) {
            for (int c = 0; c < shape.channels(); c++) {
                double s = 0;
                int o = i * x.cols + c * px;
                for (int q = 0; q < px; q++) {
                    s += x.getFlat(o + q);
                }
                p.setFlat(i * shape.channels() + c, s / px);
            }
        }
        return p;
    }

    /** out = alpha pool(x) R^T + beta out (x: B x C H W, out: B x n_out). */
    @Override
    public void apply(Matrix x, Matrix out, double alpha, double beta) {
        Ops.gemm(false, true, alpha, pool(x), r, beta, out);
    }

    /** out = alpha unpool(a R) + beta out, each channel's value spread as 1/(H W) over its pixels. */
    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        Matrix t = ws.get("t", a.rows, shape.channels(), a.precision());
        Ops.gemm(false, false, 1, a, r, 0, t);
        int px = shape.pixels();
        double f = alpha / px;
        for (int i = 0; i < a.rows; i++) {
            for (int c = 0; c < shape.channels(); c++) {
                double v = f * t.getFlat(i * shape.channels() + c);
                int o = i * out.cols + c * px;
                for (int q = 0; q < px; q++) {
                    out.setFlat(o + q, beta == 0 ? v : v + beta * out.getFlat(o + q));
                }
            }
        }
    }

    /** D_R = scale a^T pool(b), n_out x C (MATH section 4). */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (into.has(name)) {
            Ops.gemm(true, false, scale, a, pool(b), accumulate ? 1 : 0, into.get(name));
        }
    }

    @Override public List<String> parameterNames() { return names; }
    @Override public Params parameters() { return new Params().put(name, r); }

    @Override
    public DMatrix dense() {
        int px = shape.pixels();
        DMatrix m = new DMatrix(outputs(), inputs());
        for (int o = 0; o < outputs(); o++) {
            for (int c = 0; c < shape.channels(); c++) {
                for (int q = 0; q < px; q++) {
                    m.data[o * inputs() + c * px + q] = r.get(o, c) / px;
                }
            }
        }
        return m;
    }

    @Override
    public PooledReadout toDouble() {
        return new PooledReadout(name, r.toDouble().copy(), shape);
    }
}
