package org.fprnn.rule;

import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.solve.Equilibrium;

/**
 * "linearized" [dW3] (MATH section 3.4) and "linearized_alt" [dW4] (MATH section 3.5) in their
 * batched form (MATH section 3.6): O(B N^2), no loop over samples, no per-sample N x N matrix.
 * D_W = project(a, b) / B, D_U = a^T x / B, D_b = mean a; the read-out takes the plain gradient.
 */
final class LinearizedRule extends AbstractRule {
    private final boolean alt;

    LinearizedRule(RuleSettings settings, boolean alt) {
        super(settings);
        this.alt = alt;
    }

    @Override
    public String name() {
        return alt ? "linearized_alt" : "linearized";
    }

    @Override
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq) {
        Params dirs = directions(net);
        Readout ro = readout(net, batch, eq.rates(), dirs);
        Matrix g = gains(net, eq);
        Matrix a = ws.like("a", g);
        Matrix b = ws.like("b", g);
        Matrix t2 = ws.like("t2", g);
        if (alt) {
            linearizedAlt(net.recurrent(), eq.rates(), ro.e(), g, a, b, ws.like("t1", g), t2);
        } else {
            linearized(net.recurrent(), eq.rates(), eq.recurrentInput(), ro.e(), g, a, b, t2);
        }
        recurrentDirections(net, batch.x(), a, b, dirs);
        return new RuleResult(dirs, ro.loss(), ro.correct(), null);
    }

    /**
     * MATH section 3.6, linearized (rows are samples, all B x N):
     * u = g * e;  a = u - (g * u) W^T;  p = r - g * (r W^T);  b = p - (g * p) W.
     * Row i of a is (I - W G_i) G_i e_i and row i of b is (I - G_i W)^T (I - G_i W) r_i (MATH 3.4).
     * r W^T is the equilibrium's recurrent input {@code wr}, which the forward solve made. The
     * elementwise steps run as two fused passes over row blocks ({@link RowPasses}).
     */
    static void linearized(RecurrentOperator w, Matrix r, Matrix wr, Matrix e, Matrix g, Matrix a, Matrix b,
                           Matrix t2) {
        RowPasses.run(RowPasses.GAIN_TWICE, g, e, null, a, t2); // a = u = g*e, t2 = g*u
        w.apply(t2, a, -1, 1);             // a = u - (g*u) W^T
        RowPasses.run(RowPasses.RESIDUAL, g, wr, r, b, t2); // b = p = r - g*(r W^T), t2 = g*p
        w.applyTranspose(t2, b, -1, 1);    // b = p - (g*p) W
    }

    /**
     * MATH section 3.6, linearized_alt (rows are samples, all B x N):
     * a = e - (g * e) W^T;  p = r - (g * r) W^T;  b = p - g * (p W).
     * Row i of a is (I - W G_i) e_i and row i of b is (I - W G_i)^T (I - W G_i) r_i (MATH 3.5).
     */
    static void linearizedAlt(RecurrentOperator w, Matrix r, Matrix e, Matrix g, Matrix a, Matrix b,
                              Matrix t1, Matrix t2) {
        RowPasses.run(RowPasses.GAIN_COPY, g, e, null, t1, a); // t1 = g*e, a = e
        w.apply(t1, a, -1, 1);             // a = e - (g*e) W^T
        RowPasses.run(RowPasses.GAIN_COPY, g, r, null, t1, b); // t1 = g*r, b = r
        w.apply(t1, b, -1, 1);             // p = r - (g*r) W^T, held in b
        w.applyTranspose(b, t2, 1, 0);     // p W
        RowPasses.run(RowPasses.RESIDUAL, g, t2, b, b, null); // b = p - g * (p W)
    }
}
