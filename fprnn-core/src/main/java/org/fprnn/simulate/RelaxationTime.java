package org.fprnn.simulate;

import org.fprnn.diag.Spectra;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;

/**
 * The slowest relaxation time of a network at its fixed points (MATH section 7).
 *
 * <p>Linearized at a fixed point with gains G = diag(f'(z)), the rate dynamics relax as
 * T d(dr)/dt = (G W - I) dr, so the slowest mode decays at rate
 * <pre>  rate = min over eigenvalues of -Re eig(T^{-1} (G W - I))</pre>
 * and tau_relax = 1 / rate; for a scalar tau this is tau_relax = tau / (1 - max Re eig(G W)).
 * The current dynamics relax as T d(dv)/dt = (W G - I) dv, and since T and G are diagonal,
 * T^{-1} (W G - I) = G^{-1} [T^{-1} (G W - I)] G has the same eigenvalues: one formula serves both.
 * The discrete map contracts by the spectral radius rho(G W) per step, so with dt the time of one
 * step, tau_relax = dt / (-ln rho(G W)). An unstable fixed point (rate <= 0, rho >= 1) has
 * tau_relax = +infinity.
 *
 * <p>Over several fixed points (samples of a batch, points along an input path) the slowest one
 * counts: {@link #value()} is the largest tau_relax, {@link #perPoint()} lists each.
 *
 * @param value tau_relax, the largest over the points examined
 * @param eigenvalue at the slowest point: max Re eig(G W) (scalar tau), max Re eig(T^{-1}(G W - I))
 *     (per-unit tau), or rho(G W) (discrete)
 * @param perPoint tau_relax of each point examined
 * @param method how it was computed, in words
 */
public record RelaxationTime(double value, double eigenvalue, double[] perPoint, String method) {

    /**
     * tau_relax at the fixed points of a batch, one value per sample, G = diag(f'(z_i)) from the
     * total input z (B x N) that the solver returned at each fixed point.
     *
     * @param tau scalar time constant, used when tauPerUnit is null
     * @param tauPerUnit per-unit time constants, or null
     * @param dt time per step, used for discrete dynamics only
     */
    public static RelaxationTime atFixedPoints(FixedPointNetwork net, Matrix z, double tau, double[] tauPerUnit,
                                               double dt) {
        int n = net.units();
        DMatrix w = net.recurrent().dense();
        DMatrix zd = new DMatrix(z.rows, z.cols);
        zd.copyFrom(z);
        DMatrix g = new DMatrix(z.rows, z.cols);
        net.nonlinearity().derivative(zd, g);
        double[] per = new double[z.rows];
        double worst = Double.NEGATIVE_INFINITY;
        double worstEig = Double.NaN;
        Dynamics dyn = net.dynamics();
        for (int i = 0; i < z.rows; i++) {
            // G W for every dynamics: the current dynamics' T^-1 (W G - I) = G^-1 T^-1 (G W - I) G is
            // similar to it (T and G are diagonal), so their eigenvalues agree.
            DMatrix m = new DMatrix(n, n);
            for (int j = 0; j < n; j++) {
                double gj = g.data[i * n + j];
                for (int k = 0; k < n; k++) {
                    m.data[j * n + k] = gj * w.data[j * n + k];
                }
            }
            double eig;
            double t;
            if (dyn == Dynamics.DISCRETE) {
                eig = Spectra.spectralRadius(m);
                t = eig >= 1 ? Double.POSITIVE_INFINITY : eig == 0 ? 0 : dt / -Math.log(eig);
            } else if (tauPerUnit == null) {
                eig = Spectra.maxRealPart(m);
                t = eig >= 1 ? Double.POSITIVE_INFINITY : tau / (1 - eig);
            } else {
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < n; k++) {
                        m.data[j * n + k] = (m.data[j * n + k] - (j == k ? 1 : 0)) / tauPerUnit[j];
                    }
                }
                eig = Spectra.maxRealPart(m);
                t = eig >= 0 ? Double.POSITIVE_INFINITY : -1 / eig;
            }
            per[i] = t;
            if (t > worst || Double.isNaN(worstEig)) {
                worst = t;
                worstEig = eig;
            }
        }
        return new RelaxationTime(worst, worstEig, per, method(dyn, tauPerUnit != null));
    }

    /** The slowest of several (the points of each, in order, are concatenated). */
    public static RelaxationTime slowest(RelaxationTime... parts) {
        int len = 0;
        for (RelaxationTime p : parts) {
            len += p.perPoint.length;
        }
        double[] per = new double[len];
        int o = 0;
        RelaxationTime worst = parts[0];
        for (RelaxationTime p : parts) {
            System.arraycopy(p.perPoint, 0, per, o, p.perPoint.length);
            o += p.perPoint.length;
            if (p.value > worst.value) {
                worst = p;
            }
        }
        return new RelaxationTime(worst.value, worst.eigenvalue, per, worst.method);
    }

    /** True if every point examined is stable (finite tau_relax). */
    public boolean stable() {
        return Double.isFinite(value);
    }

    private static String method(Dynamics dyn, boolean perUnit) {
        if (dyn == Dynamics.DISCRETE) {
            return "dt / (-ln rho(G W)), rho the spectral radius, G = diag(f'(z)) at the fixed point, dt the time per"
                    + " step; the largest over the fixed points examined";
        }
        String of = dyn == Dynamics.CURRENT
                ? " (current dynamics linearize with W G - I, which is similar to G W - I through G)" : "";
        if (perUnit) {
            return "1 / min(-Re eig(T^{-1} (G W - I))), T = diag(tau_i), G = diag(f'(z)) at the fixed point" + of
                    + "; the largest over the fixed points examined";
        }
        return "tau / (1 - max Re eig(G W)), G = diag(f'(z)) at the fixed point" + of
                + "; the largest over the fixed points examined";
    }
}
