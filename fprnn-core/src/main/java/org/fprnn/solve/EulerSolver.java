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
        double[] res = new double[b];
        boolean[] converged = new boolean[b];
        int[] iterations = new int[b];
        boolean[] active = new boolean[b];
        java.util.Arrays.fill(active, true);
        int remaining = b;
        int steps = config.maxIter();
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
        for (int t = 0; t < steps && remaining > 0; t++) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, res);
            for (int i = 0; i < b; i++) {
                if (!active[i]) {
                    continue;
                }
                double r = res[i] / map.residualScale(i);
                if (tol > 0 && r <= tol) {
                    active[i] = false;
                    converged[i] = true;
                    iterations[i] = t;
                    remaining--;
                } else {
                    if (alphas == null) {
                        Ops.relaxRow(s, phi, i, alpha);
                    } else {
                        Ops.relaxRow(s, phi, i, alphas);
                    }
                    iterations[i] = t + 1;
                }
            }
        }
        // Residuals of the samples still iterating, at the state actually returned.
        double[] finalRes = new double[b];
        if (remaining > 0) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, finalRes);
        }
        int itMax = 0;
        for (int i = 0; i < b; i++) {
            if (active[i]) {
                res[i] = finalRes[i] / map.residualScale(i);
                converged[i] = res[i] <= tol;
            } else {
                res[i] = res[i] / map.residualScale(i);
            }
            itMax = Math.max(itMax, iterations[i]);
        }
        return new SolveResult(s, res, converged, iterations, itMax);
    }

    @Override public String name() { return config.method(); }
    @Override public SolverConfig config() { return config; }
}
