package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.fprnn.TestNets;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.ForwardingOperator;
import org.fprnn.operator.RecurrentOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A solve from rest skips its first product (0 W^T = 0), and each chunk of a chunked solve skips its
 * own, and gives the bits of the same solve started from an explicit zero state, which makes those
 * products: for every solver, whole and in chunks, dense and layered convolutional networks, float and
 * double, and each dynamics (current dynamics make the product: f(0) need not be 0).
 */
class SolveFromRestTest {
    private static final FeatureShape IMAGE = new FeatureShape(1, 8, 8);
    /** Rows per chunk of the chunked solvers below: a batch of 6 in 3 chunks. */
    private static final int CHUNK = 2;
    private static final int BATCH = 6;
    private static final List<SolverConfig> SOLVERS = List.of(
            SolverConfig.euler(0.5, 40, 0),
            SolverConfig.euler(0.5, 2000, 1e-6),
            SolverConfig.picard(0.8, 2000, 1e-6),
            SolverConfig.anderson(5, 1.0, 300, 1e-6),
            new SolverConfig("broyden", 1e-6, 300, 1.0, 8, 1.0),
            SolverConfig.newton(30, 1e-6),
            new SolverConfig("anderson", 1e-6, 300, 1.0, 5, 1.0, CHUNK),
            new SolverConfig("euler", 1e-6, 2000, 0.5, 5, 1.0, CHUNK),
            new SolverConfig("picard", 1e-6, 2000, 0.8, 5, 1.0, CHUNK));

    private static final String DENSE = """
            [network]
            units = 24
            dynamics = "%s"
            precision = "%s"
            recurrent_scale = 0.8
            """;
    private static final String CONV = """
            [network]
            connectivity = "conv"
            dynamics = "%s"
            precision = "%s"
            train_input = true
            [[network.layers]]
            channels = 2
            stride = 2
            [[network.layers]]
            channels = 3
            stride = 2
            """;

    @ParameterizedTest
    @ValueSource(strings = {"dense rate float", "dense rate double", "dense discrete float", "dense current float",
        "conv rate float", "conv rate double"})
    void aSolveFromRestSkipsOneProductAndKeepsTheBits(String kind) {
        String[] k = kind.split(" ");
        String toml = (k[0].equals("dense") ? DENSE : CONV).formatted(k[1], k[2]);
        long[] products = {0};
        UnaryOperator<RecurrentOperator> count = op -> new Counting(op, products);
        FixedPointNetwork net = NetworkSpec.fromToml(toml, "test.toml").build(IMAGE, 3, 7, count);
        Random rng = new Random(5);
        Matrix x = Precision.valueOf(k[2].toUpperCase()).zeros(BATCH, IMAGE.size());
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        boolean skips = !k[1].equals("current");
        for (SolverConfig c : SOLVERS) {
            EquilibriumSolver solver = new EquilibriumSolver(c);
            products[0] = 0;
            Equilibrium rest = solver.solve(net, x).copy();
            long restProducts = products[0];
            products[0] = 0;
            Equilibrium zeros = solver.solve(net, x, net.precision().zeros(x.rows, net.units())).copy();
            boolean chunked = c.chunkRows() == CHUNK;
            String what = kind + ", " + c.method() + " to " + c.tol() + (chunked ? " in chunks" : "");
            int skipped = skips ? chunked ? BATCH / CHUNK : 1 : 0;
            assertEquals(products[0] - skipped, restProducts, what + ": products with W");
            assertTrue(restProducts > 1, what + ": no products counted");
            assertArrayEquals(TestNets.bits(zeros.state()), TestNets.bits(rest.state()), what + ": state");
            assertArrayEquals(TestNets.bits(zeros.rates()), TestNets.bits(rest.rates()), what + ": rates");
            assertArrayEquals(TestNets.bits(zeros.z()), TestNets.bits(rest.z()), what + ": z");
            assertArrayEquals(zeros.residual(), rest.residual(), what + ": residuals");
            assertArrayEquals(zeros.iterations(), rest.iterations(), what + ": iterations");
        }
    }


    /** Counts the products with the state (apply), otherwise the operator it wraps. */
    private static final class Counting extends ForwardingOperator {
        private final long[] count;

        Counting(RecurrentOperator inner, long[] count) {
            super(inner);
            this.count = count;
        }

        @Override
        public void apply(Matrix x, Matrix out, double alpha, double beta) {
            count[0]++;
            inner.apply(x, out, alpha, beta);
        }
    }
}
