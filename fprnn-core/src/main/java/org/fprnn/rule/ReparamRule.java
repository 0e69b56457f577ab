package org.fprnn.rule;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.operator.DenseOperator;
import org.fprnn.solve.Equilibrium;

/**
 * "reparam" [dW2], MATH section 3.3: the exact reparameterized step of a linear network
 * f(z) = g z. With A = (G^{-1} - W)^{-1} (N x N), one step of size lr is
 * A' = A - lr mean_i(e_i h_i^T) and W' = G^{-1} - A'^{-1}; the direction is D_W = (W - W') / lr.
 * It needs two N x N inverses (in double) and is defined for W only; the read-out takes its plain
 * gradient.
 */
final class ReparamRule extends AbstractRule {

    ReparamRule(RuleSettings settings) {
        super(settings);
        if (!(settings.lr() > 0)) {
            throw new IllegalArgumentException("the reparam rule needs a learning rate > 0 (--lr), got "
                    + settings.lr());
        }
    }

    @Override
    public String name() {
        return "reparam";
    }

    /** False: W' inverts A' built from the whole batch's mean, so shard directions do not add up. */
    @Override
    public boolean meanOverSamples() {
        return false;
    }

    @Override
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq) {
        if (!(net.nonlinearity() instanceof Nonlinearity.Linear lin)) {
            throw new IllegalArgumentException("the reparam rule is defined for linear networks only"
                    + " (nonlinearity linear), not " + net.nonlinearity().name());
        }
        if (!(net.recurrent() instanceof DenseOperator) || !net.params().has("W")) {
            throw new IllegalArgumentException("the reparam rule is defined for a dense recurrent matrix W only"
                    + " (MATH section 3.3), not for " + net.recurrent().getClass().getSimpleName());
        }
        if (net.isTrained("U") || net.isTrained("b")) {
            throw new IllegalArgumentException("the reparam rule trains W (and the read-out) only;"
                    + " do not train the read-in or the bias with it");
        }
        Params dirs = directions(net);
        Readout ro = readout(net, batch, eq.rates(), dirs);
        if (dirs.has("W")) {
            DMatrix step = new DMatrix(net.units(), net.units());
            reparamStep(net.params().get("W").toDouble(), lin.gain(), ro.e().toDouble(), eq.h().toDouble(),
                    settings.lr(), step);
            dirs.get("W").copyFrom(step);
        }
        return new RuleResult(dirs, ro.loss(), ro.correct(), null);
    }

    /**
     * MATH section 3.3 in double: A = (G^{-1} - W)^{-1}, A' = A - lr e^T h / B, W' = G^{-1} - A'^{-1},
     * direction (W - W') / lr, written into {@code out} (N x N). e and h are B x N.
     */
    static void reparamStep(DMatrix w, double gain, DMatrix e, DMatrix h, double lr, DMatrix out) {
        int n = w.rows;
        DMatrix a = reparamMatrix(w, gain);
        Ops.gemm(true, false, -lr / e.rows, e, h, 1, a);       // A' = A - lr mean_i e_i h_i^T
        try {
            Decompositions.invert(a);                                   // A'^{-1}
        } catch (IllegalStateException singular) {
            throw new IllegalStateException("A' is singular after the reparam step; lower the learning rate", singular);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double wNew = (i == j ? 1.0 / gain : 0.0) - a.data[i * n + j];
                out.data[i * n + j] = (w.data[i * n + j] - wNew) / lr;
            }
        }
    }

    /** A = (G^{-1} - W)^{-1} for G = gain I (MATH section 3.3). */
    static DMatrix reparamMatrix(DMatrix w, double gain) {
        int n = w.rows;
        DMatrix a = new DMatrix(n, n);
        for (int i = 0; i < n * n; i++) {
            a.data[i] = -w.data[i];
        }
        for (int i = 0; i < n; i++) {
            a.data[i * n + i] += 1.0 / gain;
        }
        try {
            Decompositions.invert(a);
        } catch (IllegalStateException singular) {
            throw new IllegalStateException("G^-1 - W is singular: the linear network has no unique fixed point", singular);
        }
        return a;
    }
}
