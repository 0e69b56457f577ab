package org.fprnn.solve;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;

/**
 * Finds a network's fixed points on a batch: builds the map of its dynamics, runs the configured
 * solver from r = 0 (v = 0) or from a warm start, and reports rates, total input and per-sample
 * residuals. The returned matrices live in this object's workspace until the next call; use
 * {@link Equilibrium#copy()} to keep them.
 */
public final class EquilibriumSolver {
    private final SolverConfig config;
    private final Solver solver;
    /** The solver used on discrete dynamics: Euler there is the map itself, r <- f(W r + h). */
    private final Solver discreteSolver;
    private final Workspace ws = new Workspace();
    private final Check check = new Check();

    public EquilibriumSolver(SolverConfig config) {
        this.config = config;
        this.solver = Solvers.create(config);
        this.discreteSolver = config.method().equals("euler") && config.alpha() != 1.0
                ? Solvers.create(config.withAlpha(1.0)) : solver;
    }

    public SolverConfig config() {
        return config;
    }

    /** Solves from rest (r = 0, v = 0). */
    public Equilibrium solve(FixedPointNetwork net, Matrix x) {
        return solve(net, x, null);
    }

    /**
     * Solves on inputs x (B x n_in).
     *
     * @param warmState a previous {@link Equilibrium#state()} of the same shape, or null for rest
     */
    public Equilibrium solve(FixedPointNetwork net, Matrix x, Matrix warmState) {
        int b = x.rows;
        int n = net.units();
        var p = net.precision();
        Matrix h = ws.get("h", b, n, p);
        Matrix xp = x;
        if (x.precision() != p) {
            xp = ws.get("inputs", x.rows, x.cols, p);
            xp.copyFrom(x);
        }
        net.inputDrive(xp, h);
        Matrix state = ws.get("state", b, n, p);
        if (warmState != null) {
            if (!warmState.sameShape(state)) {
                throw new IllegalArgumentException("warm start of shape " + warmState.shape()
                        + " for a batch of shape " + state.shape());
            }
            state.copyFrom(warmState);
        } else {
            state.fill(0);
        }
        Solver s = net.dynamics() == Dynamics.DISCRETE ? discreteSolver : solver;
        var op = net.recurrent();
        op.beginFixedWeights(); // W does not change during the solve: the operator may store W^T
        try {
            SolveResult res = s.solve(new NetworkMap(net, h, ws, warmState == null), state);
            return finish(net, h, res);
        } finally {
            op.endFixedWeights();
        }
    }

    /**
     * Rates, recurrent and total input, and true residuals max|r - f(W r + h)| at the solver's state.
     * W r is the solver's own product at each sample's returned state when it kept them
     * ({@link SolveResult#products()}: every forward map's products are W r, or W f(v) under current
     * dynamics, which is W r), else one product here.
     */
    private Equilibrium finish(FixedPointNetwork net, Matrix h, SolveResult res) {
        Matrix state = res.state();
        Matrix r = ws.like("rates", state);
        if (net.dynamics() == Dynamics.CURRENT) {
            net.nonlinearity().apply(state, r);
        } else {
            r.copyFrom(state);
        }
        Matrix wr = res.products();
        if (wr == null) {
            wr = ws.like("recurrentInput", state);
            net.recurrent().apply(r, wr, 1, 0);
        }
        Matrix z = ws.like("z", state);
        double[] residual = new double[state.rows];
        // z = W r + h, f(z) and the residual in one pass per row, on row blocks over the cores
        check.set(net, r, wr, z, h, ws.like("fz", state), residual);
        RowParallel.forRows(state.rows, RowParallel.minRows(state.cols), check);
        check.clear();
        return new Equilibrium(r, z, wr, h, state, residual, res.converged(), res.iterations(), res.iterationsMax());
    }

    /** Rows of z = W r + h, f(z) and max|r - f(z)| per sample. */
    private static final class Check implements RowParallel.RowBlock {
        private FixedPointNetwork net;
        private Matrix r;
        private Matrix wr;
        private Matrix z;
        private Matrix h;
        private Matrix fz;
        private double[] residual;

        void set(FixedPointNetwork net, Matrix r, Matrix wr, Matrix z, Matrix h, Matrix fz, double[] residual) {
            this.net = net;
            this.r = r;
            this.wr = wr;
            this.z = z;
            this.h = h;
            this.fz = fz;
            this.residual = residual;
        }

        void clear() {
            set(null, null, null, null, null, null, null);
        }

        @Override
        public void rows(int part, int from, int to) {
            Ops.addRows(wr, h, z, from, to);
            net.nonlinearity().apply(z, fz, from, to);
            Ops.rowMaxAbsDiff(r, fz, residual, from, to);
        }
    }
}
