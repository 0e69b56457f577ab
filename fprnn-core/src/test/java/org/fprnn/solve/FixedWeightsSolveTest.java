package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import java.util.function.UnaryOperator;
import org.fprnn.TestNets;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.ForwardingOperator;
import org.fprnn.operator.RecurrentOperator;
import org.junit.jupiter.api.Test;

/**
 * The forward solve holds the network's weights fixed ({@link RecurrentOperator#beginFixedWeights()})
 * for its products: the equilibrium has the bits of a solve whose operator ignores the span (where
 * packed products serve the span, float with 512-bit vectors, it agrees to the solver's tolerance,
 * and a solve in chunks has the bits of the whole batch's), and the span ends also when the solve
 * fails.
 */
class FixedWeightsSolveTest {
    private static final FeatureShape INPUT = new FeatureShape(1, 4, 5);
    private static final String NET = """
            [network]
            units = 48
            precision = "%s"
            recurrent_scale = 0.9
            """;

    /** Forwards everything but the span, which it counts and (if told) keeps from the inner operator. */
    private static final class Span extends ForwardingOperator {
        final boolean forward;
        int begins;
        int ends;
        long applies;
        long failAt = Long.MAX_VALUE;

        Span(RecurrentOperator inner, boolean forward) {
            super(inner);
            this.forward = forward;
        }

        @Override
        public void beginFixedWeights() {
            begins++;
            if (forward) {
                inner.beginFixedWeights();
            }
        }

        @Override
        public void endFixedWeights() {
            ends++;
            if (forward) {
                inner.endFixedWeights();
            }
        }

        @Override
        public void apply(Matrix x, Matrix out, double alpha, double beta) {
            if (++applies >= failAt) {
                throw new IllegalStateException("product " + applies + " fails on purpose");
            }
            inner.apply(x, out, alpha, beta);
        }

        @Override
        public boolean concurrentProducts() {
            return inner.concurrentProducts() && failAt == Long.MAX_VALUE;
        }
    }

    private static FixedPointNetwork net(Precision p, Span[] holder, boolean forward) {
        UnaryOperator<RecurrentOperator> wrap = op -> holder[0] = new Span(op, forward);
        return NetworkSpec.fromToml(NET.formatted(p.name().toLowerCase()), "test.toml").build(INPUT, 3, 11, wrap);
    }

    private static Matrix inputs(Precision p, int b) {
        Random rng = new Random(2);
        Matrix x = p.zeros(b, INPUT.size());
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        return x;
    }


    @Test
    void aSolveWithTheSpanHasTheBitsOfOneWithout() {
        for (Precision p : Precision.values()) {
            for (SolverConfig c : new SolverConfig[] {SolverConfig.anderson(5, 1.0, 300, 1e-6),
                new SolverConfig("anderson", 1e-6, 300, 1.0, 5, 1.0, 8), SolverConfig.euler(0.5, 30, 0)}) {
                Span[] with = new Span[1];
                Span[] without = new Span[1];
                FixedPointNetwork a = net(p, with, true);
                FixedPointNetwork b = net(p, without, false);
                Matrix x = inputs(p, 40);
                Equilibrium ea = new EquilibriumSolver(c).solve(a, x).copy();
                Equilibrium eb = new EquilibriumSolver(c).solve(b, x).copy();
                String what = p + ", " + c.method() + (c.chunkRows() == 8 ? " in chunks" : "");
                assertEquals(1, with[0].begins, what + ": one span per solve");
                assertEquals(1, with[0].ends, what + ": the span ended");
                assertTrue(with[0].applies > 10, what + ": products counted");
                if (p == Precision.FLOAT && PackedProduct.supported()) {
                    // packed products round differently from OpenBLAS's: the same fixed point to the tolerance
                    for (int i = 0; i < ea.state().size(); i++) {
                        assertEquals(eb.state().getFlat(i), ea.state().getFlat(i), 1e-4, what + ": state " + i);
                    }
                    continue;
                }
                assertArrayEquals(TestNets.bits(eb.state()), TestNets.bits(ea.state()), what + ": state");
                assertArrayEquals(TestNets.bits(eb.z()), TestNets.bits(ea.z()), what + ": z");
                assertArrayEquals(eb.residual(), ea.residual(), what + ": residuals");
                assertArrayEquals(eb.iterations(), ea.iterations(), what + ": iterations");
            }
        }
    }

    /**
     * With packed products (float, 512-bit vectors) each sample's products do not depend on the rows
     * beside it, so a solve in chunks has the bits of the whole batch's solve.
     */
    @Test
    void withPackedProductsChunksHaveTheBitsOfTheWholeBatch() {
        assumeTrue(PackedProduct.supported(), "no 512-bit float vectors on this machine");
        for (SolverConfig whole : new SolverConfig[] {SolverConfig.anderson(5, 1.0, 300, 1e-6),
            SolverConfig.euler(0.5, 30, 0)}) {
            Span[] span = new Span[1];
            FixedPointNetwork net = net(Precision.FLOAT, span, true);
            Matrix x = inputs(Precision.FLOAT, 40);
            Equilibrium a = new EquilibriumSolver(whole.withChunkRows(SolverConfig.WHOLE_BATCH)).solve(net, x).copy();
            Equilibrium b = new EquilibriumSolver(whole.withChunkRows(8)).solve(net, x).copy();
            String what = whole.method();
            assertArrayEquals(TestNets.bits(a.state()), TestNets.bits(b.state()), what + ": state");
            assertArrayEquals(a.residual(), b.residual(), what + ": residuals");
            assertArrayEquals(a.iterations(), b.iterations(), what + ": iterations");
        }
    }

    @Test
    void theSpanEndsWhenTheSolveFails() {
        Span[] span = new Span[1];
        FixedPointNetwork net = net(Precision.FLOAT, span, true);
        span[0].failAt = 5;
        EquilibriumSolver solver = new EquilibriumSolver(SolverConfig.anderson(5, 1.0, 300, 1e-6));
        assertThrows(IllegalStateException.class, () -> solver.solve(net, inputs(Precision.FLOAT, 6)));
        assertEquals(1, span[0].begins);
        assertEquals(1, span[0].ends, "the span must end when the solve throws");
    }
}
