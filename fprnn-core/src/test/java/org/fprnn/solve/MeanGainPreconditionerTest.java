package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.rule.RuleSettings;
import org.junit.jupiter.api.Test;

/**
 * The mean-gain preconditioner of the gradient rule's float adjoint rounds (MATH section 3.1): the
 * refinement reaches the same lambda to the same double residual as without it, in fewer float
 * iterations; a singular mean-gain matrix is refused, and it is used only where it pays.
 */
class MeanGainPreconditionerTest {
    private static final int N = 64;
    private static final int B = 128;

    private record Adjoint(FixedPointNetwork net, FMatrix e, FMatrix g) {
        AdjointMap exact() {
            DMatrix ed = e.toDouble();
            return new AdjointMap(net.recurrent().toDouble(), ed, g.toDouble(), ed.zerosLike());
        }
    }

    /** A tanh network's adjoint equation at its fixed point for B random inputs, e random. */
    private static Adjoint adjoint(double scale) {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(20).units(N).outputs(4)
                .precision(Precision.FLOAT).recurrentScale(scale).seed(3).build();
        Matrix x = TestNets.randn(B, 20, 1, new Random(4)).to(Precision.FLOAT);
        Equilibrium eq = new EquilibriumSolver(SolverConfig.anderson(5, 1.0, 500, 1e-6)).solve(net, x);
        FMatrix g = new FMatrix(B, N);
        net.nonlinearity().derivative(eq.z(), g);
        FMatrix e = (FMatrix) TestNets.randn(B, N, 1, new Random(5)).to(Precision.FLOAT);
        return new Adjoint(net, e, g);
    }

    private static SolveResult refine(Adjoint a, MeanGainPreconditioner pre, DMatrix lambda) {
        lambda.copyFrom(a.e());
        return new RefinedAdjoint(RuleSettings.DEFAULT_ADJOINT)
                .solve(a.exact(), a.net().recurrent(), a.e(), a.g(), lambda, 1e-8, pre);
    }

    @Test
    void preconditionedRoundsReachTheSameLambdaInFewerIterations() {
        for (double scale : new double[] {0.8, 1.5}) {
            Adjoint a = adjoint(scale);
            DMatrix plain = new DMatrix(B, N);
            SolveResult p = refine(a, null, plain);
            MeanGainPreconditioner pre = new MeanGainPreconditioner();
            assertTrue(pre.prepare(a.net().recurrent().dense(), a.g()), "scale " + scale);
            DMatrix preconditioned = new DMatrix(B, N);
            SolveResult q = refine(a, pre, preconditioned);
            String what = "W scale " + scale;
            assertTrue(p.allConverged() && q.allConverged(), what);
            assertTrue(q.maxResidual() <= 1e-8, what + ": relative residual " + q.maxResidual());
            double rel = TestNets.relErr(plain, preconditioned);
            long with = TestNets.totalIterations(q.iterations());
            long without = TestNets.totalIterations(p.iterations());
            System.out.printf(Locale.ROOT, "mean-gain preconditioner, %s: %d float iterations in all against %d"
                    + " without; lambda differs by %.2e%n", what, with, without, rel);
            assertTrue(rel < 1e-7, what + ": lambda differs from the plain refinement's by " + rel);
            assertTrue(with < 0.7 * without, what + ": " + with + " float iterations against " + without
                    + " without the preconditioner");
        }
    }

    /** W = I with every gain 1: I - W^T diag(gbar) = 0. */
    @Test
    void aSingularMeanGainMatrixIsRefused() {
        DMatrix w = new DMatrix(N, N);
        for (int i = 0; i < N; i++) {
            w.set(i, i, 1.0);
        }
        FMatrix g = new FMatrix(B, N);
        java.util.Arrays.fill(g.data, 1f);
        assertFalse(new MeanGainPreconditioner().prepare(w, g));
    }

    /** Gains of a diverging network: the preconditioner steps aside and the plain rounds report it. */
    @Test
    void gainsThatAreNotFiniteAreRefused() {
        Adjoint a = adjoint(0.8);
        FMatrix g = (FMatrix) a.g().copy();
        g.data[5] = Float.NaN;
        assertFalse(new MeanGainPreconditioner().prepare(a.net().recurrent().dense(), g));
        g.data[5] = Float.POSITIVE_INFINITY;
        assertFalse(new MeanGainPreconditioner().prepare(a.net().recurrent().dense(), g));
    }

    @Test
    void mismatchedShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MeanGainPreconditioner().prepare(new DMatrix(N, N),
                new FMatrix(B, N + 1)));
    }

    @Test
    void itIsUsedWhereThereIsAtLeastOneSamplePerEightUnits() {
        assertTrue(MeanGainPreconditioner.pays(300, 512));
        assertTrue(MeanGainPreconditioner.pays(300, 38));
        assertFalse(MeanGainPreconditioner.pays(300, 37));
        assertFalse(MeanGainPreconditioner.pays(MeanGainPreconditioner.MAX_UNITS + 1, 4096));
        assertEquals(1024, MeanGainPreconditioner.MAX_UNITS);
    }
}
