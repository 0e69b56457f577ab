package org.fprnn.model;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowParallel;
import org.fprnn.operator.RecurrentOperator;

/**
 * The map Phi of MATH section 1, written once for the solvers (through their network map), the
 * simulator and the bptt unroll. Rows are samples; s, h and out are B x N (row i is sample i):
 * <ul>
 *   <li>rate and discrete dynamics iterate on rates: Phi(r) = f(r W^T + h);</li>
 *   <li>current dynamics iterate on currents: Phi(v) = f(v) W^T + h (and r = f(v)).</li>
 * </ul>
 * Phi is computed in two parts so that a solver can fuse the elementwise tail with its own row work:
 * {@link #products} (the batch-wide matrix product) and {@link #finishRows} (adding the drive and, for
 * rates, f), which works row by row from that row's data only, so the bits do not depend on how rows are
 * split over threads. {@link #apply} runs both. Also here: the per-unit Euler steps alpha_j = alpha / tau_j
 * ({@link #stepSizes}). Nothing is allocated per call; not thread-safe (one per map, simulator or rule).
 */
public final class DynamicsStep {
    private final RecurrentOperator op;
    private final Nonlinearity f;
    private final boolean current;
    /** Row blocks made once (a lambda per call would allocate); they read the fields below. */
    private final RowParallel.RowBlock ratesBlock = (part, from, to) -> ratesRows(from, to);
    private final RowParallel.RowBlock finishBlock =
            (part, from, to) -> finishRows(this.drive, this.target, this.target, from, to);
    private Matrix source;
    private Matrix rates;
    private Matrix drive;
    private Matrix target;

    public DynamicsStep(FixedPointNetwork net) {
        this.op = net.recurrent();
        this.f = net.nonlinearity();
        this.current = net.dynamics() == Dynamics.CURRENT;
    }

    /** True for current dynamics, whose state is v (rates f(v)); false for rate and discrete (state r). */
    public boolean onCurrents() {
        return current;
    }

    /**
     * out = Phi(s) (MATH section 1) for the state s and drive h (each B x N): {@link #products} then
     * {@link #finishRows} on row blocks over the cores.
     *
     * @param rates B x N scratch for f(s) under current dynamics (unused, may be null, otherwise)
     */
    public void apply(Matrix s, Matrix h, Matrix rates, Matrix out) {
        products(s, rates, out);
        finish(h, out);
    }

    /** {@link #finishRows} on all rows of out, on row blocks over the cores: out = Phi(s) after {@link #products}. */
    public void finish(Matrix h, Matrix out) {
        drive = h;
        target = out;
        RowParallel.forRows(out.rows, RowParallel.minRows(out.cols), finishBlock);
        drive = null;
        target = null;
    }

    /**
     * The batch-wide part of Phi (MATH section 1): rate and discrete dynamics out = s W^T; current
     * dynamics rates = f(s) (on row blocks over the cores), then out = rates W^T. s, rates, out: B x N.
     *
     * @param rates B x N scratch for f(s) under current dynamics (unused, may be null, otherwise)
     */
    public void products(Matrix s, Matrix rates, Matrix out) {
        if (current) {
            source = s;
            this.rates = rates;
            RowParallel.forRows(s.rows, RowParallel.minRows(s.cols), ratesBlock);
            source = null;
            this.rates = null;
            op.apply(rates, out, 1, 0);
        } else {
            op.apply(s, out, 1, 0);
        }
    }

    /** rates = f(source) on rows [from, to). */
    private void ratesRows(int from, int to) {
        f.apply(source, rates, from, to);
    }

    /**
     * Completes out = Phi(s) on rows [from, to) from {@link #products}'s output p (MATH section 1):
     * out = p + h, then for rate and discrete dynamics out = f(out). h, p and out are B x N (out may
     * be p, else p is left as it is); a row reads only its own data.
     */
    public void finishRows(Matrix h, Matrix p, Matrix out, int from, int to) {
        if (current) {
            Ops.addRows(p, h, out, from, to);
        } else {
            f.applyShifted(p, h, out, from, to);
        }
    }

    /**
     * The total input z = s W^T + h of rate and discrete dynamics (MATH section 1, z = W r + h per
     * sample), Phi before f; s, h, out: B x N. Under current dynamics z is the state itself.
     */
    public void totalInput(Matrix s, Matrix h, Matrix out) {
        if (current) {
            throw new IllegalStateException("under current dynamics the total input is the state v");
        }
        op.apply(s, out, 1, 0);
        Ops.addRows(out, h, out, 0, out.rows);
    }

    /**
     * Per-unit Euler steps with time constants T = diag(tau_j) (MATH section 1): out[j] = alpha / tau_j,
     * for j < tau.length (out may be tau itself). With tau_j as multiples of a common tau and alpha =
     * dt / tau, unit j steps by dt / tau_j; with alpha = 1 it gives the multipliers 1 / tau_j.
     *
     * @return out
     */
    public static double[] stepSizes(double alpha, double[] tau, double[] out) {
        for (int j = 0; j < tau.length; j++) {
            out[j] = alpha / tau[j];
        }
        return out;
    }
}
