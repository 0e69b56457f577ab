package org.fprnn.simulate;

import java.util.function.DoubleUnaryOperator;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.FixedPointNetwork;

/**
 * x(t) = (1 - c(t)) xa + c(t) xb for a weight c(t) in [0, 1]. Since the drive is affine in x, h(t)
 * = (1 - c) ha + c hb with ha, hb the drives of xa and xb, computed once per network: a step costs
 * O(B N) for the drive instead of O(B n_in N). At c = 0 and c = 1 the input is exactly xa or xb.
 */
final class Blend implements Stimulus {
    private final Matrix xa;
    private final Matrix xb;
    private final DoubleUnaryOperator weight;
    private final String description;

    Blend(Matrix xa, Matrix xb, DoubleUnaryOperator weight, String description) {
        if (!xa.sameShape(xb)) {
            throw new IllegalArgumentException("the two inputs have shapes " + xa.shape() + " and " + xb.shape());
        }
        this.xa = xa.copy();
        this.xb = xb.copy();
        this.weight = weight;
        this.description = description;
    }

    @Override public int batch() { return xa.rows; }
    @Override public int inputs() { return xa.cols; }

    double weight(double t) {
        return weight.applyAsDouble(t);
    }

    @Override
    public void input(double t, Matrix out) {
        double c = weight(t);
        for (int i = 0; i < out.size(); i++) {
            out.setFlat(i, (1 - c) * xa.getFlat(i) + c * xb.getFlat(i));
        }
    }

    @Override
    public Drive drive(FixedPointNetwork net) {
        Stimulus.checkInputs(net, this);
        var p = net.precision();
        Matrix ha = p.zeros(batch(), net.units());
        Matrix hb = p.zeros(batch(), net.units());
        net.inputDrive(xa.to(p), ha);
        net.inputDrive(xb.to(p), hb);
        return (t, h) -> {
            double c = weight(t);
            if (c == 0.0) {
                h.copyFrom(ha);
            } else if (c == 1.0) {
                h.copyFrom(hb);
            } else {
                Ops.lincomb(1 - c, ha, c, hb, h);
            }
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
