package org.fprnn.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Lapack;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.MeanGainPreconditioner;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gradient rule on a float network with the adjoint tolerance below float's reach (the default
 * 1e-8): mixed-precision refinement (float solves of the correction equation, residuals in double)
 * meets the tolerance in double and gives the gradient at the returned state (MATH section 3.1),
 * checked against a dense double solve of the adjoint per sample, to a relative error below 1e-6,
 * with and without the mean-gain preconditioner of the float rounds.
 */
class RefinedAdjointTest {

    /**
     * Batches of 4 (too few samples for N = 40: plain float rounds), 16 and 48 (the rounds
     * preconditioned by the batch's mean gains, {@link org.fprnn.solve.MeanGainPreconditioner}), the
     * adjoint to the default 1e-8 and to 1e-10.
     */
    @ParameterizedTest
    @CsvSource({"0.5, 4, 1e-8", "1.2, 4, 1e-8", "2.0, 4, 1e-8", "0.5, 16, 1e-8", "1.2, 16, 1e-8", "2.0, 16, 1e-8",
            "0.5, 48, 1e-8", "1.2, 48, 1e-8", "2.0, 48, 1e-8", "2.0, 48, 1e-10"})
    void refinedFloatAdjointGivesTheGradientOfADenseDoubleSolve(double scale, int batch, double tol) {
        assertEquals(batch > 4, MeanGainPreconditioner.pays(N, batch));
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(IN).units(N).outputs(CLASSES)
                .precision(Precision.FLOAT).recurrentScale(scale).seed(7).build();
        checkAgainstDenseSolve(net, "W scale " + scale + ", batch " + batch + ", adjoint to " + tol,
                SolverConfig.anderson(5, 0.5, 2000, 1e-6), batch, tol);
    }

    /**
     * A linear network (G = I) with W's eigenvalues spread over [-3, 0.6]: stable under the rate
     * dynamics, while the plain adjoint iteration diverges (MATH section 1). The float rounds' Anderson
     * is undamped ({@link org.fprnn.solve.RefinedAdjoint#INNER_MIXING}); with the damped double solve
     * that takes over what they leave, the adjoint still meets its tolerance and gives the gradient.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 48})
    void anAdjointWhosePlainIterationDivergesStillConverges(int batch) {
        Random rng = new Random(3);
        DMatrix q = new DMatrix(N, N);
        for (int i = 0; i < q.data.length; i++) {
            q.data[i] = rng.nextGaussian();
        }
        // Gram-Schmidt: q orthogonal; W = Q diag(d) Q^T
        for (int j = 0; j < N; j++) {
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < N; i++) {
                    dot += q.get(i, j) * q.get(i, k);
                }
                for (int i = 0; i < N; i++) {
                    q.set(i, j, q.get(i, j) - dot * q.get(i, k));
                }
            }
            double norm = 0;
            for (int i = 0; i < N; i++) {
                norm += q.get(i, j) * q.get(i, j);
            }
            for (int i = 0; i < N; i++) {
                q.set(i, j, q.get(i, j) / Math.sqrt(norm));
            }
        }
        DMatrix w = new DMatrix(N, N);
        for (int k = 0; k < N; k++) {
            double d = -3 + 3.6 * k / (N - 1);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < N; j++) {
                    w.data[i * N + j] += q.get(i, k) * d * q.get(j, k);
                }
            }
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(IN).units(N).outputs(CLASSES)
                .precision(Precision.FLOAT).recurrentWeights(w.to(Precision.FLOAT))
                .nonlinearity(new Nonlinearity.Linear(1.0)).seed(7).build();
        checkAgainstDenseSolve(net, "linear, eigenvalues of W in [-3, 0.6], batch " + batch,
                SolverConfig.anderson(5, 0.3, 2000, 1e-6), batch, RuleSettings.DEFAULT_ADJOINT.tol());
    }

    private static final int IN = 12;
    private static final int N = 40;
    private static final int CLASSES = 4;

    /**
     * The gradient rule's D_W on a batch of {@code b} at the forward solver's fixed point, its adjoint
     * refined to relative residual {@code tol} (below float's reach), against a dense double solve of
     * the adjoint per sample (relative error below 1e-6).
     */
    private static void checkAgainstDenseSolve(FixedPointNetwork net, String what, SolverConfig fwd, int b,
                                               double tol) {
        int n = N;
        int classes = CLASSES;
        Batch batch = TestNets.labelled(b, IN, classes, 1.0, 8);
        Batch fb = Batch.labelled(batch.x().to(Precision.FLOAT), batch.labels());
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, fb.x()).copy();
        RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, fwd);
        rs = rs.withAdjoint(rs.adjoint().withTol(tol));
        RuleResult res = Rules.create("gradient", rs).compute(net, fb, eq);
        assertTrue(res.adjoint().allConverged(), what);
        assertTrue(res.adjoint().maxResidual() <= rs.adjoint().tol(), what + ": relative residual "
                + res.adjoint().maxResidual());

        // The reference in double at the same state: e = R^T (softmax(R r) - onehot), g = f'(z),
        // lambda = (I - W^T G)^{-1} e per sample, D_W = (g * lambda)^T r / B.
        DMatrix w = net.recurrent().dense();
        Matrix r = eq.rates();
        Matrix z = eq.z();
        // The rule's gains, f'(z) in float, widened: the comparison is of the adjoint solves alone (on
        // an ill-conditioned sample, gains computed in double would move D_W by more than 1e-6).
        Matrix gainsF = z.zerosLike();
        net.nonlinearity().derivative(z, gainsF);
        DMatrix gains = gainsF.toDouble();
        Matrix rd = net.params().get("R");
        DMatrix dw = new DMatrix(n, n);
        for (int i = 0; i < b; i++) {
            double[] logits = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < n; j++) {
                    logits[c] += rd.get(c, j) * r.get(i, j);
                }
                max = Math.max(max, logits[c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                logits[c] = Math.exp(logits[c] - max);
                sum += logits[c];
            }
            double[] e = new double[n];
            for (int c = 0; c < classes; c++) {
                double eps = logits[c] / sum - (c == batch.labels()[i] ? 1 : 0);
                for (int j = 0; j < n; j++) {
                    e[j] += rd.get(c, j) * eps;
                }
            }
            double[] g = new double[n];
            for (int j = 0; j < n; j++) {
                g[j] = gains.get(i, j);
            }
            DMatrix a = new DMatrix(n, n);
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a.data[j * n + k] = (j == k ? 1 : 0) - w.data[k * n + j] * g[k];
                }
            }
            Lapack.invert(a);
            for (int j = 0; j < n; j++) {
                double lambda = 0;
                for (int k = 0; k < n; k++) {
                    lambda += a.data[j * n + k] * e[k];
                }
                double delta = g[j] * lambda;
                for (int k = 0; k < n; k++) {
                    dw.data[j * n + k] += delta * r.get(i, k) / b;
                }
            }
        }
        double rel = TestNets.relErr(dw, res.directions().get("W"));
        System.out.printf(java.util.Locale.ROOT, "refined float adjoint, %s: %d adjoint iterations,"
                + " relative error of D_W %.3g%n", what, res.adjoint().iterationsMax(), rel);
        assertTrue(rel < 1e-6, what + ": D_W differs from the dense double solve's by " + rel);
    }
}
