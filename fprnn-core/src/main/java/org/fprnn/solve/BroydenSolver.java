package org.fprnn.solve;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Workspace;

/**
 * Limited-memory "good" Broyden on g(s) = Phi(s) - s, per sample, with no N x N matrix: the inverse
 * Jacobian estimate is H = -I + sum_k u_k v_k^T over at most {@code memory} rank-one updates, after
 * which a sample's memory restarts. Each sample keeps its own updates (batch independence).
 */
final class BroydenSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();

    BroydenSolver(SolverConfig config) {
        this.config = config;
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        final int b = s.rows;
        final int n = s.cols;
        final int m = Math.max(config.memory(), 8);
        final double tol = config.tol();
        Matrix phi = ws.like("phi", s);
        Matrix gPrev = ws.like("gPrev", s);
        Matrix sPrev = ws.like("sPrev", s);
        Matrix[] us = new Matrix[m];
        Matrix[] vs = new Matrix[m];
        for (int k = 0; k < m; k++) {
            us[k] = ws.get("u" + k, b, n, s.precision());
            vs[k] = ws.get("v" + k, b, n, s.precision());
        }
        double[] g = new double[n];
        double[] dg = new double[n];
        double[] dx = new double[n];
        double[] hdg = new double[n];
        double[] htdx = new double[n];
        int[] count = new int[b];
        SampleTracker track = new SampleTracker(b);
        for (int k = 0; k < config.maxIter() && track.remaining() > 0; k++) {
            map.apply(s, phi);
            for (int i = 0; i < b; i++) {
                if (!track.active(i)) {
                    continue;
                }
                int o = i * n;
                double mx = 0;
                for (int j = 0; j < n; j++) {
                    g[j] = phi.getFlat(o + j) - s.getFlat(o + j);
                    mx = Math.max(mx, Math.abs(g[j]));
                }
                if (Double.isNaN(g[0])) {
                    mx = Double.NaN;
                }
                if (track.stopIfDone(i, mx / map.residualScale(i), k, tol, true)) {
                    continue;
                }
                if (k > 0) {
                    for (int j = 0; j < n; j++) {
                        dx[j] = s.getFlat(o + j) - sPrev.getFlat(o + j);
                        dg[j] = g[j] - gPrev.getFlat(o + j);
                    }
                    applyH(us, vs, count[i], o, n, dg, hdg, false);
                    applyH(us, vs, count[i], o, n, dx, htdx, true);
                    double denom = 0;
                    for (int j = 0; j < n; j++) {
                        denom += dx[j] * hdg[j];
                    }
                    if (count[i] == m || !(Math.abs(denom) > 1e-300) || !Double.isFinite(denom)) {
                        count[i] = 0;
                    } else {
                        int c = count[i]++;
                        for (int j = 0; j < n; j++) {
                            us[c].setFlat(o + j, (dx[j] - hdg[j]) / denom);
                            vs[c].setFlat(o + j, htdx[j]);
                        }
                    }
                }
                applyH(us, vs, count[i], o, n, g, dx, false);
                for (int j = 0; j < n; j++) {
                    sPrev.setFlat(o + j, s.getFlat(o + j));
                    gPrev.setFlat(o + j, g[j]);
                    s.setFlat(o + j, s.getFlat(o + j) - dx[j]);
                }
            }
        }
        return track.finish(map, s, phi, tol);
    }

    /** out = H y (or H^T y) for sample row offset o, with H = -I + sum_k u_k v_k^T. */
    private static void applyH(Matrix[] us, Matrix[] vs, int count, int o, int n, double[] y, double[] out,
                               boolean transpose) {
        for (int j = 0; j < n; j++) {
            out[j] = -y[j];
        }
        for (int k = 0; k < count; k++) {
            Matrix p = transpose ? vs[k] : us[k];
            Matrix q = transpose ? us[k] : vs[k];
            double d = 0;
            for (int j = 0; j < n; j++) {
                d += q.getFlat(o + j) * y[j];
            }
            for (int j = 0; j < n; j++) {
                out[j] += p.getFlat(o + j) * d;
            }
        }
    }

    @Override public String name() { return "broyden"; }
    @Override public SolverConfig config() { return config; }
}
