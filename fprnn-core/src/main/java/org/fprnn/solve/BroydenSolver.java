package org.fprnn.solve;

import java.util.ArrayList;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Workspace;

/**
 * Limited-memory "good" Broyden on g(s) = Phi(s) - s, per sample, with no N x N matrix: the inverse
 * Jacobian estimate is H = -I + sum_k u_k v_k^T over at most {@code memory} rank-one updates, after
 * which a sample's memory restarts. Each sample keeps its own updates (batch independence), and
 * samples that have stopped leave the map's products ({@link #solve}).
 */
final class BroydenSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();

    /** Workspace keys of the rank-one updates, made once. */
    private final String[] uKeys;
    private final String[] vKeys;

    BroydenSolver(SolverConfig config) {
        this.config = config;
        int m = Math.max(config.memory(), 8);
        uKeys = new String[m];
        vKeys = new String[m];
        for (int k = 0; k < m; k++) {
            uKeys[k] = "u" + k;
            vKeys[k] = "v" + k;
        }
    }

    /** One compaction level's matrices (level 0: the whole batch, its state the caller's); see AndersonSolver. */
    private static final class Level {
        final Workspace ws;
        Matrix s;
        Matrix phi;
        Matrix gPrev;
        Matrix sPrev;
        final Matrix[] us;
        final Matrix[] vs;

        Level(Workspace ws, int m) {
            this.ws = ws;
            us = new Matrix[m];
            vs = new Matrix[m];
        }
    }

    /** The compaction levels used so far, by ladder step ({@link SampleTracker#ladderStep()}). */
    private final ArrayList<Level> levels = new ArrayList<>();

    /** Level {@code j}'s matrices for {@code count} rows (at level 0 the state is the caller's {@code s0}). */
    private Level level(int j, Matrix s0, int count, int n, int m) {
        while (levels.size() <= j) {
            levels.add(new Level(levels.isEmpty() ? ws : new Workspace(), m));
        }
        Level lv = levels.get(j);
        var p = s0.precision();
        lv.s = j == 0 ? s0 : lv.ws.get("s", count, n, p);
        lv.phi = lv.ws.get("phi", count, n, p);
        lv.gPrev = lv.ws.get("gPrev", count, n, p);
        lv.sPrev = lv.ws.get("sPrev", count, n, p);
        for (int k = 0; k < m; k++) {
            lv.us[k] = lv.ws.get(uKeys[k], count, n, p);
            lv.vs[k] = lv.ws.get(vKeys[k], count, n, p);
        }
        return lv;
    }

    /**
     * Iterates on the samples still iterating only, as {@link AndersonSolver} does: once they fit into
     * a smaller size of the ladder, the stopped samples' states go to their rows of {@code s} and the
     * kept rows' states and Broyden updates are packed into that level's matrices, with the map
     * restricted to them. The results are the same for every thread count; their last bits may
     * differ from an uncompacted solve's (see {@link BatchMap#restrict}).
     */
    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        final int b = s.rows;
        final int n = s.cols;
        final int m = uKeys.length;
        final double tol = config.tol();
        Level lv = level(0, s, b, n, m);
        double[] g = new double[n];
        double[] dg = new double[n];
        double[] dx = new double[n];
        double[] hdg = new double[n];
        double[] htdx = new double[n];
        int[] count = new int[b];
        SampleTracker track = new SampleTracker(b, ws.ints("rowSamples", b), ws.ints("rowsMovedFrom", b));
        BatchMap work = map;
        for (int k = 0; k < config.maxIter() && track.remaining() > 0; k++) {
            Matrix cur = lv.s;
            Matrix phi = lv.phi;
            Matrix gPrev = lv.gPrev;
            Matrix sPrev = lv.sPrev;
            Matrix[] us = lv.us;
            Matrix[] vs = lv.vs;
            work.apply(cur, phi);
            for (int i = 0, rows = track.workingRows(); i < rows; i++) {
                if (!track.active(i)) {
                    continue;
                }
                int o = i * n;
                double mx = 0;
                for (int j = 0; j < n; j++) {
                    g[j] = phi.getFlat(o + j) - cur.getFlat(o + j);
                    mx = Math.max(mx, Math.abs(g[j]));
                }
                if (Double.isNaN(g[0])) {
                    mx = Double.NaN;
                }
                if (track.stopIfDone(i, work.residual(i, mx), k, tol, true)) {
                    continue;
                }
                if (k > 0) {
                    for (int j = 0; j < n; j++) {
                        dx[j] = cur.getFlat(o + j) - sPrev.getFlat(o + j);
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
                    sPrev.setFlat(o + j, cur.getFlat(o + j));
                    gPrev.setFlat(o + j, g[j]);
                    cur.setFlat(o + j, cur.getFlat(o + j) - dx[j]);
                }
            }
            if (track.worthCompacting() && k + 1 < config.maxIter()) {
                Level from = lv;
                track.saveStates(from.s, s, false);
                int rows = track.compact();
                lv = level(track.ladderStep(), s, rows, n, m);
                track.gather(from.s, lv.s);
                track.gather(from.gPrev, lv.gPrev);
                track.gather(from.sPrev, lv.sPrev);
                for (int c = 0; c < m; c++) {
                    track.gather(from.us[c], lv.us[c]);
                    track.gather(from.vs[c], lv.vs[c]);
                }
                for (int i = 0; i < rows; i++) { // new row i <= old row movedFrom(i)
                    count[i] = count[track.movedFrom(i)];
                }
                work = map.restrict(track.samples(), rows, lv.ws);
            }
        }
        track.saveStates(lv.s, s, true);
        return track.finish(work, lv.s, lv.phi, s, tol);
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
