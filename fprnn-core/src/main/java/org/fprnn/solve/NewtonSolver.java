package org.fprnn.solve;

import java.util.Arrays;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;
import org.fprnn.linalg.Lapack;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.SingularMatrixException;
import org.fprnn.linalg.Workspace;

/**
 * Newton's method on F(s) = Phi(s) - s, one dense N x N LU per sample and iteration (small and
 * medium N only): s += t (I - J)^{-1} (Phi(s) - s) with J = dPhi/ds. The step t halves for a sample
 * whose residual grew and recovers towards 1 after progress. For an affine map (a linear network
 * with fixed gains) I - J is factored once for the whole batch and one step is exact: that is the
 * "direct" solver, which refuses maps that are not affine. A sample whose I - J cannot be factored
 * (singular: the network is at a bifurcation there; or not finite) has no Newton step: it stops
 * where it is and is reported as not converged, as a sample that misses the tolerance is.
 */
final class NewtonSolver implements Solver {
    private final SolverConfig config;
    private final Workspace ws = new Workspace();

    NewtonSolver(SolverConfig config) {
        this.config = config;
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        boolean direct = config.method().equals("direct");
        if (direct && !map.affine()) {
            throw new IllegalArgumentException("the direct solver needs a linear network with fixed gains"
                    + " (nonlinearity linear); use newton, anderson or euler");
        }
        int b = s.rows;
        int n = s.cols;
        double tol = config.tol();
        Matrix phi = ws.like("phi", s);
        DMatrix jac = (DMatrix) ws.get("jac", n, n, Precision.DOUBLE);
        DMatrix rhs = (DMatrix) ws.get("rhs", b, n, Precision.DOUBLE);
        Lapack.Lu shared = null;
        double[] raw = ws.doubles("raw", b);
        double[] prevRes = ws.doubles("prevRes", b);
        double[] step = ws.doubles("step", b);
        Arrays.fill(step, 1.0);
        Arrays.fill(prevRes, Double.POSITIVE_INFINITY);
        int[] rowOf = new int[b]; // per solve
        double[] d = ws.doubles("delta", n);
        DMatrix lu = n <= SMALL ? (DMatrix) ws.get("lu", n, n, Precision.DOUBLE) : null;
        int[] piv = pivots(n);
        SampleTracker track = new SampleTracker(b);
        for (int k = 0; k < config.maxIter() && track.remaining() > 0; k++) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, raw);
            int count = 0;
            for (int i = 0; i < b; i++) {
                if (!track.active(i)) {
                    continue;
                }
                double r = map.residual(i, raw[i]);
                if (track.stopIfDone(i, r, k, tol, true)) {
                    continue;
                }
                step[i] = r > prevRes[i] ? Math.max(step[i] * 0.5, 1.0 / 64) : Math.min(1.0, step[i] * 2);
                prevRes[i] = r;
                for (int p = 0; p < n; p++) {
                    rhs.data[count * n + p] = phi.getFlat(i * n + p) - s.getFlat(i * n + p);
                }
                if (map.affine()) {
                    rowOf[count++] = i;
                    continue;
                }
                // One sample's Newton system (I - J_i) d = Phi(s_i) - s_i.
                System.arraycopy(rhs.data, 0, d, 0, n);
                if (n <= SMALL) {
                    map.jacobian(s, i, lu);
                    for (int p = 0; p < n * n; p++) {
                        lu.data[p] = -lu.data[p];
                    }
                    for (int p = 0; p < n; p++) {
                        lu.data[p * n + p] += 1.0;
                    }
                    if (!finite(lu.data, n * n) || !Decompositions.luInPlace(lu.data, n, piv)) {
                        track.stopNotConverged(i, k);
                        continue;
                    }
                    Decompositions.luSolve(lu.data, n, piv, d);
                } else {
                    Lapack.Lu f = factor(map, s, i, jac);
                    if (f == null) {
                        track.stopNotConverged(i, k);
                        continue;
                    }
                    f.solveRows(new DMatrix(1, n, d));
                }
                update(s, i, d, 0, step[i], n);
            }
            if (map.affine() && count > 0) {
                // One shared factorization for every sample and iteration: the direct solve.
                if (shared == null) {
                    shared = factor(map, s, rowOf[0], jac);
                }
                if (shared == null) {
                    for (int c = 0; c < count; c++) {
                        track.stopNotConverged(rowOf[c], k);
                    }
                    continue;
                }
                DMatrix block = count == b ? rhs : new DMatrix(count, n, Arrays.copyOf(rhs.data, count * n));
                // (direct solves take one or two iterations; Lapack's solve allocates a little per call)
                shared.solveRows(block);
                for (int c = 0; c < count; c++) {
                    update(s, rowOf[c], block.data, c * n, step[rowOf[c]], n);
                }
            }
        }
        return track.finish(map, s, phi, tol);
    }

    /** True if the first len entries of a are finite (a NaN off the pivots would pass the LU's own check). */
    private static boolean finite(double[] a, int len) {
        for (int p = 0; p < len; p++) {
            if (!Double.isFinite(a[p])) {
                return false;
            }
        }
        return true;
    }

    /** LU of I - dPhi/ds at row i, or null where it has none (singular, or not finite). */
    private static Lapack.Lu factor(BatchMap map, Matrix s, int i, DMatrix jac) {
        int n = jac.rows;
        map.jacobian(s, i, jac);
        DMatrix a = new DMatrix(n, n);
        for (int p = 0; p < n; p++) {
            for (int q = 0; q < n; q++) {
                a.data[p * n + q] = (p == q ? 1.0 : 0.0) - jac.data[p * n + q];
            }
        }
        if (!a.allFinite()) {
            return null;
        }
        try {
            return Decompositions.lu(a);
        } catch (SingularMatrixException singular) {
            return null;
        }
    }

    /**
     * Largest N whose per-sample systems are factored here, in place in the workspace (nothing
     * allocated per sample and iteration, by {@link Decompositions#luInPlace}); larger ones go to {@link Lapack}. Measured here (one
     * thread, per sample and iteration): the two take the same time up to N = 96, and at N = 128 and
     * 150 the plain-Java LU takes 2 to 2.5 times as long as OpenBLAS's, whose allocations there are
     * small next to its O(N^3) work.
     */
    static final int SMALL = 96;

    private int[] pivots(int n) {
        if (piv == null || piv.length != n) {
            piv = new int[n];
        }
        return piv;
    }

    private int[] piv;

    private static void update(Matrix s, int i, double[] d, int off, double t, int n) {
        for (int p = 0; p < n; p++) {
            s.setFlat(i * n + p, s.getFlat(i * n + p) + t * d[off + p]);
        }
    }

    @Override public String name() { return config.method(); }
    @Override public SolverConfig config() { return config; }
}
