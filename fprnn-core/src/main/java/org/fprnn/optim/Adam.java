package org.fprnn.optim;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * Adam with bias correction and decoupled weight decay (AdamW when wd > 0):
 * m = b1 m + (1-b1) D;  v = b2 v + (1-b2) D^2;  P -= lr (m_hat / (sqrt(v_hat) + eps) + wd P).
 */
public final class Adam implements Optimizer {
    private double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private Params state = new Params();
    private long t;

    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("Adam needs lr > 0, beta1 and beta2 in [0, 1), eps > 0,"
                    + " weight decay >= 0; got lr=" + lr + ", beta1=" + beta1 + ", beta2=" + beta2
                    + ", eps=" + eps + ", wd=" + weightDecay);
        }
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Params params, Params directions) {
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (String name : directions.names()) {
            Matrix p = params.get(name);
            Matrix d = directions.get(name);
            if (!state.has("m." + name)) {
                state.put("m." + name, d.zerosLike());
                state.put("v." + name, d.zerosLike());
            }
            Matrix m = state.get("m." + name);
            Matrix v = state.get("v." + name);
            for (int i = 0; i < d.size(); i++) {
                double g = d.getFlat(i);
                double mi = beta1 * m.getFlat(i) + (1 - beta1) * g;
                double vi = beta2 * v.getFlat(i) + (1 - beta2) * g * g;
                m.setFlat(i, mi);
                v.setFlat(i, vi);
                double pi = p.getFlat(i);
                p.setFlat(i, pi - lr * ((mi / c1) / (Math.sqrt(vi / c2) + eps) + weightDecay * pi));
            }
        }
    }

    @Override public double learningRate() { return lr; }
    @Override public void setLearningRate(double lr) { this.lr = lr; }

    @Override
    public Params state() {
        Params p = state.copy();
        org.fprnn.linalg.DMatrix step = new org.fprnn.linalg.DMatrix(1, 1);
        step.data[0] = t;
        return p.put("step", step);
    }

    @Override
    public void restore(Params s) {
        state = new Params();
        for (String n : s.names()) {
            if (n.equals("step")) {
                t = (long) s.get(n).getFlat(0);
            } else {
                state.put(n, s.get(n).copy());
            }
        }
    }
}
