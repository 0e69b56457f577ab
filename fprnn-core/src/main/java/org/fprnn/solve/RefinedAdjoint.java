package org.fprnn.solve;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowKernels;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.operator.RecurrentOperator;

/**
 * The gradient rule's adjoint equation (I - W^T G) lambda = e (MATH section 3.1) for a float network,
 * solved to a relative residual below what float holds by mixed-precision iterative refinement:
 * lambda is kept in double; each round computes the residual rho = e + (g * lambda) W - lambda in
 * double (one product with the double copy of W), solves the correction equation
 * (I - W^T G) d = rho in float (the float operator's products, half the cost of double ones) to a
 * relative residual of {@link #INNER_TOL}, and adds d to lambda. Each round cuts a sample's residual
 * by about that factor, so a tolerance of 1e-8 takes two or three rounds. The first round is the
 * float solve of the adjoint equation itself from the start (the correction equation's iterates from
 * rho = e + (g * lambda) W - lambda are those of the adjoint's own from lambda, less lambda), which
 * saves the double product of a first residual; the start must therefore be float numbers (e, or a
 * warm start kept in float). Samples are independent
 * (MATH section 6 fact 7): a sample stops at the first round whose residual meets the tolerance, and
 * one whose residual a round did not cut at least tenfold (float cannot help it further) is left to
 * the caller's double solve, as is any sample still above the tolerance after {@link #MAX_ROUNDS}.
 */
public final class RefinedAdjoint {
    /** Relative residual of each round's float solve of the correction equation. */
    public static final double INNER_TOL = 1e-4;
    /** Most refinement rounds. */
    public static final int MAX_ROUNDS = 6;
    /**
     * Most iterations of one round's float solve (a round normally takes 10 to 20): a sample float
     * cannot bring to {@link #INNER_TOL} then stalls, and the caller's double solve finishes it,
     * instead of the round running to the adjoint's whole iteration limit.
     */
    public static final int INNER_MAX_ITER = 200;

    private final Solver inner;
    private final Workspace ws = new Workspace();
    private final Rows rows = new Rows();

    /**
     * A round's passes over the batch, on row blocks over the cores (each row from its own data, so
     * the bits do not depend on the split): the residual (rho = phi - lambda rounded to float, and its
     * largest magnitude per row), the start of the correction solve (d = rho, and rho = d = 0 on the
     * rows that stopped), and the update lambda += d on the rows still refined.
     */
    private static final class Rows implements RowParallel.RowBlock {
        static final int RESIDUAL = 0;
        static final int START = 1;
        static final int UPDATE = 2;
        int stage;
        private DMatrix phi;
        private DMatrix lambda;
        private FMatrix rho;
        private FMatrix d;
        private boolean[] active;
        private double[] rowMax;
        private int n;

        void set(DMatrix phi, DMatrix lambda, FMatrix rho, FMatrix d, boolean[] active, double[] rowMax, int n) {
            this.phi = phi;
            this.lambda = lambda;
            this.rho = rho;
            this.d = d;
            this.active = active;
            this.rowMax = rowMax;
            this.n = n;
        }

        @Override
        public void rows(int part, int from, int to) {
            for (int i = from; i < to; i++) {
                int o = i * n;
                switch (stage) {
                    case RESIDUAL -> rowMax[i] = RowKernels.residualToFloat(phi.data, lambda.data, rho.data, o, n);
                    case START -> {
                        if (!active[i]) {
                            java.util.Arrays.fill(rho.data, o, o + n, 0f);
                        }
                        System.arraycopy(rho.data, o, d.data, o, n);
                    }
                    case UPDATE -> {
                        if (active[i]) {
                            RowKernels.addWidened(lambda.data, d.data, o, n);
                        }
                    }
                    default -> throw new IllegalStateException("no refinement pass " + stage);
                }
            }
        }
    }

    /**
     * Anderson's mixing in the float rounds: undamped, whatever the adjoint's own settings say. The
     * damped adjoint iteration (MATH section 3.1; the default adjoint's mixing is 0.5) is what makes
     * every adjoint of a stable network converge, and it stays the method of the caller's double solve
     * that takes over any sample these rounds leave (a round stops after {@link #INNER_MAX_ITER}
     * iterations, and a sample whose residual it did not cut tenfold leaves the rounds). Undamped, the
     * rounds need fewer iterations on the networks fprnn trains: on P1-converged's network trained by
     * the gradient rule (lr 0.025, MNIST batches of 512, checked every 40 steps up to step 360, a
     * scratch program) the median sample took 8 to 20% fewer adjoint iterations than with mixing 0.5 at
     * every check, every sample converged either way, and the whole rule was faster at 9 of the 10
     * checks; {@code fprnn bench threads} shows the gradient step. Not everywhere: on
     * RefinedAdjointTest's tanh network with W scaled by 2 the slowest sample took 539 iterations
     * undamped against 311 with mixing 0.5, and 37 against 32 on its linear network whose plain
     * adjoint iteration diverges (the test prints them).
     */
    public static final double INNER_MIXING = 1.0;

    /**
     * @param adjoint the adjoint solver's settings: the float rounds use its method, memory and limit
     *     (at most {@link #INNER_MAX_ITER}), and for Anderson the mixing {@link #INNER_MIXING}
     */
    public RefinedAdjoint(SolverConfig adjoint) {
        SolverConfig rounds = adjoint.withTol(Math.max(adjoint.tol(), INNER_TOL))
                .withMaxIter(Math.min(adjoint.maxIter(), INNER_MAX_ITER));
        if (rounds.method().equals("anderson")) {
            rounds = rounds.withBeta(INNER_MIXING);
        }
        this.inner = Solvers.create(rounds);
    }

    /**
     * Refines {@code lambda} (B x N, double, holding the start on entry, float numbers) towards the
     * solution of {@code exact}, the adjoint map in double precision.
     *
     * @param opF the network's float operator
     * @param eF the right-hand side e in float (B x N)
     * @param gF the gains in float (B x N)
     * @param tol the relative residual to reach
     * @return per sample the double residual at the returned lambda, whether it met {@code tol}, and the
     *     float iterations spent on it
     */
    public SolveResult solve(AdjointMap exact, RecurrentOperator opF, Matrix eF, Matrix gF, DMatrix lambda,
                             double tol) {
        return solve(exact, opF, eF, gF, lambda, tol, null);
    }

    /**
     * As {@link #solve(AdjointMap, RecurrentOperator, Matrix, Matrix, DMatrix, double)}, with the float
     * rounds preconditioned by {@code pre} when it is not null (prepared for this call's W and gains):
     * each round then solves d = rho + (gbar * rho + dev * d) Q ({@link MeanGainPreconditioner}),
     * whose solution is the correction equation's, from the same start. The double
     * residuals, and so the rounds' outcome, are checked on the true equation as before.
     */
    public SolveResult solve(AdjointMap exact, RecurrentOperator opF, Matrix eF, Matrix gF, DMatrix lambda,
                             double tol, MeanGainPreconditioner pre) {
        if (pre == null) {
            return refine(exact, opF, eF, gF, lambda, tol, null);
        }
        pre.operator().beginFixedWeights(); // Q packed once for every round's products
        try {
            return refine(exact, opF, eF, gF, lambda, tol, pre);
        } finally {
            pre.operator().endFixedWeights();
        }
    }

    /**
     * The float map of one round for right-hand side {@code rhs}: rhs + (g * d) W, or with {@code pre}
     * its preconditioned form rhs + (gbar * rhs + dev * d) Q (the shift gbar * rhs formed here).
     */
    private AdjointMap roundMap(RecurrentOperator opF, Matrix rhs, Matrix gF, MeanGainPreconditioner pre,
                                FMatrix dev, Matrix tmp) {
        if (pre == null) {
            return new AdjointMap(opF, rhs, gF, tmp);
        }
        FMatrix shift = (FMatrix) ws.get("shift", rhs.rows, rhs.cols, Precision.FLOAT);
        pre.shift((FMatrix) rhs, shift);
        return new AdjointMap(pre.operator(), rhs, dev, shift, tmp);
    }

    private SolveResult refine(AdjointMap exact, RecurrentOperator opF, Matrix eF, Matrix gF, DMatrix lambda,
                               double tol, MeanGainPreconditioner pre) {
        int b = lambda.rows;
        int n = lambda.cols;
        DMatrix phi = (DMatrix) ws.get("phi", b, n, Precision.DOUBLE);
        FMatrix rho = (FMatrix) ws.get("rho", b, n, Precision.FLOAT);
        FMatrix d = (FMatrix) ws.get("d", b, n, Precision.FLOAT);
        Matrix tmp = ws.get("tmp", b, n, Precision.FLOAT);
        double[] residual = new double[b];
        double[] previous = new double[b];
        boolean[] converged = new boolean[b];
        boolean[] active = new boolean[b];
        int[] iterations = new int[b];
        java.util.Arrays.fill(active, true);
        java.util.Arrays.fill(previous, Double.POSITIVE_INFINITY);
        double[] rowMax = ws.doubles("rowMax", b);
        // the first round: lambda = e + (g * lambda) W in float from the start (or its preconditioned
        // form), then lambda in double
        Ops.copyRowsParallel(lambda, d);
        FMatrix dev = null;
        if (pre != null) {
            dev = (FMatrix) ws.get("dev", b, n, Precision.FLOAT);
            pre.deviations((FMatrix) gF, dev);
        }
        SolveResult first = inner.solve(roundMap(opF, eF, gF, pre, dev, tmp), d);
        System.arraycopy(first.iterations(), 0, iterations, 0, b);
        Ops.copyRowsParallel(d, lambda);
        for (int round = 0; ; round++) {
            exact.apply(lambda, phi);
            rows.set(phi, lambda, rho, d, active, rowMax, n);
            rows.stage = Rows.RESIDUAL;
            RowParallel.forRows(b, RowParallel.minRows(n), rows);
            int left = 0;
            for (int i = 0; i < b; i++) {
                if (!active[i]) {
                    continue;
                }
                residual[i] = rowMax[i] / exact.residualScale(i);
                converged[i] = residual[i] <= tol;
                // Stop refining a sample that converged, stalled (float does not help it further) or is
                // not finite; the caller's double solve takes the ones above the tolerance.
                if (converged[i] || !(residual[i] <= 0.1 * previous[i]) || round == MAX_ROUNDS) {
                    active[i] = false;
                } else {
                    previous[i] = residual[i];
                    left++;
                }
            }
            if (left == 0) {
                break;
            }
            // The correction equation d = rho + (g * d) W (or its preconditioned form) in float, from
            // d = rho; rows of finished samples have rho = 0, so their d stays 0 and they stop at once.
            rows.stage = Rows.START;
            RowParallel.forRows(b, RowParallel.minRows(n), rows);
            SolveResult res = inner.solve(roundMap(opF, rho, gF, pre, dev, tmp), d);
            for (int i = 0; i < b; i++) {
                if (active[i]) {
                    iterations[i] += res.iterations()[i];
                }
            }
            rows.stage = Rows.UPDATE;
            RowParallel.forRows(b, RowParallel.minRows(n), rows);
        }
        rows.set(null, null, null, null, null, null, n);
        int itMax = 0;
        for (int it : iterations) {
            itMax = Math.max(itMax, it);
        }
        return new SolveResult(lambda, residual, converged, iterations, itMax);
    }
}
