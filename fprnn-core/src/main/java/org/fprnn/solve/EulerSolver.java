package org.fprnn.solve;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Workspace;

/**
 * Forward Euler on tau ds/dt = -s + Phi(s) with step alpha = dt/tau ("euler"), which is also the
 * damped fixed-point iteration s += alpha (Phi(s) - s) ("picard", alpha the damping). With
 * tol = 0 it runs exactly maxIter steps, as protocol P1 does. With per-unit time constants
 * ({@link BatchMap#stepScale()}), euler steps unit j by alpha_j = alpha * stepScale[j] (each must be
 * at most 1); picard ignores them.
 */
final class EulerSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();

    EulerSolver(SolverConfig config) {
        this.config = config;
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        int b = s.rows;
        double alpha = config.alpha();
        double tol = config.tol();
        Matrix phi = ws.like("phi", s);
        double[] raw = ws.doubles("raw", b);
        SampleTracker track = new SampleTracker(b);
        double[] alphas = config.method().equals("euler") ? map.stepScale() : null;
        if (alphas != null) {
            double[] a = ws.doubles("alphas", alphas.length);
            for (int j = 0; j < a.length; j++) {
                a[j] = alpha * alphas[j];
                if (!(a[j] > 0 && a[j] <= 1)) {
                    throw new IllegalArgumentException("per-unit Euler step alpha / tau_" + j + " = " + a[j]
                            + " is outside (0, 1]: lower alpha (dt) or raise that time constant");
                }
            }
            alphas = a;
        }
        for (int t = 0; t < config.maxIter() && track.remaining() > 0; t++) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, raw);
            for (int i = 0; i < b; i++) {
                if (track.active(i) && !track.stopIfDone(i, raw[i] / map.residualScale(i), t, tol, tol > 0)) {
                    if (alphas == null) {
                        Ops.relaxRow(s, phi, i, alpha);
                    } else {
                        Ops.relaxRow(s, phi, i, alphas);
                    }
                }
            }
        }
        return track.finish(map, s, phi, tol);
    }

    @Override public String name() { return config.method(); }
    @Override public SolverConfig config() { return config; }
}
