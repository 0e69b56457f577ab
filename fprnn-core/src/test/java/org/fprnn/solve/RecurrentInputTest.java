package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.ForwardingOperator;
import org.fprnn.operator.RecurrentOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The equilibrium's recurrent input W r (and z = W r + h) is the forward solver's own product at each
 * sample's returned state when the solver keeps it (Anderson, whole or in chunks, with compaction),
 * so the equilibrium makes no product of its own; a solver that keeps none (Euler), or a solve with a
 * sample at the iteration limit, leaves it to the equilibrium's one product. Either way it is W r at
 * the returned rates up to the rounding of a float product, z is W r + h to the bit, and the residual
 * is max|r - f(z)| of those.
 */
class RecurrentInputTest {
    private static final int UNITS = 40;
    private static final int INPUTS = 8;

    /** Counts the operator's products W r (apply), the forward map's only products. */
    private static final class Counting extends ForwardingOperator {
        int applies;

        Counting(RecurrentOperator inner) {
            super(inner);
        }

        @Override
        public void apply(Matrix x, Matrix out, double alpha, double beta) {
            applies++;
            super.apply(x, out, alpha, beta);
        }

        @Override
        public boolean concurrentProducts() {
            return false; // the counter is not thread-safe: chunks one after the other
        }
    }

    private static FixedPointNetwork net(Precision p, Dynamics d, Counting[] counter) {
        NetworkSpec spec = NetworkSpec.fromToml("[network]\nunits = " + UNITS + "\nprecision = \""
                + p.name().toLowerCase(java.util.Locale.ROOT) + "\"\ndynamics = \""
                + d.name().toLowerCase(java.util.Locale.ROOT) + "\"\nrecurrent_scale = 1.1", "test");
        return spec.build(new FeatureShape(1, 1, INPUTS), 3, 5, w -> counter[0] = new Counting(w));
    }

    /** Inputs of very different sizes: samples stop at very different iterations, so solves compact. */
    private static Matrix inputs(int b, Precision p) {
        Random rng = new Random(9);
        Matrix x = p.zeros(b, INPUTS);
        for (int i = 0; i < b; i++) {
            double size = Math.pow(10, -2 + 3.0 * ((i * 37) % b) / b);
            for (int j = 0; j < INPUTS; j++) {
                x.set(i, j, size * rng.nextGaussian());
            }
        }
        return x;
    }

    /**
     * Checks W r, z and the residuals of eq against a product made here (the residuals at most
     * {@code bound}); returns W r's largest error relative to 1 + |W r|.
     */
    private static double check(FixedPointNetwork net, Equilibrium eq, double bound, String what) {
        Matrix wr = eq.rates().like(eq.rates().rows, UNITS);
        net.recurrent().apply(eq.rates(), wr, 1, 0);
        double worst = 0;
        double fzWorst = 0;
        Matrix fz = eq.z().copy();
        net.nonlinearity().apply(eq.z(), fz);
        for (int i = 0; i < wr.rows; i++) {
            double res = 0;
            for (int j = 0; j < UNITS; j++) {
                double scale = 1 + Math.abs(wr.get(i, j));
                worst = Math.max(worst, Math.abs(eq.recurrentInput().get(i, j) - wr.get(i, j)) / scale);
                // z = W r + h, rounded once in the network's precision
                double sum = eq.recurrentInput().get(i, j) + eq.h().get(i, j);
                double z = eq.z().precision() == Precision.FLOAT ? (float) sum : sum;
                assertEquals(z, eq.z().get(i, j), 0.0, what + ": z = W r + h at " + i + "," + j);
                double diff = eq.rates().get(i, j) - fz.get(i, j); // rounded as the network's precision rounds it
                res = Math.max(res, Math.abs(eq.z().precision() == Precision.FLOAT ? (float) diff : diff));
            }
            assertEquals(res, eq.residual()[i], 0.0, what + ": residual of sample " + i);
            fzWorst = Math.max(fzWorst, res);
        }
        assertTrue(fzWorst <= bound, what + ": largest residual " + fzWorst);
        return worst;
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void theSolversProductIsTheEquilibriumsRecurrentInput(Precision p) {
        double roundoff = p == Precision.FLOAT ? 1e-5 : 1e-12;
        double tol = p == Precision.FLOAT ? 1e-6 : 1e-10;
        for (Dynamics d : new Dynamics[] {Dynamics.RATE, Dynamics.CURRENT}) {
            Counting[] counter = new Counting[1];
            FixedPointNetwork net = net(p, d, counter);
            Matrix x = inputs(128, p);
            // whole batch, and chunks of 32 rows (4 chunks), both compacting as samples stop
            for (int chunk : new int[] {SolverConfig.WHOLE_BATCH, 32}) {
                SolverConfig c = SolverConfig.anderson(5, 1.0, 300, tol).withChunkRows(chunk);
                String what = p + " " + d + " anderson, chunk rows " + chunk;
                EquilibriumSolver solver = new EquilibriumSolver(c);
                counter[0].applies = 0;
                Equilibrium eq = solver.solve(net, x);
                int solveProducts = counter[0].applies;
                assertEquals(eq.samples(), eq.convergedCount(), what);
                assertTrue(check(net, eq, 10 * tol, what) <= roundoff, what);
                // the same solve by hand, through the solver alone, makes as many products: the
                // equilibrium adds none
                Matrix h = p.zeros(x.rows, UNITS);
                net.inputDrive(x, h);
                Matrix s = p.zeros(x.rows, UNITS);
                counter[0].applies = 0;
                net.recurrent().beginFixedWeights(); // as the equilibrium solver does (packed products round alike)
                SolveResult res;
                try {
                    res = Solvers.create(c).solve(new NetworkMap(net, h, new Workspace(), true), s);
                } finally {
                    net.recurrent().endFixedWeights();
                }
                assertNotNull(res.products(), what + ": the solver keeps its products");
                assertEquals(counter[0].applies, solveProducts, what + ": products of the solve");
            }
            // Euler keeps no products: one product of the equilibrium's own
            SolverConfig euler = SolverConfig.euler(0.5, 30, 0);
            Equilibrium eq = new EquilibriumSolver(euler).solve(net, x);
            assertTrue(check(net, eq, Double.POSITIVE_INFINITY, p + " " + d + " euler") <= roundoff);
            // a sample at the iteration limit: no products from the solver, the equilibrium makes them
            SolverConfig capped = SolverConfig.anderson(5, 1.0, 4, tol).withChunkRows(SolverConfig.WHOLE_BATCH);
            Matrix h = p.zeros(x.rows, UNITS);
            net.inputDrive(x, h);
            SolveResult cut = Solvers.create(capped).solve(new NetworkMap(net, h, new Workspace(), true),
                    p.zeros(x.rows, UNITS));
            assertNull(cut.products(), p + " " + d + ": a sample ran to the limit");
            Equilibrium capEq = new EquilibriumSolver(capped).solve(net, x);
            assertFalse(capEq.convergedCount() == capEq.samples());
            Matrix wr = capEq.rates().like(x.rows, UNITS);
            net.recurrent().apply(capEq.rates(), wr, 1, 0);
            for (int i = 0; i < x.rows; i++) {
                for (int j = 0; j < UNITS; j++) {
                    assertEquals(wr.get(i, j), capEq.recurrentInput().get(i, j), 0.0, "capped: W r made here");
                }
            }
        }
    }
}
