package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.JavaBlas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Workspace;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.Conv2dMap;
import org.fprnn.operator.Conv2dOperator;
import org.fprnn.operator.DenseMap;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.FeatureShape;
import org.junit.jupiter.api.Test;

/**
 * The Anderson and Broyden solvers iterate only on the samples still iterating (MATH section 6 fact 7:
 * samples are independent): a batch whose samples stop at different iterations gives every sample the
 * fixed point, iteration count and converged flag it gets when solved alone, for a dense network
 * (both solvers), layered convolutional networks and the gradient rule's adjoint equation (Anderson,
 * which serves the gradient rule); and the map is applied to fewer
 * rows than the whole batch times the iterations (counted through a wrapper, not timed). On the
 * pure-Java product (the without-native-blas execution), whose rows do not depend on the other rows,
 * every sample gets exactly the bits of its solve alone.
 */
class CompactionTest {
    private static final int BATCH = 40;

    /** Inputs of very different sizes, so that the samples need very different numbers of iterations. */
    private static Matrix spreadInputs(int b, int nIn, Precision p, long seed) {
        Random rng = new Random(seed);
        Matrix x = p.zeros(b, nIn);
        for (int i = 0; i < b; i++) {
            double size = Math.pow(10, -3 + 4.0 * i / b);
            for (int j = 0; j < nIn; j++) {
                x.set(i, j, size * rng.nextGaussian());
            }
        }
        return x;
    }

    private static FixedPointNetwork dense(Precision p) {
        return base(p, 11).units(30).recurrentScale(1.1).build();
    }

    /** Two convolutional layers with a convolution F2 (every block a column map: in place). */
    private static FixedPointNetwork convInPlace(Precision p) {
        FeatureShape l1 = new FeatureShape(3, 5, 5);
        FeatureShape l2 = new FeatureShape(4, 3, 3);
        return base(p, 12).recurrent(BlockOperator.builder()
                .layer(Conv2dOperator.factory("K1", l1, 3, 0.9))
                .layer(Conv2dOperator.factory("K2", l2, 3, 0.9))
                .feedforward(2, Conv2dMap.factory("F2", l1, 4, 3, 2, 1, 0.6))
                .factory()).build();
    }

    /** Two layers, a convolutional and a dense one, with dense feedback (the block operator's workspace path). */
    private static FixedPointNetwork convWithDenseFeedback(Precision p) {
        FeatureShape l1 = new FeatureShape(2, 4, 4);
        return base(p, 13).recurrent(BlockOperator.builder()
                .layer(Conv2dOperator.factory("K1", l1, 3, 0.9))
                .layer(DenseOperator.factory("W2", 8, 0.9))
                .feedforward(2, DenseMap.factory("F2", 8, l1.size(), 0.1))
                .feedback(1, DenseMap.factory("B1", l1.size(), 8, 0.1))
                .factory()).build();
    }

    /** 6 inputs, 3 outputs, tanh rate dynamics. */
    private static FixedPointNetwork.Builder base(Precision p, long seed) {
        return FixedPointNetwork.builder().inputs(6).outputs(3).nonlinearity(new Nonlinearity.Tanh())
                .dynamics(Dynamics.RATE).precision(p).seed(seed);
    }

    /** The network's forward map on inputs x (its drive computed here). */
    private static NetworkMap forwardMap(FixedPointNetwork net, Matrix x) {
        Matrix h = net.precision().zeros(x.rows, net.units());
        net.inputDrive(x.to(net.precision()), h);
        return new NetworkMap(net, h, new Workspace());
    }

    /**
     * True if a row of a matrix product has the same bits whatever the other rows (the pure-Java
     * product sums in a fixed order; OpenBLAS's edge kernels round the last rows of a product
     * differently, see {@link BatchMap#restrict}).
     */
    private static boolean rowIndependentProduct() {
        return Blas.get() instanceof JavaBlas;
    }

    /**
     * Solves the whole batch of {@code map} from zero, then every sample alone (a one-row map, which
     * never compacts), and checks that each sample gets the same iterations and converged flag, and a
     * state within {@code stateTol} of its solve alone; on a product whose rows do not depend on the
     * other rows, the same bits. Returns the batch result.
     */
    private static SolveResult sameAsAlone(String what, BatchMap map, SolverConfig config, double stateTol,
                                           java.util.function.IntFunction<BatchMap> alone) {
        int b = map.samples();
        int n = map.dim();
        boolean exact = rowIndependentProduct();
        Matrix s = map.precision().zeros(b, n);
        CountingMap counted = new CountingMap(map);
        SolveResult batch = Solvers.create(config).solve(counted, s);
        int itMin = Integer.MAX_VALUE;
        for (int i = 0; i < b; i++) {
            BatchMap one = alone.apply(i);
            Matrix si = map.precision().zeros(1, n);
            SolveResult r = Solvers.create(config).solve(one, si);
            // In double the last bits that the product's row count changes never move a residual
            // across the tolerance here; in float they may, by an iteration or two.
            int slack = exact || map.precision() == Precision.DOUBLE ? 0 : 2;
            assertTrue(Math.abs(r.iterations()[0] - batch.iterations()[i]) <= slack, what + ": sample " + i
                    + " took " + batch.iterations()[i] + " iterations, alone " + r.iterations()[0]);
            assertEquals(r.converged()[0], batch.converged()[i], what + ": converged flag of sample " + i);
            double diff = 0;
            for (int j = 0; j < n; j++) {
                diff = Math.max(diff, Math.abs(si.get(0, j) - s.get(i, j)));
            }
            double allowed = exact ? 0 : stateTol;
            assertTrue(diff <= allowed, what + ": sample " + i + " is " + diff + " from its solve alone");
            assertTrue(Math.abs(r.residual()[0] - batch.residual()[i]) <= allowed, what + ": residual of sample " + i);
            itMin = Math.min(itMin, batch.iterations()[i]);
        }
        // The test means something only if the samples stop at very different iterations.
        assertTrue(batch.iterationsMax() >= 2 * itMin + 5, what + ": iterations " + itMin + " to "
                + batch.iterationsMax());
        assertTrue(counted.rows < (long) b * (batch.iterationsMax() + 1), what + ": no compaction");
        return batch;
    }

    /** The network map of sample i alone. */
    private static BatchMap aloneForward(FixedPointNetwork net, Matrix x, int i) {
        Matrix xi = x.like(1, x.cols);
        xi.copyRow(x, i, 0);
        return forwardMap(net, xi);
    }

    @Test
    void denseForwardSolvesGiveEverySampleItsSolveAlone() {
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = dense(p);
            Matrix x = spreadInputs(BATCH, 6, p, 3);
            double tol = p == Precision.FLOAT ? 1e-4 : 1e-10;
            sameAsAlone("dense " + p, forwardMap(net, x), SolverConfig.anderson(5, 1.0, 400, tol), 10 * tol,
                    i -> aloneForward(net, x, i));
            // Broyden in float amplifies the product's last bits into several iterations (measured: 50
            // against 45), so in float only the exact comparison on the pure-Java product is made.
            if (p == Precision.DOUBLE || rowIndependentProduct()) {
                sameAsAlone("dense " + p + ", broyden", forwardMap(net, x), new SolverConfig("broyden", tol, 400, 1.0,
                        8, 1.0), 10 * tol, i -> aloneForward(net, x, i));
            }
        }
    }

    @Test
    void convolutionalForwardSolvesGiveEverySampleItsSolveAlone() {
        for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT ? 1e-4 : 1e-10;
            for (FixedPointNetwork net : new FixedPointNetwork[] {convInPlace(p), convWithDenseFeedback(p)}) {
                Matrix x = spreadInputs(BATCH, 6, p, 4);
                sameAsAlone("conv " + net.units() + " " + p, forwardMap(net, x),
                        SolverConfig.anderson(5, 1.0, 400, tol), 10 * tol, i -> aloneForward(net, x, i));
            }
        }
    }

    @Test
    void adjointSolvesGiveEverySampleItsSolveAlone() {
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = dense(p);
            int n = net.units();
            // Gains from 0.05 to 1 per sample: the equation (I - W^T G) lambda = e is the harder the larger they are.
            Random rng = new Random(6);
            Matrix e = TestNets.randn(BATCH, n, 1, rng).to(p);
            Matrix g = p.zeros(BATCH, n);
            for (int i = 0; i < BATCH; i++) {
                double top = 0.05 + 0.9 * i / BATCH;
                for (int j = 0; j < n; j++) {
                    g.set(i, j, top * (0.5 + 0.5 * rng.nextDouble()));
                }
            }
            AdjointMap map = new AdjointMap(net.recurrent(), e, g, g.zerosLike());
            double tol = p == Precision.FLOAT ? 1e-4 : 1e-10;
            sameAsAlone("adjoint " + p, map, SolverConfig.anderson(5, 1.0, 400, tol), 100 * tol, i -> {
                Matrix ei = e.like(1, n);
                Matrix gi = g.like(1, n);
                ei.copyRow(e, i, 0);
                gi.copyRow(g, i, 0);
                return new AdjointMap(net.recurrent(), ei, gi, gi.zerosLike());
            });
        }
    }

    @Test
    void oneSlowSampleLeavesTheOthersOutOfTheProducts() {
        FixedPointNetwork net = dense(Precision.DOUBLE);
        // Every sample but the last at a large input (saturated units: a few iterations), the last at a
        // small one (W's spectral radius above 1 in the linear range: slow).
        Matrix x = TestNets.randn(BATCH, 6, 3, new Random(5));
        for (int j = 0; j < 6; j++) {
            x.set(BATCH - 1, j, 1e-3 * x.get(BATCH - 1, j));
        }
        CountingMap counted = new CountingMap(forwardMap(net, x));
        Matrix s = Precision.DOUBLE.zeros(BATCH, net.units());
        SolveResult r = Solvers.create(SolverConfig.anderson(5, 1.0, 400, 1e-10)).solve(counted, s);
        assertTrue(r.allConverged());
        long applied = 0; // each sample is in the products of iterations 0 .. its count
        for (int it : r.iterations()) {
            applied += it + 1;
        }
        long whole = (long) BATCH * (r.iterationsMax() + 1);
        System.out.printf(java.util.Locale.ROOT, "compaction: one slow sample of %d (%d iterations, the others"
                + " at most %d): %d rows x iterations in the products, %d for the whole batch%n", BATCH,
                r.iterations()[BATCH - 1], maxOfOthers(r.iterations()), counted.rows, whole);
        assertTrue(r.iterations()[BATCH - 1] > 2 * maxOfOthers(r.iterations()) + 5, "the last sample is not slow");
        // The working rows stay below (active + 1) / COMPACT_FRACTION: the ladder's next size is
        // rounded down from COMPACT_FRACTION times the current one, and the rows shrink to it once the
        // active samples fit.
        assertTrue(counted.rows <= (applied + r.iterationsMax() + 1) / SampleTracker.COMPACT_FRACTION,
                counted.rows + " rows applied for " + applied + " sample iterations");
        assertTrue(counted.rows < whole / 2, counted.rows + " rows applied, the whole batch would be " + whole);
    }

    private static int maxOfOthers(int[] iterations) {
        int m = 0;
        for (int i = 0; i < iterations.length - 1; i++) {
            m = Math.max(m, iterations[i]);
        }
        return m;
    }

    /** A map that counts the rows it is applied to (its restrictions count into the same total). */
    private static final class CountingMap implements BatchMap {
        private final BatchMap inner;
        private final CountingMap total;
        long rows;

        CountingMap(BatchMap inner) {
            this(inner, null);
        }

        private CountingMap(BatchMap inner, CountingMap total) {
            this.inner = inner;
            this.total = total == null ? this : total;
        }

        @Override public int dim() { return inner.dim(); }
        @Override public int samples() { return inner.samples(); }
        @Override public Precision precision() { return inner.precision(); }

        @Override
        public void apply(Matrix s, Matrix out) {
            total.rows += s.rows;
            inner.apply(s, out);
        }

        @Override
        public void applyProducts(Matrix s, Matrix out) {
            total.rows += s.rows;
            inner.applyProducts(s, out);
        }

        @Override public void finishRows(Matrix out, int from, int to) { inner.finishRows(out, from, to); }
        @Override public double residualScale(int row) { return inner.residualScale(row); }
        @Override public void jacobian(Matrix s, int row, DMatrix out) { inner.jacobian(s, row, out); }
        @Override public double[] stepScale() { return inner.stepScale(); }
        @Override public boolean affine() { return inner.affine(); }

        @Override
        public BatchMap restrict(int[] rows, int count, Workspace ws) {
            return new CountingMap(inner.restrict(rows, count, ws), total);
        }
    }
}
