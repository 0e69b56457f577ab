package org.fprnn.rule;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Params;
import org.fprnn.solve.AdjointMap;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.SolveResult;
import org.fprnn.solve.Solver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;

/**
 * "gradient" [dW1], MATH section 3.1: the exact Euclidean gradient of the mean loss at the state by
 * implicit differentiation, with no explicit inverse. The adjoint (I - W^T G) lambda = e is solved
 * in batch by the configured solver (default Anderson to relative residual 1e-8) starting from
 * lambda = e (in double for float networks when the tolerance is below what float holds; samples it misses get a dense per-sample solve when N <= 1000); then delta = G lambda and D_W = delta^T r / B, D_U = delta^T x / B, D_b = mean delta.
 */
final class GradientRule extends AbstractRule {
    private final Solver adjointSolver;
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
    public RuleResult compute(FixedPointNetwork net, Batch batch, Equilibrium eq) {
        Params dirs = directions(net);
        Readout ro = readout(net, batch, eq.rates(), dirs);
        Matrix g = gains(net, eq);
        Matrix delta = ws.like("delta", g);
        SolveResult adj;
        if (net.precision() == Precision.FLOAT && settings.adjoint().tol() < FLOAT_TOLERANCE_FLOOR) {
            // Float cannot hold a relative residual this small: solve the adjoint in double.
            Matrix gd = ws.get("gD", g.rows, g.cols, Precision.DOUBLE);
            gd.copyFrom(g);
            Matrix ed = ws.get("eD", g.rows, g.cols, Precision.DOUBLE);
            ed.copyFrom(ro.e());
            Matrix lambda = ws.like("lambdaD", ed);
            adj = solveAdjoint(doubleOperator(net.recurrent()), net.units(), ed, gd, lambda);
            Ops.mul(gd, lambda, lambda);
            delta.copyFrom(lambda);
        } else {
            Matrix lambda = ws.like("lambda", ro.e());
            adj = solveAdjoint(net.recurrent(), net.units(), ro.e(), g, lambda);
            Ops.mul(g, lambda, delta);
        }
        recurrentDirections(net, batch.x(), delta, eq.rates(), dirs);
        return new RuleResult(dirs, ro.loss(), ro.correct(), adj);
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
     * lambda = e, into {@code lambda} (B x N).
     */
    SolveResult solveAdjoint(RecurrentOperator op, int units, Matrix e, Matrix g, Matrix lambda) {
        AdjointMap map = new AdjointMap(op, e, g, ws.like("adjTmp", e));
        lambda.copyFrom(e);
        SolveResult res = adjointSolver.solve(map, lambda);
        if (!res.allConverged() && units <= DENSE_FALLBACK_MAX_UNITS && !adjointSolver.name().equals("newton")) {
            // Samples the iterative solve missed get a dense solve; converged ones are left as they are.
            res = Solvers.create(SolverConfig.newton(3, settings.adjoint().tol())).solve(map, lambda);
        }
        return res;
    }

    /** Relative adjoint residuals below this are solved in double for float networks. */
    static final double FLOAT_TOLERANCE_FLOOR = 1e-5;

    /** Largest N for which an unconverged adjoint falls back to per-sample dense solves. */
    static final int DENSE_FALLBACK_MAX_UNITS = 1000;
}
