package org.fprnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks' product counter must not change what they time: P1-converged's forward solve, which
 * the solver cuts into chunks of rows solved on several threads for dense weights, gives the same
 * bits and iterations with the counter as without it at 2 threads (the chunks' products are one
 * call each on that path and split into blocks on the one-thread-at-a-time path, so the bits tell
 * the paths apart), and the counter sees every product with W.
 */
class CountingOperatorTest {

    @Test
    void theCounterKeepsTheSolversPathAndCountsEveryProduct() {
        int before = Blas.get().threads();
        Blas.setThreads(2);
        try {
            FixedPointNetwork plain = P1.network(P1.UNITS);
            CountingOperator[] op = {null};
            FixedPointNetwork counted = P1.countingNetwork(P1.UNITS, op);
            assertTrue(op[0].concurrentProducts(), "a counted dense operator may be applied on several threads");
            Batch batch = P1.randomBatch(P1.BATCH, 2, Precision.FLOAT);
            SolverConfig forward = P1.converged();
            Equilibrium a = new EquilibriumSolver(forward).solve(plain, batch.x());
            op[0].reset();
            Equilibrium b = new EquilibriumSolver(forward).solve(counted, batch.x());
            assertArrayEquals(bits(a.rates()), bits(b.rates()), "the same states with and without the counter");
            assertArrayEquals(a.iterations(), b.iterations());
            // a sample that stopped after k updates was in k products (the first, at rest, is not made)
            long rowsAtLeast = 0;
            for (int k : b.iterations()) {
                rowsAtLeast += k;
            }
            long perRow = 2L * P1.UNITS * P1.UNITS;
            assertTrue(rowsAtLeast > 0);
            assertTrue(op[0].flops() >= rowsAtLeast * perRow,
                    "counted " + op[0].flops() + " flops, at least " + rowsAtLeast * perRow + " expected");
            assertTrue(op[0].flops() <= (long) P1.BATCH * b.iterationsMax() * perRow,
                    "counted " + op[0].flops() + " flops, more than the whole batch at every iteration");
        } finally {
            Blas.setThreads(before);
        }
    }

    private static long[] bits(Matrix m) {
        long[] out = new long[m.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Double.doubleToRawLongBits(m.getFlat(i));
        }
        return out;
    }
}
