package org.fprnn.diag;

import java.util.Arrays;
import java.util.List;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;

/**
 * Training-time diagnostics of MATH section 5 for one run: at a step, on its training batch and the
 * state the forward solver returned,
 *
 * <ul>
 *   <li>the angle between the run's rule direction and the gradient rule's direction (MATH 3.1,
 *       computed by a separate gradient rule with its own workspaces on the same batch and
 *       equilibrium), over every trained parameter and over the recurrent operator's parameters;
 *       for the gradient rule itself the angle is 0 by definition and not recomputed;</li>
 *   <li>the distance to singularity sigma_min(I - G_i W) (MATH sections 2 and 5) on the first
 *       {@link DiagnosticSettings#samples()} samples, with G_i = diag(f'(z_i)) at the returned state
 *       (the true Jacobian's gains, whatever gain convention the rule uses) and W the recurrent
 *       operator's effective N x N matrix ({@link org.fprnn.operator.LinearMap#dense()}: for a
 *       layered network the whole stacked operator with its W_k, F_k, B_k blocks; for a convolution
 *       its N x N matrix): an exact SVD up to {@link DiagnosticSettings#exactMaxUnits()} units,
 *       above that the inverse-iteration estimate of {@link Singularity#estimate} (50 iterations,
 *       relative change 1e-6; it approaches sigma_min from above), not computed above
 *       {@link DiagnosticSettings#denseMaxUnits()}.</li>
 * </ul>
 *
 * Nothing here writes to the network, the batch, the equilibrium or the rule's directions, so the
 * training trajectory is the same with and without diagnostics. Not thread-safe (one per run).
 */
public final class TrainingDiagnostics {
    private final DiagnosticSettings settings;
    private final String rule;
    private final Rule gradient;

    /**
     * @param rule the run's rule name
     * @param ruleSettings the run's rule settings (loss, gains, adjoint solver) for the gradient rule
     */
    public TrainingDiagnostics(DiagnosticSettings settings, String rule, RuleSettings ruleSettings) {
        this.settings = settings;
        this.rule = rule;
        this.gradient = rule.equals("gradient") ? null : Rules.create("gradient", ruleSettings);
    }

    public DiagnosticSettings settings() {
        return settings;
    }

    /**
     * Measures the diagnostics of one step.
     *
     * @param direction the rule's directions for this batch (read only)
     */
    public StepDiagnostics measure(FixedPointNetwork net, Batch batch, Equilibrium eq, Params direction) {
        long t0 = System.nanoTime();
        double angle;
        double angleRecurrent;
        List<String> recurrent = net.recurrent().parameterNames().stream().filter(direction::has).toList();
        if (gradient == null) {
            angle = direction.allFinite() && direction.norm() > 0 ? 0.0 : Double.NaN;
            angleRecurrent = recurrent.isEmpty() ? Double.NaN : angle;
        } else {
            Params g = gradient.compute(net, batch, eq).directions();
            angle = Angles.degrees(direction, g);
            angleRecurrent = recurrent.isEmpty() ? Double.NaN : Angles.degrees(direction, g, recurrent);
        }
        String method = settings.singularityMethod(net.units());
        double min = Double.NaN;
        double median = Double.NaN;
        int k = 0;
        if (!method.equals("none")) {
            k = Math.min(settings.samples(), batch.size());
            double[] s = distances(net, eq, k, method.equals("exact"));
            double[] sorted = s.clone();
            Arrays.sort(sorted);
            min = Double.POSITIVE_INFINITY;
            for (double v : s) {
                min = Double.isNaN(v) ? Double.NaN : Math.min(min, v);
                if (Double.isNaN(min)) {
                    break;
                }
            }
            median = k % 2 == 1 ? sorted[k / 2] : 0.5 * (sorted[k / 2 - 1] + sorted[k / 2]);
        }
        return new StepDiagnostics(angle, angleRecurrent, min, median, k, method, (System.nanoTime() - t0) / 1e9);
    }

    /** sigma_min(I - G_i W) for the first k samples, G_i = f'(z_i) at the equilibrium. */
    static double[] distances(FixedPointNetwork net, Equilibrium eq, int k, boolean exact) {
        Matrix z = eq.z();
        Matrix zk = z.like(k, z.cols);
        for (int i = 0; i < k; i++) {
            zk.copyRow(z, i, i);
        }
        Matrix g = zk.like(k, z.cols);
        net.nonlinearity().derivative(zk, g);
        if (!g.allFinite()) {
            double[] nan = new double[k];
            Arrays.fill(nan, Double.NaN);
            return nan;
        }
        DMatrix w = net.recurrent().dense();
        if (!w.allFinite()) {
            double[] nan = new double[k];
            Arrays.fill(nan, Double.NaN);
            return nan;
        }
        return exact ? Singularity.exact(w, g, k) : Singularity.estimate(w, g, k, 50, 1e-6);
    }
}
