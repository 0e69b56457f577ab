package org.fprnn.optim;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * Adam with bias correction and decoupled weight decay (AdamW when wd > 0):
 * m = b1 m + (1-b1) D;  v = b2 v + (1-b2) D^2;  P -= lr (m_hat / (sqrt(v_hat) + eps) + wd P).
 *
 * <p>With a global second moment, v is one number for all trained parameters together, fed by the
 * mean of D^2 over all their entries: v = b2 v + (1-b2) sum_P ||D_P||^2 / n (n entries in all). The
 * update is then m_hat times one positive scalar: it keeps the direction the rule gave (up to
 * momentum), and only its overall size adapts, to about lr per entry in root mean square. Per-entry
 * scaling (the default) turns a direction that is not a gradient into one that can point uphill: with
 * the linearized rules on two layers, the blocks of the layer the read-out does not see get small,
 * uninformative directions that Adam scales up to full-size steps (docs/findings/linearized-adam.md).
 */
public final class Adam implements Optimizer {
    private double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean globalSecondMoment;
    private Params state = new Params();
    private long t;

    /** Adam with a second moment per entry (the usual one). */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, false);
    }

    /**
     * @param globalSecondMoment one second moment for all trained parameters together (see the class
     *     comment) instead of one per entry
     */
    public Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean globalSecondMoment) {
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
        this.globalSecondMoment = globalSecondMoment;
    }

    /** State key of the global second moment, a 1 x 1 matrix (no parameter is named so). */
    public static final String GLOBAL_V = "v_global";

    @Override
    public void step(Params params, Params directions) {
        t++;
        if (globalSecondMoment) {
            stepGlobal(params, directions);
            return;
        }
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (String name : directions.names()) {
            Matrix p = params.get(name);
            Matrix d = directions.get(name);
            Matrix m = slot("m." + name, d);
            Matrix v = slot("v." + name, d);
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

    /**
     * The step with one second moment for all parameters: v from the mean of D^2 over every entry of
     * every direction, then P -= lr (m_hat / (sqrt(v_hat) + eps) + wd P) per entry.
     */
    private void stepGlobal(Params params, Params directions) {
        double sumSq = directions.dot(directions);
        long entries = 0;
        for (String name : directions.names()) {
            entries += directions.get(name).size();
        }
        if (!state.has(GLOBAL_V)) {
            state.put(GLOBAL_V, new DMatrix(1, 1));
        }
        Matrix vm = state.get(GLOBAL_V);
        double v = beta2 * vm.getFlat(0) + (1 - beta2) * (entries == 0 ? 0 : sumSq / entries);
        vm.setFlat(0, v);
        double c1 = 1 - Math.pow(beta1, t);
        double scale = 1 / (c1 * (Math.sqrt(v / (1 - Math.pow(beta2, t))) + eps));
        for (String name : directions.names()) {
            Matrix p = params.get(name);
            Matrix d = directions.get(name);
            Matrix m = slot("m." + name, d);
            for (int i = 0; i < d.size(); i++) {
                double mi = beta1 * m.getFlat(i) + (1 - beta1) * d.getFlat(i);
                m.setFlat(i, mi);
                double pi = p.getFlat(i);
                p.setFlat(i, pi - lr * (mi * scale + weightDecay * pi));
            }
        }
    }

    /** The state matrix {@code key}, zeros shaped like {@code like} at first use. */
    private Matrix slot(String key, Matrix like) {
        if (!state.has(key)) {
            state.put(key, like.zerosLike());
        }
        return state.get(key);
    }

    /** True if the second moment is one number for all parameters. */
    public boolean globalSecondMoment() {
        return globalSecondMoment;
    }

    @Override public double learningRate() { return lr; }
    @Override public void setLearningRate(double lr) { this.lr = lr; }

    @Override
    public Params state() {
        Params p = state.copy();
        DMatrix step = new DMatrix(1, 1);
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
