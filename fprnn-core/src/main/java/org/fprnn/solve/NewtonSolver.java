package org.fprnn.solve;

import java.util.Arrays;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Workspace;

/**
 * Newton's method on F(s) = Phi(s) - s, one dense N x N LU per sample and iteration (small and
 * medium N only): s += t (I - J)^{-1} (Phi(s) - s) with J = dPhi/ds. The step t halves for a sample
 * whose residual grew and recovers towards 1 after progress. For an affine map (a linear network
 * with fixed gains) I - J is factored once for the whole batch and one step is exact: that is the
 * "direct" solver, which refuses maps that are not affine.
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
        DMatrix jac = (DMatrix) ws.get("jac", n, n, org.fprnn.linalg.Precision.DOUBLE);
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        DMatrixRMaj rhs = new DMatrixRMaj(n, 1);
        DMatrixRMaj d = new DMatrixRMaj(n, 1);
        LinearSolverDense<DMatrixRMaj> lu = LinearSolverFactory_DDRM.lu(n);
        boolean factoredOnce = false;
        double[] res = new double[b];
        double[] prevRes = new double[b];
        double[] step = new double[b];
        Arrays.fill(step, 1.0);
        Arrays.fill(prevRes, Double.POSITIVE_INFINITY);
        boolean[] converged = new boolean[b];
        boolean[] active = new boolean[b];
        int[] iterations = new int[b];
        Arrays.fill(active, true);
        int remaining = b;
        int maxIter = config.maxIter();
        for (int k = 0; k < maxIter && remaining > 0; k++) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, res);
            for (int i = 0; i < b; i++) {
                if (!active[i]) {
                    continue;
                }
                double r = res[i] / map.residualScale(i);
                if (r <= tol || !Double.isFinite(r)) {
                    active[i] = false;
                    converged[i] = r <= tol;
                    iterations[i] = k;
                    remaining--;
                    continue;
                }
                if (!map.affine() || !factoredOnce) {
                    map.jacobian(s, i, jac);
                    for (int p = 0; p < n; p++) {
                        for (int q = 0; q < n; q++) {
                            a.data[p * n + q] = (p == q ? 1.0 : 0.0) - jac.data[p * n + q];
                        }
                    }
                    if (!lu.setA(a)) {
                        throw new IllegalStateException("I - dPhi/ds is singular for sample " + i
                                + "; the network is at a bifurcation, use euler or anderson");
                    }
                    factoredOnce = true;
                }
                if (r > prevRes[i]) {
                    step[i] = Math.max(step[i] * 0.5, 1.0 / 64);
                } else {
                    step[i] = Math.min(1.0, step[i] * 2);
                }
                prevRes[i] = r;
                for (int p = 0; p < n; p++) {
                    rhs.data[p] = phi.getFlat(i * n + p) - s.getFlat(i * n + p);
                }
                lu.solve(rhs, d);
                for (int p = 0; p < n; p++) {
                    s.setFlat(i * n + p, s.getFlat(i * n + p) + step[i] * d.data[p]);
                }
                iterations[i] = k + 1;
            }
        }
        if (remaining > 0) {
            map.apply(s, phi);
            Ops.rowMaxAbsDiff(s, phi, res);
        }
        int itMax = 0;
        for (int i = 0; i < b; i++) {
            if (active[i]) {
                res[i] = res[i] / map.residualScale(i);
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
