package org.fprnn.rule;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Lapack;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gradient rule on a float network with the adjoint tolerance below float's reach (the default
 * 1e-8): mixed-precision refinement (float solves of the correction equation, residuals in double)
 * meets the tolerance in double and gives the gradient at the returned state (MATH section 3.1),
 * checked against a dense double solve of the adjoint per sample, to a relative error below 1e-6.
 */
class RefinedAdjointTest {

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 1.2, 2.0})
    void refinedFloatAdjointGivesTheGradientOfADenseDoubleSolve(double scale) {
        int nIn = 12;
        int n = 40;
        int classes = 4;
        int b = 16;
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(nIn).units(n).outputs(classes)
                .precision(Precision.FLOAT).recurrentScale(scale).seed(7).build();
        Batch batch = TestNets.labelled(b, nIn, classes, 1.0, 8);
        Batch fb = Batch.labelled(batch.x().to(Precision.FLOAT), batch.labels());
        SolverConfig fwd = SolverConfig.anderson(5, 0.5, 2000, 1e-6);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, fb.x()).copy();
        RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, fwd);
        RuleResult res = Rules.create("gradient", rs).compute(net, fb, eq);
        assertTrue(res.adjoint().allConverged(), "scale " + scale);
        assertTrue(res.adjoint().maxResidual() <= rs.adjoint().tol(), "scale " + scale + ": relative residual "
                + res.adjoint().maxResidual());

        // The reference in double at the same state: e = R^T (softmax(R r) - onehot), g = f'(z),
        // lambda = (I - W^T G)^{-1} e per sample, D_W = (g * lambda)^T r / B.
        DMatrix w = net.recurrent().dense();
        Matrix r = eq.rates();
        Matrix z = eq.z();
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
                double t = Math.tanh(z.get(i, j));
                g[j] = 1 - t * t;
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
        System.out.printf(java.util.Locale.ROOT, "refined float adjoint, W scale %s: %d adjoint iterations,"
                + " relative error of D_W %.3g%n", scale, res.adjoint().iterationsMax(), rel);
        assertTrue(rel < 1e-6, "scale " + scale + ": D_W differs from the dense double solve's by " + rel);
    }
}
