package org.fprnn.rule;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.DynamicsStep;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.SolverConfig;

/**
 * "bptt", MATH section 3.2: reverse-mode differentiation through the unrolled forward iteration
 * from rest, exactly {@code forward.maxIter()} steps with step alpha (Euler on the rate or current
 * dynamics, or the discrete map), ignoring early stopping. It stores every state, so its memory grows
 * with the number of steps; the loss is taken at the unrolled final state. Defined for the euler
 * solver (and for the discrete dynamics). With per-unit time constants (rate and current dynamics)
 * unit j steps by alpha_j = alpha / (tau_j / tau), forward and backward. Works on any operator and
 * read-in through apply, applyTranspose and project. The forward map is {@link DynamicsStep}'s Phi, the
 * one the solvers iterate.
 */
final class BpttRule extends AbstractRule {
    private Matrix[] states = new Matrix[0];

    BpttRule(RuleSettings settings) {
        super(settings);
    }

    @Override
    public String name() {
        return "bptt";
    }

    @Override
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq) {
        SolverConfig fwd = settings.forward();
        Dynamics dyn = net.dynamics();
        if (!fwd.method().equals("euler") && dyn != Dynamics.DISCRETE) {
            throw new IllegalArgumentException("bptt unrolls the euler solver (rate or current dynamics)"
                    + " or the discrete dynamics; the solver here is " + fwd.method());
        }
        double alpha = dyn == Dynamics.DISCRETE ? 1.0 : fwd.alpha();
        int steps = fwd.maxIter();
        RecurrentOperator w = net.recurrent();
        Nonlinearity f = net.nonlinearity();
        Matrix h = eq.h();
        int bsz = h.rows;
        ensureStates(steps + 1, h);
        Matrix tmp = ws.like("tmp", h);
        Matrix tmp2 = ws.like("tmp2", h);
        DynamicsStep phi = new DynamicsStep(net);
        boolean current = phi.onCurrents();
        // Per-unit steps alpha_j = alpha / (tau_j / tau) and 1 - alpha_j, or null for one step.
        double[] tau = dyn == Dynamics.DISCRETE ? null : net.timeConstants();
        double[] al = null;
        double[] om = null;
        if (tau != null) {
            al = DynamicsStep.stepSizes(alpha, tau, ws.doubles("alphas", tau.length));
            om = ws.doubles("oneMinusAlphas", tau.length);
            for (int j = 0; j < tau.length; j++) {
                om[j] = 1 - al[j];
            }
        }

        // Forward unroll from rest, storing s_0 .. s_T (rates, or currents for the current dynamics).
        states[0].fill(0);
        for (int t = 0; t < steps; t++) {
            Matrix s = states[t];
            Matrix next = states[t + 1];
            phi.apply(s, h, tmp, next);                     // Phi(s): f(W r + h), or W f(v) + h
            if (al == null) {
                Ops.lincomb(1 - alpha, s, alpha, next, next);   // s + alpha (Phi(s) - s)
            } else {
                Ops.relaxColumns(s, next, al, next);            // s + alpha_j (Phi(s) - s), per unit
            }
        }
        Matrix rT = ws.like("rT", h);
        if (current) {
            f.apply(states[steps], rT);
        } else {
            rT.copyFrom(states[steps]);
        }
        Params dirs = directions(net);
        Readout ro = readout(net, batch, rT, dirs);

        // Reverse pass. sbar holds dL/ds_t per sample (not divided by B); dh sums dL/dh over steps.
        // The directions start at zero and the operator's projections accumulate into them.
        Matrix sbar = ws.like("sbar", h);
        Matrix dz = ws.like("dz", h);
        Matrix dh = ws.like("dh", h);
        dh.fill(0);
        if (current) {
            f.derivative(states[steps], tmp);
            Ops.mul(ro.e(), tmp, sbar);                     // vbar_T = e * f'(v_T)
        } else {
            sbar.copyFrom(ro.e());
        }
        boolean trainW = w.anyIn(dirs);
        double inv = 1.0 / bsz;
        for (int t = steps - 1; t >= 0; t--) {
            Matrix s = states[t];
            if (current && al == null) {
                // v_{t+1} = (1-a) v_t + a (f(v_t) W^T + h)
                Ops.scale(alpha, sbar);                      // dz = a vbar_{t+1}, kept in sbar
                Ops.axpy(1, sbar, dh);
                if (trainW) {
                    f.apply(s, tmp);
                    w.project(sbar, tmp, inv, dirs, true);  // D_W += a vbar^T f(v_t) / B
                }
                w.applyTranspose(sbar, tmp2, 1, 0);          // a vbar W
                f.derivative(s, tmp);
                Ops.mul(tmp2, tmp, tmp2);
                Ops.lincomb((1 - alpha) / alpha, sbar, 1, tmp2, sbar);  // (1-a) vbar + a (vbar W) * f'(v_t)
            } else if (current) {
                // v_{t+1} = (1-a_j) v_t + a_j (f(v_t) W^T + h), per unit j
                dz.copyFrom(sbar);
                Ops.scaleColumns(dz, al);                    // dz = a * vbar_{t+1}
                Ops.axpy(1, dz, dh);
                if (trainW) {
                    f.apply(s, tmp);
                    w.project(dz, tmp, inv, dirs, true);    // D_W += dz^T f(v_t) / B
                }
                w.applyTranspose(dz, tmp2, 1, 0);            // dz W
                f.derivative(s, tmp);
                Ops.mul(tmp2, tmp, tmp2);
                Ops.scaleColumns(sbar, om);
                Ops.axpy(1, tmp2, sbar);                     // (1-a) * vbar + (dz W) * f'(v_t)
            } else {
                // r_{t+1} = (1-a) r_t + a f(r_t W^T + h)
                phi.totalInput(s, h, tmp);                  // z_t
                f.derivative(tmp, tmp);
                Ops.mul(sbar, tmp, dz);
                if (al == null) {
                    Ops.scale(alpha, dz);                    // dz = a rbar * f'(z_t)
                } else {
                    Ops.scaleColumns(dz, al);
                }
                Ops.axpy(1, dz, dh);
                if (trainW) {
                    w.project(dz, s, inv, dirs, true);      // D_W += dz^T r_t / B
                }
                if (al == null) {
                    w.applyTranspose(dz, sbar, 1, 1 - alpha);    // (1-a) rbar + dz W
                } else {
                    Ops.scaleColumns(sbar, om);
                    w.applyTranspose(dz, sbar, 1, 1);
                }
            }
        }
        if (net.readIn().anyIn(dirs)) {
            net.readIn().project(dh, inPrecision(batch.x(), dh.precision()), inv, dirs, false);
        }
        if (dirs.has("b")) {
            Ops.columnSums(inv, dh, dirs.get("b"));
        }
        return new RuleResult(dirs, ro.loss(), ro.correct(), null);
    }

    private void ensureStates(int count, Matrix like) {
        if (states.length != count || !states[0].sameShape(like) || states[0].precision() != like.precision()) {
            states = new Matrix[count];
            for (int t = 0; t < count; t++) {
                states[t] = like.zerosLike();
            }
        }
    }
}
