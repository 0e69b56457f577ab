package org.fprnn.solve;

import java.util.Arrays;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;

/**
 * Finds a network's fixed points on a batch: builds the map of its dynamics, runs the configured
 * solver from r = 0 (v = 0) or from a warm start, and reports rates, total input and per-sample
 * residuals. With {@link SolverConfig#meanGain()}, a solve from rest first runs on the map
 * preconditioned by the batch's mean gains at rest ({@link MeanGainForwardMap}) and ends on the plain
 * one. The returned matrices live in this object's workspace until the next call; use
 * {@link Equilibrium#copy()} to keep them.
 */
public final class EquilibriumSolver {
    private final SolverConfig config;
    private final Solver solver;
    /** The solver used on discrete dynamics: Euler there is the map itself, r <- f(W r + h). */
    private final Solver discreteSolver;
    private final Workspace ws = new Workspace();
    private final Check check = new Check();
    /**
     * Most iterations of the preconditioned part of a solve ({@link #preconditioned}): where it
     * converges it takes about 6 to 15 (see {@link MeanGainForwardMap}); a sample still above the
     * tolerance after this many starts the plain solve from rest.
     */
    static final int PRECONDITIONED_MAX_ITER = 60;
    private final Solver preconditionedSolver;
    private MeanGainPreconditioner meanGain;

    public EquilibriumSolver(SolverConfig config) {
        this.config = config;
        this.solver = Solvers.create(config);
        this.preconditionedSolver = config.meanGain()
                ? Solvers.create(config.withMaxIter(Math.min(config.maxIter(), PRECONDITIONED_MAX_ITER))) : null;
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
            int[] before = warmState == null ? preconditioned(net, h, state) : null;
            SolveResult res = s.solve(new NetworkMap(net, h, ws, warmState == null && before == null), state);
            if (before != null) {
                res = res.withEarlierIterations(before);
            }
            return finish(net, h, res);
        } finally {
            op.endFixedWeights();
        }
    }

    /**
     * Most of a solve from rest, preconditioned by the batch's mean gains at rest where the settings
     * ask for it ({@link SolverConfig#meanGain()}) and it applies: a float network with rate or
     * discrete dynamics, and {@link MeanGainPreconditioner#paysForward} for its units and batch. Anderson
     * runs on {@link MeanGainForwardMap} from r = 0, u = 0 (at most {@link #PRECONDITIONED_MAX_ITER}
     * iterations), and the rates it reaches go into {@code state}; the caller then runs the plain map
     * from there, whose first product is the exact r W^T (the preconditioned iterates carry it only
     * up to rounding). A sample that did not converge here starts the plain solve from rest.
     *
     * @return the iterations each sample took here, or null where nothing was done (state untouched)
     */
    private int[] preconditioned(FixedPointNetwork net, Matrix h, Matrix state) {
        if (!config.meanGain() || net.precision() != Precision.FLOAT
                || net.dynamics() == Dynamics.CURRENT || !MeanGainPreconditioner.paysForward(net.units(), h.rows)) {
            return null;
        }
        int b = h.rows;
        int n = net.units();
        FMatrix gains = (FMatrix) ws.get("restGains", b, n, h.precision());
        net.nonlinearity().derivative(h, gains);
        if (meanGain == null) {
            meanGain = new MeanGainPreconditioner();
        }
        if (!meanGain.prepare(net.recurrent(), gains)) {
            return null;
        }
        FMatrix pairs = (FMatrix) ws.get("pairs", b, 2 * n, h.precision());
        pairs.fill(0);
        var q = meanGain.operator();
        q.beginFixedWeights();
        SolveResult res;
        try {
            res = preconditionedSolver.solve(
                    new MeanGainForwardMap(net.nonlinearity(), q, meanGain.meanGains(), (FMatrix) h, ws), pairs);
        } finally {
            q.endFixedWeights();
        }
        FMatrix r = (FMatrix) state;
        MeanGainForwardMap.rates(pairs, r);
        boolean[] converged = res.converged();
        for (int i = 0; i < b; i++) {
            if (!converged[i]) {
                Arrays.fill(r.data, i * n, (i + 1) * n, 0f);
            }
        }
        return res.iterations().clone();
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

        /** In chunks of a few rows, so that each chunk's z and f(z) are still in L1 for the next pass. */
        @Override
        public void rows(int part, int from, int to) {
            int chunk = RowChunks.rows(z.cols);
            for (int c = from; c < to; c += chunk) {
                int end = Math.min(c + chunk, to);
                Ops.addRows(wr, h, z, c, end);
                net.nonlinearity().apply(z, fz, c, end);
                Ops.rowMaxAbsDiff(r, fz, residual, c, end);
            }
        }
    }
}
