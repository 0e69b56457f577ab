package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.RowKernels;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;

/**
 * Forward Euler on tau ds/dt = -s + Phi(s) with step alpha = dt/tau ("euler"), which is also the
 * damped fixed-point iteration s += alpha (Phi(s) - s) ("picard", alpha the damping). With
 * tol = 0 it runs exactly maxIter steps, as protocol P1 does. With per-unit time constants
 * ({@link BatchMap#stepScale()}), euler steps unit j by alpha_j = alpha * stepScale[j] (each must be
 * at most 1); picard ignores them.
 *
 * <p>One iteration is the map's products, then one pass per row, on row blocks over the cores
 * ({@link RowParallel}): the rest of Phi, the residual and the step, written into a second state
 * matrix (a sample that stops keeps its state). Every row is computed from its own data only, so the
 * bits do not depend on the thread count.
 */
final class EulerSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();
    private final Step step = new Step();

    EulerSolver(SolverConfig config) {
        this.config = config;
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        int b = s.rows;
        double alpha = config.alpha();
        double tol = config.tol();
        Matrix phi = ws.like("phi", s);
        Matrix other = ws.like("next", s);
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
        step.begin(map, phi, track, raw, alpha, alphas, ws);
        Matrix cur = s;
        Matrix next = other;
        int minRows = RowParallel.minRows(s.cols);
        for (int t = 0; t < config.maxIter() && track.remaining() > 0; t++) {
            map.applyProducts(cur, phi);
            step.cur = cur;
            step.next = next;
            RowParallel.forRows(b, minRows, step);
            for (int i = 0; i < b; i++) {
                if (track.active(i) && track.stopIfDone(i, map.residual(i, raw[i]), t, tol, tol > 0)) {
                    next.copyRow(cur, i, i); // a sample that stops keeps the state its residual was measured at
                }
            }
            Matrix swap = cur;
            cur = next;
            next = swap;
        }
        step.end();
        if (cur != s) {
            s.copyFrom(cur);
        }
        return track.finish(map, s, phi, tol);
    }

    /**
     * The row pass of one iteration: for each sample still iterating, phi = Phi(cur) (finishing the
     * map's row), raw = max|phi - cur| and next = cur + alpha (phi - cur).
     */
    private static final class Step implements RowParallel.RowBlock {
        BatchMap map;
        Matrix phi;
        Matrix cur;
        Matrix next;
        SampleTracker track;
        double[] raw;
        double alpha;
        double[] alphasD;
        float[] alphasF;

        void begin(BatchMap map, Matrix phi, SampleTracker track, double[] raw, double alpha, double[] alphas,
                   Workspace ws) {
            this.map = map;
            this.phi = phi;
            this.track = track;
            this.raw = raw;
            this.alpha = alpha;
            this.alphasD = alphas;
            this.alphasF = null;
            if (alphas != null && phi instanceof FMatrix) {
                // the float step rounds each alpha_j to float, as (float) alpha_j
                float[] af = ((FMatrix) ws.get("alphasF", 1, alphas.length, org.fprnn.linalg.Precision.FLOAT)).data;
                for (int j = 0; j < af.length; j++) {
                    af[j] = (float) alphas[j];
                }
                this.alphasF = af;
            }
        }

        void end() {
            map = null;
            phi = null;
            cur = null;
            next = null;
            track = null;
        }

        @Override
        public void rows(int part, int from, int to) {
            int n = phi.cols;
            int chunk = RowChunks.rows(n);
            for (int c = from; c < to; c += chunk) {
                int end = Math.min(c + chunk, to);
                RowChunks.finish(map, phi, phi, track, c, end);
                for (int i = c; i < end; i++) {
                    if (track.active(i)) {
                        step(i, n);
                    }
                }
            }
        }

        private void step(int i, int n) {
            int o = i * n;
            raw[i] = switch (phi) {
                case FMatrix p -> alphasF == null
                        ? RowKernels.eulerStep(p.data, ((FMatrix) cur).data, ((FMatrix) next).data, (float) alpha, o, n)
                        : RowKernels.eulerStep(p.data, ((FMatrix) cur).data, ((FMatrix) next).data, alphasF, o, n);
                case DMatrix p -> alphasD == null
                        ? RowKernels.eulerStep(p.data, ((DMatrix) cur).data, ((DMatrix) next).data, alpha, o, n)
                        : RowKernels.eulerStep(p.data, ((DMatrix) cur).data, ((DMatrix) next).data, alphasD, o, n);
            };
        }
    }

    @Override public String name() { return config.method(); }
    @Override public SolverConfig config() { return config; }
}
