package org.fprnn.rule;

import java.util.function.Supplier;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.DMatrix;
import org.fprnn.solve.AdjointMap;
import org.fprnn.solve.MeanGainPreconditioner;
import org.fprnn.solve.RefinedAdjoint;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.SolveResult;
import org.fprnn.solve.Solver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;

/**
 * "gradient" [dW1], MATH section 3.1: the exact Euclidean gradient of the mean loss at the state by
 * implicit differentiation, with no explicit inverse. The adjoint (I - W^T G) lambda = e is solved
 * in batch by the configured solver (default Anderson to relative residual 1e-8) starting from
 * lambda = e, or from the sample's last solution under warm starts ({@link AdjointStart}). For float
 * networks, when the tolerance is below what float holds, lambda is kept in double and refined by
 * float solves of the correction equation with residuals in double ({@link RefinedAdjoint}); samples
 * the iterative solve misses get a dense per-sample solve when N <= 1000. Then delta = G lambda and
 * D_W = delta^T r / B, D_U = delta^T x / B, D_b = mean delta.
 */
final class GradientRule extends AbstractRule {
    private final Solver adjointSolver;
    /** Mixed-precision refinement of float networks' adjoints, made at first use. */
    private RefinedAdjoint refined;
    /** The float rounds' preconditioner, made at first use. */
    private MeanGainPreconditioner meanGain;
    /** The double copy of a float network's operator (see {@link #doubleOperator}) and its source. */
    private RecurrentOperator doubleOp;
    private RecurrentOperator doubleSource;
    private Params doubleParams;

    GradientRule(RuleSettings settings) {
        super(settings);
        this.adjointSolver = Solvers.create(settings.adjoint());
    }

    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public boolean solvesAdjoint() {
        return true;
    }

    @Override
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq) {
        return compute(net, batch, eq, null);
    }

    @Override
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq, AdjointStart start) {
        Params dirs = directions(net);
        Readout ro = readout(net, batch, eq.rates(), dirs);
        Matrix g = gains(net, eq);
        Matrix delta = ws.like("delta", g);
        SolveResult adj;
        net.recurrent().beginFixedWeights(); // W does not change during the adjoint's solve
        try {
            adj = adjoint(net, ro.e(), g, delta, start);
        } finally {
            net.recurrent().endFixedWeights();
        }
        recurrentDirections(net, batch.x(), delta, eq.rates(), dirs);
        return new RuleResult(dirs, ro.loss(), ro.correct(), adj);
    }

    /** Solves the adjoint for e and the gains g and writes delta = G lambda (B x N). */
    private SolveResult adjoint(FixedPointNetwork net, Matrix e, Matrix g, Matrix delta, AdjointStart start) {
        SolveResult adj;
        if (net.precision() == Precision.FLOAT && settings.adjoint().tol() < FLOAT_TOLERANCE_FLOOR) {
            // Float cannot hold a relative residual this small: keep lambda in double.
            Matrix gd = ws.get("gD", g.rows, g.cols, Precision.DOUBLE);
            Matrix ed = ws.get("eD", g.rows, g.cols, Precision.DOUBLE);
            Matrix lambda = ws.like("lambdaD", ed);
            Ops.copyRowsParallel(g, gd);
            Ops.copyRowsParallel(e, ed);
            if (refines()) {
                adj = refineAdjoint(net, e, ed, gd, g, (DMatrix) lambda, start);
            } else {
                adj = solveAdjoint(doubleOperator(net.recurrent()), net.units(), ed, gd, lambda, start);
            }
            deltaRows.run(gd, lambda, delta); // delta = G lambda, rounded to float
        } else {
            Matrix lambda = ws.like("lambda", e);
            adj = solveAdjoint(net.recurrent(), net.units(), e, g, lambda, start);
            Ops.mul(g, lambda, delta);
        }
        return adj;
    }

    private final DeltaRows deltaRows = new DeltaRows();

    /**
     * delta = G lambda for a float network whose adjoint is kept in double: formed in double and
     * rounded to float, on row blocks over the cores (elementwise, so the bits do not depend on the
     * split; on the calling thread alone the widening and this pass were about 1.5% of a JFR profile's
     * samples of the 2-thread P1-converged gradient step, with the other core waiting).
     */
    private static final class DeltaRows implements RowParallel.RowBlock {
        private double[] gd;
        private double[] lambda;
        private float[] delta;
        private int n;

        void run(Matrix gd, Matrix lambda, Matrix delta) {
            this.gd = ((DMatrix) gd).data;
            this.lambda = ((DMatrix) lambda).data;
            this.delta = ((FMatrix) delta).data;
            this.n = gd.cols;
            try {
                RowParallel.forRows(gd.rows, RowParallel.minRows(n), this);
            } finally {
                this.gd = this.lambda = null;
                this.delta = null;
            }
        }

        @Override
        public void rows(int part, int from, int to) {
            for (int o = from * n, end = to * n; o < end; o++) {
                delta[o] = (float) (gd[o] * lambda[o]);
            }
        }
    }

    /**
     * The operator in double precision for the adjoint of a float network: made once per operator by
     * {@link RecurrentOperator#toDouble()}, and on later calls refreshed from the operator's live
     * parameters (the optimizer changes them in place between calls) instead of copied anew.
     */
    private RecurrentOperator doubleOperator(RecurrentOperator op) {
        if (doubleSource != op) {
            doubleOp = op.toDouble();
            doubleParams = doubleOp.parameters();
            doubleSource = op;
            return doubleOp;
        }
        Params live = op.parameters();
        Params copy = doubleParams;
        for (String name : op.parameterNames()) {
            copy.get(name).copyFrom(live.get(name));
        }
        return doubleOp;
    }

    /**
     * Solves (I - W^T G) lambda = e per sample (MATH 3.1; rows: lambda = e + (g * lambda) W), from
     * lambda = e or, for the samples {@code start} remembers, from their last solution, into
     * {@code lambda} (B x N); {@code start} (may be null) then remembers the converged rows.
     */
    SolveResult solveAdjoint(RecurrentOperator op, int units, Matrix e, Matrix g, Matrix lambda, AdjointStart start) {
        AdjointMap map = new AdjointMap(op, e, g, ws.like("adjTmp", e));
        return fromStart(e, lambda, start, () -> finishInDouble(map, units, lambda));
    }

    /**
     * Sets lambda to its start (e, or the sample's last solution that {@code start} remembers), runs
     * the solve, and lets {@code start} (may be null) remember the converged rows.
     */
    private static SolveResult fromStart(Matrix e, Matrix lambda, AdjointStart start, Supplier<SolveResult> solve) {
        lambda.copyFrom(e);
        if (start != null) {
            start.load(lambda);
        }
        SolveResult res = solve.get();
        if (start != null) {
            start.store(lambda, res.converged());
        }
        return res;
    }

    /**
     * True if a float network's adjoint below the float floor is refined in mixed precision: for the
     * iterative adjoint solvers (measured: about twice as fast as solving in double, as the float
     * products cost half as much; the result meets the same double residual). A dense solver
     * (newton, direct) solves in double as it is.
     */
    private boolean refines() {
        String m = settings.adjoint().method();
        return !m.equals("newton") && !m.equals("direct");
    }

    /**
     * The adjoint of a float network to a tolerance below float's reach: mixed-precision refinement
     * ({@link RefinedAdjoint}: float solves of the correction equation, residuals in double) from
     * lambda = e or the warm start (both float numbers; the first round solves the adjoint itself in
     * float, with the float {@code e}), then, for any sample it leaves above the tolerance, the
     * double solve of {@link #solveAdjoint} from where refinement left it. Iterations add up per
     * sample.
     */
    private SolveResult refineAdjoint(FixedPointNetwork net, Matrix e, Matrix ed, Matrix gd, Matrix g,
                                      DMatrix lambda, AdjointStart start) {
        if (refined == null) {
            refined = new RefinedAdjoint(settings.adjoint());
        }
        RecurrentOperator opD = doubleOperator(net.recurrent());
        AdjointMap exact = new AdjointMap(opD, ed, gd, ws.like("adjTmp", ed));
        MeanGainPreconditioner pre = preconditioner(opD, g);
        return fromStart(ed, lambda, start, () -> {
            SolveResult res = refined.solve(exact, net.recurrent(), e, g, lambda, settings.adjoint().tol(), pre);
            if (res.allConverged()) {
                return res;
            }
            int[] refinedIterations = res.iterations().clone();
            res = finishInDouble(exact, net.units(), lambda);
            int itMax = 0;
            for (int i = 0; i < refinedIterations.length; i++) {
                res.iterations()[i] += refinedIterations[i];
                itMax = Math.max(itMax, res.iterations()[i]);
            }
            return new SolveResult(res.state(), res.residual(), res.converged(), res.iterations(), itMax);
        });
    }

    /**
     * The mean-gain preconditioner of the float rounds ({@link MeanGainPreconditioner}) prepared for
     * this call, or null where the settings turn it off, it does not pay (few samples for N) or the
     * mean-gain matrix is singular. W comes from the double operator
     * ({@link MeanGainPreconditioner#prepare(RecurrentOperator, FMatrix)}).
     */
    private MeanGainPreconditioner preconditioner(RecurrentOperator opD, Matrix g) {
        if (!settings.meanGainPreconditioner() || !MeanGainPreconditioner.pays(g.cols, g.rows)) {
            return null;
        }
        if (meanGain == null) {
            meanGain = new MeanGainPreconditioner();
        }
        return meanGain.prepare(opD, (FMatrix) g) ? meanGain : null; // the refined path is for float networks
    }

    /**
     * The adjoint solver on {@code map} from {@code lambda}; samples it misses get a dense solve when
     * N is small enough (converged ones are left as they are). A sample whose I - W^T G is singular
     * has no adjoint: Newton leaves it where the iterative solve did, reported as not converged.
     */
    private SolveResult finishInDouble(AdjointMap map, int units, Matrix lambda) {
        SolveResult res = adjointSolver.solve(map, lambda);
        if (!res.allConverged() && units <= DENSE_FALLBACK_MAX_UNITS && !adjointSolver.name().equals("newton")) {
            res = Solvers.create(SolverConfig.newton(3, settings.adjoint().tol())).solve(map, lambda);
        }
        return res;
    }

    /** Relative adjoint residuals below this are solved in double for float networks. */
    static final double FLOAT_TOLERANCE_FLOOR = 1e-5;

    /** Largest N for which an unconverged adjoint falls back to per-sample dense solves. */
    static final int DENSE_FALLBACK_MAX_UNITS = 1000;
}
