package org.fprnn.solve;

import java.util.Arrays;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Workspace;

/**
 * Anderson acceleration with per-sample mixing coefficients (MATH section 6 fact 7). Each sample
 * keeps its last m iterates X_j and residuals F_j = Phi(X_j) - X_j and takes
 * s <- sum_j a_j (X_j + beta F_j), with a = argmin ||sum_j a_j F_j|| subject to sum_j a_j = 1
 * (solved per sample from an m x m Gram matrix kept up to date one row per iteration, in double).
 * Mixing beta < 1 damps the step so that maps whose plain iteration diverges (an eigenvalue of the
 * Jacobian at -2, say) still converge when the underlying dynamics are stable.
 */
final class AndersonSolver implements Solver {
    private static final double RIDGE = 1e-10;

    private final SolverConfig config;
    private final Workspace ws = new Workspace();

    AndersonSolver(SolverConfig config) {
        this.config = config;
    }

    @Override
    public SolveResult solve(BatchMap map, Matrix s) {
        final int b = s.rows;
        final int n = s.cols;
        final int m = config.memory();
        final double beta = config.beta();
        final double tol = config.tol();
        Matrix[] xs = new Matrix[m];
        Matrix[] fs = new Matrix[m];
        for (int j = 0; j < m; j++) {
            xs[j] = ws.get("x" + j, b, n, s.precision());
            fs[j] = ws.get("f" + j, b, n, s.precision());
        }
        Matrix phi = ws.like("phi", s);
        double[] gram = ws.doubles("gram", b * m * m);
        double[] sys = new double[(m + 1) * (m + 1)];
        double[] rhs = new double[m + 1];
        double[] coef = new double[m];
        SampleTracker track = new SampleTracker(b);
        for (int k = 0; k < config.maxIter() && track.remaining() > 0; k++) {
            int slot = k % m;
            int hist = Math.min(k + 1, m);
            map.apply(s, phi);
            Matrix xk = xs[slot];
            Matrix fk = fs[slot];
            for (int i = 0; i < b; i++) {
                if (!track.active(i)) {
                    continue;
                }
                xk.copyRow(s, i, i);
                if (track.stopIfDone(i, residualRow(s, phi, fk, i, n) / map.residualScale(i), k, tol, true)) {
                    continue;
                }
                // Gram row of the new residual against the history, accumulated in double.
                int g0 = i * m * m;
                for (int j = 0; j < hist; j++) {
                    double d = rowDot(fk, fs[j], i, n);
                    gram[g0 + slot * m + j] = d;
                    gram[g0 + j * m + slot] = d;
                }
                if (!solveCoefficients(gram, g0, m, hist, sys, rhs, coef)) {
                    Ops.relaxRow(s, phi, i, beta);
                    continue;
                }
                mixRow(s, xs, fs, coef, hist, beta, i, n);
            }
        }
        return track.finish(map, s, phi, tol);
    }

    /** f_i = phi_i - s_i; returns max|f_i| (NaN if any is NaN). */
    private static double residualRow(Matrix s, Matrix phi, Matrix f, int i, int n) {
        int o = i * n;
        double mx = 0;
        switch (s) {
            case FMatrix sf -> {
                float[] x = sf.data, p = ((FMatrix) phi).data, d = ((FMatrix) f).data;
                for (int j = o; j < o + n; j++) {
                    float v = p[j] - x[j];
                    d[j] = v;
                    mx = Math.max(mx, Math.abs(v));
                }
            }
            case DMatrix sd -> {
                double[] x = sd.data, p = ((DMatrix) phi).data, d = ((DMatrix) f).data;
                for (int j = o; j < o + n; j++) {
                    double v = p[j] - x[j];
                    d[j] = v;
                    mx = Math.max(mx, Math.abs(v));
                }
            }
        }
        return mx;
    }

    /** Dot product of row i of a and c, accumulated in double. */
    private static double rowDot(Matrix a, Matrix c, int i, int n) {
        int o = i * n;
        double d = 0;
        switch (a) {
            case FMatrix af -> {
                float[] x = af.data, y = ((FMatrix) c).data;
                for (int j = o; j < o + n; j++) {
                    d += (double) x[j] * y[j];
                }
            }
            case DMatrix ad -> {
                double[] x = ad.data, y = ((DMatrix) c).data;
                for (int j = o; j < o + n; j++) {
                    d += x[j] * y[j];
                }
            }
        }
        return d;
    }

    /**
     * Solves the bordered system [H + ridge I, 1; 1^T, 0] [a; nu] = [0; 1] for the mixing
     * coefficients a of one sample (Gaussian elimination with partial pivoting, size hist + 1).
     */
    private static boolean solveCoefficients(double[] gram, int g0, int m, int hist, double[] sys,
                                             double[] rhs, double[] coef) {
        int sz = hist + 1;
        double scale = 0;
        for (int j = 0; j < hist; j++) {
            scale = Math.max(scale, gram[g0 + j * m + j]);
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            return false;
        }
        for (int r = 0; r < hist; r++) {
            for (int c = 0; c < hist; c++) {
                sys[r * sz + c] = gram[g0 + r * m + c] / scale + (r == c ? RIDGE : 0);
            }
            sys[r * sz + hist] = 1;
            sys[hist * sz + r] = 1;
            rhs[r] = 0;
        }
        sys[hist * sz + hist] = 0;
        rhs[hist] = 1;
        for (int col = 0; col < sz; col++) {
            int piv = col;
            for (int r = col + 1; r < sz; r++) {
                if (Math.abs(sys[r * sz + col]) > Math.abs(sys[piv * sz + col])) {
                    piv = r;
                }
            }
            if (sys[piv * sz + col] == 0) {
                return false;
            }
            if (piv != col) {
                for (int c = 0; c < sz; c++) {
                    double t = sys[col * sz + c];
                    sys[col * sz + c] = sys[piv * sz + c];
                    sys[piv * sz + c] = t;
                }
                double t = rhs[col];
                rhs[col] = rhs[piv];
                rhs[piv] = t;
            }
            for (int r = col + 1; r < sz; r++) {
                double f = sys[r * sz + col] / sys[col * sz + col];
                for (int c = col; c < sz; c++) {
                    sys[r * sz + c] -= f * sys[col * sz + c];
                }
                rhs[r] -= f * rhs[col];
            }
        }
        for (int r = sz - 1; r >= 0; r--) {
            double v = rhs[r];
            for (int c = r + 1; c < sz; c++) {
                v -= sys[r * sz + c] * rhs[c];
            }
            rhs[r] = v / sys[r * sz + r];
        }
        for (int j = 0; j < hist; j++) {
            coef[j] = rhs[j];
            if (!Double.isFinite(coef[j])) {
                return false;
            }
        }
        return true;
    }

    /** s_i = sum_h a_h (X_h,i + beta F_h,i), one contiguous pass per history entry. */
    private static void mixRow(Matrix s, Matrix[] xs, Matrix[] fs, double[] coef, int hist, double beta,
                               int i, int n) {
        int o = i * n;
        switch (s) {
            case FMatrix sf -> {
                float[] out = sf.data;
                Arrays.fill(out, o, o + n, 0f);
                for (int h = 0; h < hist; h++) {
                    float[] x = ((FMatrix) xs[h]).data;
                    float[] f = ((FMatrix) fs[h]).data;
                    float a = (float) coef[h];
                    float ab = (float) (coef[h] * beta);
                    for (int j = o; j < o + n; j++) {
                        out[j] += a * x[j] + ab * f[j];
                    }
                }
            }
            case DMatrix sd -> {
                double[] out = sd.data;
                Arrays.fill(out, o, o + n, 0.0);
                for (int h = 0; h < hist; h++) {
                    double[] x = ((DMatrix) xs[h]).data;
                    double[] f = ((DMatrix) fs[h]).data;
                    double a = coef[h];
                    double ab = coef[h] * beta;
                    for (int j = o; j < o + n; j++) {
                        out[j] += a * x[j] + ab * f[j];
                    }
                }
            }
        }
    }

    @Override public String name() { return "anderson"; }
    @Override public SolverConfig config() { return config; }
}
