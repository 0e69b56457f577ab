package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.DenseOperator;
import org.junit.jupiter.api.Test;

/**
 * Solves in chunks of rows ({@link ChunkedSolver}, MATH section 6 fact 7: samples are independent):
 * every sample gets exactly the state, residual, converged flag and iteration count of its chunk
 * solved alone as a batch by the unchunked solver; the bits do not depend on the thread count (chunks
 * on several threads for dense weights, one after the other for operators with scratch of their
 * own); the chunked states agree with the whole batch's to the tolerance; and the chunk sizes.
 */
class ChunkedSolverTest {
    private static final int BATCH = 90;
    private static final int UNITS = 36;
    private static final int CHUNK = 32; // 3 chunks of 30 rows

    private static FixedPointNetwork dense(Precision p, Dynamics d) {
        return dense(p, d, 1.1);
    }

    private static FixedPointNetwork dense(Precision p, Dynamics d, double scale) {
        return FixedPointNetwork.builder().inputs(6).units(UNITS).outputs(3).nonlinearity(new Nonlinearity.Tanh())
                .dynamics(d).precision(p).recurrentScale(scale).seed(21).build();
    }

    /** One dense layer inside a block operator: no concurrent copies, so the chunks run one after the other. */
    private static FixedPointNetwork block(Precision p) {
        return FixedPointNetwork.builder().inputs(6).outputs(3).nonlinearity(new Nonlinearity.Tanh())
                .dynamics(Dynamics.RATE).precision(p).seed(22)
                .recurrent(BlockOperator.builder().layer(DenseOperator.factory("W1", UNITS, 1.1)).factory()).build();
    }

    /** Inputs of very different sizes, so that the samples stop at very different iterations. */
    private static Matrix inputs(int b, Precision p, long seed) {
        Random rng = new Random(seed);
        Matrix x = p.zeros(b, 6);
        for (int i = 0; i < b; i++) {
            double size = Math.pow(10, -2 + 3.0 * ((i * 37) % b) / b);
            for (int j = 0; j < 6; j++) {
                x.set(i, j, size * rng.nextGaussian());
            }
        }
        return x;
    }

    /** The drive h of inputs x. */
    private static Matrix drive(FixedPointNetwork net, Matrix x) {
        Matrix h = net.precision().zeros(x.rows, net.units());
        net.inputDrive(x.to(net.precision()), h);
        return h;
    }

    private static NetworkMap forwardMap(FixedPointNetwork net, Matrix x) {
        return new NetworkMap(net, drive(net, x), new Workspace());
    }

    private static SolverConfig[] configs(double tol) {
        return new SolverConfig[] {SolverConfig.anderson(5, 1.0, 300, tol).withChunkRows(CHUNK),
                SolverConfig.euler(0.3, 60, 0).withChunkRows(CHUNK),
                SolverConfig.picard(0.5, 400, tol).withChunkRows(CHUNK)};
    }

    /** The chunked solve from zero at the given thread count. */
    private static SolveResult solve(SolverConfig c, BatchMap map, int threads) {
        int before = Blas.get().threads();
        int rowsBefore = RowParallel.threads();
        Blas.setThreads(threads);
        try {
            Matrix s = map.precision().zeros(map.samples(), map.dim());
            return Solvers.create(c).solve(map, s);
        } finally {
            Blas.setThreads(before);
            RowParallel.setThreads(rowsBefore);
        }
    }

    /**
     * Every sample of the chunked solve has exactly the results of its chunk solved alone (chunk c
     * of the batch as a batch of its own, unchunked), whatever the thread count.
     */
    private static void sameAsChunksAlone(String what, SolverConfig c, BatchMap map,
                                          java.util.function.BiFunction<Integer, Integer, BatchMap> chunk) {
        int b = map.samples();
        int n = map.dim();
        assertTrue(Solvers.create(c) instanceof ChunkedSolver, what);
        int count = ChunkedSolver.chunks(b, CHUNK);
        assertEquals(3, count, what);
        for (int threads : new int[] {1, 2}) {
            SolveResult r = solve(c, map, threads);
            for (int k = 0; k < count; k++) {
                int lo = ChunkedSolver.chunkStart(b, count, k);
                int hi = ChunkedSolver.chunkStart(b, count, k + 1);
                Matrix s = map.precision().zeros(hi - lo, n);
                SolveResult alone = Solvers.create(c.withChunkRows(SolverConfig.WHOLE_BATCH)).solve(chunk.apply(lo, hi), s);
                for (int i = lo; i < hi; i++) {
                    String at = what + ", " + threads + " thread(s), sample " + i;
                    for (int j = 0; j < n; j++) {
                        assertEquals(Double.doubleToRawLongBits(s.get(i - lo, j)),
                                Double.doubleToRawLongBits(r.state().get(i, j)), at + ", unit " + j);
                    }
                    assertEquals(alone.iterations()[i - lo], r.iterations()[i], at);
                    assertEquals(alone.converged()[i - lo], r.converged()[i], at);
                    assertEquals(Double.doubleToRawLongBits(alone.residual()[i - lo]),
                            Double.doubleToRawLongBits(r.residual()[i]), at);
                }
            }
            int itMax = 0;
            for (int it : r.iterations()) {
                itMax = Math.max(itMax, it);
            }
            assertEquals(itMax, r.iterationsMax(), what);
        }
    }

    /** The map on rows [lo, hi) of the batch, their drive copied from the batch's (as a chunk's is). */
    private static BatchMap forwardRows(FixedPointNetwork net, Matrix x, int lo, int hi) {
        Matrix h = drive(net, x);
        Matrix hs = h.like(hi - lo, h.cols);
        for (int i = lo; i < hi; i++) {
            hs.copyRow(h, i, i - lo);
        }
        return new NetworkMap(net, hs, new Workspace());
    }

    @Test
    void everySampleGetsTheResultsOfItsChunkSolvedAlone() {
        for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT ? 1e-5 : 1e-10;
            Matrix x = inputs(BATCH, p, 3);
            for (Dynamics d : new Dynamics[] {Dynamics.RATE, Dynamics.CURRENT}) {
                FixedPointNetwork net = dense(p, d);
                for (SolverConfig c : configs(tol)) {
                    sameAsChunksAlone(c.method() + " " + p + " " + d, c, forwardMap(net, x),
                            (lo, hi) -> forwardRows(net, x, lo, hi));
                }
            }
            FixedPointNetwork net = block(p);
            assertNull(forwardMap(net, x).concurrentCopy(), "a block operator keeps scratch of its own");
            sameAsChunksAlone("anderson, block operator, " + p, configs(tol)[0], forwardMap(net, x),
                    (lo, hi) -> forwardRows(net, x, lo, hi));
        }
    }

    @Test
    void adjointSolvesInChunks() {
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = dense(p, Dynamics.RATE);
            Random rng = new Random(6);
            Matrix e = TestNets.randn(BATCH, UNITS, 1, rng).to(p);
            Matrix g = p.zeros(BATCH, UNITS);
            for (int i = 0; i < BATCH; i++) {
                for (int j = 0; j < UNITS; j++) {
                    g.set(i, j, (0.05 + 0.8 * i / BATCH) * rng.nextDouble());
                }
            }
            AdjointMap map = new AdjointMap(net.recurrent(), e, g, g.zerosLike());
            assertNotNull(map.concurrentCopy());
            double tol = p == Precision.FLOAT ? 1e-5 : 1e-10;
            sameAsChunksAlone("adjoint " + p, SolverConfig.anderson(6, 0.5, 400, tol).withChunkRows(CHUNK), map,
                    (lo, hi) -> {
                        Matrix es = e.like(hi - lo, UNITS);
                        Matrix gs = g.like(hi - lo, UNITS);
                        for (int i = lo; i < hi; i++) {
                            es.copyRow(e, i, i - lo);
                            gs.copyRow(g, i, i - lo);
                        }
                        return new AdjointMap(net.recurrent(), es, gs, gs.zerosLike());
                    });
        }
    }

    /**
     * The chunked states are the whole batch's up to rounding, on a network with one fixed point per
     * input (W's scale below 1; with several, rounding may lead a sample to another).
     */
    @Test
    void chunkedAndWholeAgreeToTheTolerance() {
        for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT ? 1e-5 : 1e-10;
            FixedPointNetwork net = dense(p, Dynamics.RATE, 0.8);
            Matrix x = inputs(BATCH, p, 4);
            SolverConfig c = SolverConfig.anderson(5, 1.0, 1000, tol);
            SolveResult chunked = solve(c.withChunkRows(CHUNK), forwardMap(net, x), 2);
            SolveResult whole = solve(c.withChunkRows(SolverConfig.WHOLE_BATCH), forwardMap(net, x), 2);
            assertTrue(chunked.allConverged() && whole.allConverged(), p.toString());
            for (int i = 0; i < BATCH; i++) {
                for (int j = 0; j < UNITS; j++) {
                    assertEquals(whole.state().get(i, j), chunked.state().get(i, j), 20 * tol, p + " sample " + i);
                }
                assertTrue(Math.abs(whole.iterations()[i] - chunked.iterations()[i]) <= 2, p + " sample " + i);
            }
        }
    }

    /** A batch of at most one chunk is solved whole, with the unchunked solver's bits. */
    @Test
    void aSmallBatchIsSolvedWhole() {
        FixedPointNetwork net = dense(Precision.FLOAT, Dynamics.RATE);
        Matrix x = inputs(CHUNK, Precision.FLOAT, 5);
        SolverConfig c = SolverConfig.anderson(5, 1.0, 300, 1e-5);
        SolveResult chunked = solve(c.withChunkRows(CHUNK), forwardMap(net, x), 2);
        SolveResult whole = solve(c.withChunkRows(SolverConfig.WHOLE_BATCH), forwardMap(net, x), 2);
        for (int i = 0; i < CHUNK; i++) {
            for (int j = 0; j < UNITS; j++) {
                assertEquals(whole.state().get(i, j), chunked.state().get(i, j), 0.0);
            }
        }
        assertArrayEquals(whole.iterations(), chunked.iterations());
    }

    @Test
    void chunkSizes() {
        // ceil(B / R) chunks of nearly equal size, covering the batch
        assertEquals(3, ChunkedSolver.chunks(90, 32));
        assertEquals(1, ChunkedSolver.chunks(32, 32));
        assertEquals(2, ChunkedSolver.chunks(33, 32));
        for (int b : new int[] {33, 90, 512, 1000}) {
            int count = ChunkedSolver.chunks(b, 64);
            assertEquals(0, ChunkedSolver.chunkStart(b, count, 0));
            assertEquals(b, ChunkedSolver.chunkStart(b, count, count));
            for (int c = 0; c < count; c++) {
                int size = ChunkedSolver.chunkStart(b, count, c + 1) - ChunkedSolver.chunkStart(b, count, c);
                assertTrue(size >= b / count && size <= 64, b + ": chunk " + c + " has " + size + " rows");
            }
        }
        // the automatic size depends on the method, width, precision and (float) packed products only
        boolean packed = org.fprnn.linalg.PackedProduct.supported();
        SolverConfig a = SolverConfig.anderson(5, 1.0, 300, 1e-6);
        SolverConfig e = SolverConfig.euler(0.01, 500, 0);
        assertEquals(a.chunkRows(), SolverConfig.AUTO_CHUNK);
        assertEquals(64, ChunkedSolver.rows(a, 512, 300, Precision.FLOAT));
        assertEquals(64, ChunkedSolver.rows(e, 512, 300, Precision.FLOAT));
        assertEquals(64, ChunkedSolver.rows(e, 512, 500, Precision.FLOAT));
        // the gradient's adjoint (memory 6): 48 rows fit, so chunks of 32 where packed products serve
        SolverConfig adjoint = SolverConfig.anderson(6, 0.5, 2000, 1e-8);
        assertEquals(packed ? 32 : 512, ChunkedSolver.rows(adjoint, 512, 300, Precision.FLOAT));
        assertEquals(512, ChunkedSolver.rows(adjoint, 512, 300, Precision.DOUBLE));
        // chunks below 64 rows (32 with packed products), too few chunks, or W too large for the
        // shared cache: the whole batch
        assertEquals(512, ChunkedSolver.rows(a, 512, 300, Precision.DOUBLE));
        assertEquals(packed ? 32 : 128, ChunkedSolver.rows(a, 128, 500, Precision.FLOAT));
        assertEquals(128, ChunkedSolver.rows(a, 128, 1000, Precision.FLOAT));
        assertEquals(128, ChunkedSolver.rows(a, 128, 300, Precision.FLOAT));
        assertEquals(512, ChunkedSolver.rows(a, 512, 1000, Precision.FLOAT));
        assertEquals(40, ChunkedSolver.rows(a.withChunkRows(40), 512, 300, Precision.FLOAT));
        assertEquals(90, ChunkedSolver.rows(a.withChunkRows(SolverConfig.WHOLE_BATCH), 90, 300, Precision.FLOAT));
        assertTrue(Solvers.create(a.withChunkRows(SolverConfig.WHOLE_BATCH)) instanceof AndersonSolver);
        assertTrue(Solvers.create(SolverConfig.newton(10, 1e-6)) instanceof NewtonSolver);
        assertThrows(IllegalArgumentException.class, () -> a.withChunkRows(-1));
    }
}
