package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.linalg.AffineMinimizers;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.NativeBlas;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.PackedProduct;
import org.fprnn.linalg.RowKernels;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.VectorMath;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Where one solver iteration's time goes, in raw-sgemm units: the product with W and each
 * elementwise pass of an Euler and of an Anderson iteration, timed alone on P1's shapes, against
 * whole iterations (the difference of two solves of different lengths, so that the set-up and the
 * final check cancel); the products counted per iteration and per P1 step; and the cost of fprnn's
 * fixed split of a product into blocks against one unsplit call. Everything is timed interleaved in
 * one process, the calls on OpenBLAS's own threads last in each round.
 */
final class PartsBench {
    static final String ID = "parts";
    /** Calls of a single part (and of the unit) per timed call. */
    private static final int PART_REPEATS = 5;

    private PartsBench() {
    }

    /**
     * One timed piece: its name, its body, how many of the named unit one call does, and whether it
     * calls OpenBLAS on its own threads (then it comes last in each round, {@link Timer#afterTheRest}).
     */
    private record Piece(String name, Runnable body, double units, boolean ownThreads) {
        Piece(String name, Runnable body, double units) {
            this(name, body, units, false);
        }
    }

    static Section run(BenchOptions o) {
        int n = o.quick() ? 32 : P1.UNITS;
        int b = o.quick() ? 16 : P1.BATCH;
        int m = P1.converged().memory();
        int before = Blas.get().threads();
        CountingOperator[] op = {null};
        FixedPointNetwork net = P1.countingNetwork(n, op);
        Random rng = new Random(2);
        FMatrix x = new FMatrix(b, P1.INPUTS);
        for (int i = 0; i < x.size(); i++) {
            x.setFlat(i, rng.nextDouble());
        }
        FMatrix h = new FMatrix(b, n);
        net.inputDrive(x, h);
        FMatrix s = random(rng, b, n, 0.5);
        FMatrix phi = new FMatrix(b, n);
        FMatrix next = new FMatrix(b, n);
        float[][] ys = new float[m][];
        float[][] fs = new float[m][];
        for (int j = 0; j < m; j++) {
            ys[j] = random(rng, b, n, 1).data;
            fs[j] = random(rng, b, n, 1).data;
        }
        double[] coef = new double[b * m];
        java.util.Arrays.fill(coef, 1.0 / m);
        // each sample's Gram matrix of its m history rows, for the coefficients' solve
        double[] gram = new double[b * m * m];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    double dot = 0;
                    for (int q = 0; q < n; q++) {
                        dot += (double) fs[j][i * n + q] * fs[k][i * n + q];
                    }
                    gram[(i * m + j) * m + k] = dot;
                }
            }
        }
        double[] solved = new double[b * m];
        int[] solvedOk = new int[b];
        int[] groupRows = new int[AffineMinimizers.LANES];
        AffineMinimizers minimizers = new AffineMinimizers(m);
        Matrix w = net.params().get("W");
        Nonlinearity f = net.nonlinearity();
        int chunk = Math.max(1, 2048 / n); // the solvers' chunk of rows (RowChunks)
        int minRows = RowParallel.minRows(n);
        int shortRun = 10;
        int longRun = o.quick() ? 20 : 60;
        EquilibriumSolver eulerShort = new EquilibriumSolver(SolverConfig.euler(P1.EULER_ALPHA, shortRun, 0));
        EquilibriumSolver eulerLong = new EquilibriumSolver(SolverConfig.euler(P1.EULER_ALPHA, longRun, 0));
        int andersonShort = 5;
        int andersonLong = 25;
        SolverConfig conv = P1.converged();
        EquilibriumSolver andShort = new EquilibriumSolver(SolverConfig.anderson(m, conv.beta(), andersonShort, 0));
        EquilibriumSolver andLong = new EquilibriumSolver(SolverConfig.anderson(m, conv.beta(), andersonLong, 0));

        // the product of the rules' weight directions, N x B by B x N (a^T b), split and unsplit
        FMatrix ra = random(rng, b, n, 1);
        FMatrix rb = random(rng, b, n, 1);
        FMatrix rc = new FMatrix(n, n);
        FMatrix z = new FMatrix(b, n);
        NativeBlas nb = Blas.get() instanceof NativeBlas native1 ? native1 : null;
        double[] lanes = RowKernels.laneScratch();
        List<Piece> pieces = new ArrayList<>(List.of(
                new Piece("product with W, B x N by N x N (fprnn's split OpenBLAS product, as the solvers call it"
                        + (PackedProduct.supported() ? " where packed products are off)" : ")"),
                        () -> Ops.gemm(false, true, 1, s, w, 0, z), 1),
                new Piece("rate map's rest: + h and tanh (in the solvers' chunks of rows)", () -> RowParallel.forRows(b,
                        minRows, (p, from, to) -> {
                            for (int c = from; c < to; c += chunk) {
                                int e = Math.min(c + chunk, to);
                                VectorMath.axpy(1f, h.data, c * n, phi.data, c * n, (e - c) * n);
                                f.apply(phi, phi, c, e);
                            }
                        }), 1),
                new Piece("Euler step: next = s + alpha (Phi - s), max |Phi - s|", () -> RowParallel.forRows(b, minRows,
                        (p, from, to) -> {
                            for (int i = from; i < to; i++) {
                                RowKernels.eulerStep(phi.data, s.data, next.data, (float) P1.EULER_ALPHA, i * n, n);
                            }
                        }), 1),
                new Piece("Anderson history step: F = Phi - s, Y = s + beta F", () -> rowsOneThread(b,
                        i -> RowKernels.residualStep(phi.data, s.data, fs[0], ys[0], 1f, i * n, n)), 1),
                new Piece(Section.f("Anderson Gram row: %d dot products per sample, float lanes summed in double",
                        m), () -> rowsOneThread(b, i -> {
                            for (int j = 0; j < m; j++) {
                                RowKernels.dot(fs[0], i * n, fs[j], i * n, n, lanes);
                            }
                        }), 1),
                new Piece(Section.f("Anderson coefficients: a %d x %d Cholesky solve per sample, in double, %d samples"
                        + " per vector (AffineMinimizers, as the solver makes them)", m, m, AffineMinimizers.LANES),
                        () -> {
                            for (int c = 0; c < b; c += groupRows.length) {
                                int count = Math.min(groupRows.length, b - c);
                                for (int q = 0; q < count; q++) {
                                    groupRows[q] = c + q;
                                }
                                minimizers.solve(gram, m, groupRows, count, solved, solvedOk);
                            }
                        }, 1),
                new Piece(Section.f("Anderson mixing: next = sum of %d history rows", m), () -> rowsOneThread(b,
                        i -> RowKernels.combine(next.data, ys, 0, coef, i * m, m, i * n, n)), 1),
                new Piece(Section.f("Euler iteration, whole (solves of %d and %d steps, difference per step)", longRun,
                        shortRun), () -> eulerLong.solve(net, x), longRun - shortRun),
                new Piece("", () -> eulerShort.solve(net, x), longRun - shortRun),
                new Piece(Section.f("Anderson iteration, whole (solves of %d and %d iterations, tol 0, difference per"
                        + " iteration)", andersonLong, andersonShort), () -> andLong.solve(net, x),
                        andersonLong - andersonShort),
                new Piece("", () -> andShort.solve(net, x), andersonLong - andersonShort),
                new Piece(Section.f("rules' weight product, N x B by B x N (a^T b), fprnn's split product"),
                        () -> Ops.gemm(true, false, 1, ra, rb, 0, rc), 1)));
        if (PackedProduct.supported()) {
            PackedProduct packed = new PackedProduct(n, n);
            packed.packTransposed(w);
            pieces.add(1, new Piece("product with W, B x N by N x N (fprnn's packed product, as the solvers call it"
                    + " here: 512-bit vectors)", () -> packed.product(s, z, 1, 0), 1));
        }
        if (nb != null) {
            pieces.add(new Piece("rules' weight product, N x B by B x N (a^T b), one unsplit OpenBLAS call",
                    () -> OwnThreads.sgemm(nb, RowParallel.threads(), true, false, n, n, b, 1f, ra.data, n, rb.data, n,
                            0f, rc.data, n), 1, true));
            pieces.add(new Piece("raw sgemm B x N by N x N, one unsplit OpenBLAS call (the unit)",
                    () -> OwnThreads.sgemm(nb, RowParallel.threads(), false, true, b, n, n, 1f, s.data, n,
                            ((FMatrix) w).data, n, 0f, z.data, n), 1, true));
        }
        // a single part lasts about a product: repeat it, so that each timed call lasts several; each
        // call on fprnn's threads comes after untimed raw products at its thread count, as in training
        // (ThreadsBench.atThreads): else the first 2-thread piece of a round pays for waking a row thread
        // that parked during the 1-thread pieces
        int[] counts = {1, 2};
        Runnable warm = ScalingBench.gemmBody(w, b, n);
        List<Runnable> bodies = new ArrayList<>();
        for (int c : counts) {
            for (Piece p : pieces) {
                int repeat = p.units() == 1 ? PART_REPEATS : 1;
                Runnable body = () -> {
                    Blas.setThreads(c);
                    for (int k = 0; k < repeat; k++) {
                        p.body().run();
                    }
                };
                bodies.add(p.ownThreads() ? Timer.afterTheRest(body) : ThreadsBench.atThreads(c, warm, body));
            }
        }
        Timer.Plan plan = o.quick() ? new Timer.Plan(0.2, 3, 5.0) : new Timer.Plan(2.0, 15, 60.0);
        Timer.Samples[] t;
        try {
            t = Timer.interleaved(bodies, plan);
        } finally {
            Blas.setThreads(before);
        }
        int per = pieces.size();
        int unitIndex = nb != null ? per - 1 : 0;

        Table table = new Table("part", "1 thread: ms", "1 thread: raw sgemm units", "2 threads: ms",
                "2 threads: raw sgemm units");
        for (int i = 0; i < per; i++) {
            if (pieces.get(i).name().isEmpty()) {
                continue;
            }
            boolean difference = i + 1 < per && pieces.get(i + 1).name().isEmpty();
            List<Object> cells = new ArrayList<>();
            cells.add(pieces.get(i).name());
            for (int c = 0; c < counts.length; c++) {
                Timer.Samples v = t[c * per + i];
                if (difference) {
                    v = v.minus(t[c * per + i + 1]);
                }
                v = v.times(1.0 / (pieces.get(i).units() == 1 ? PART_REPEATS : pieces.get(i).units()));
                Timer.Samples unit = t[c * per + unitIndex].times(1.0 / PART_REPEATS);
                cells.add(v.format(Section::ms));
                cells.add(Section.f("%.2f", v.median() / unit.median()) + " (" + ThreadsBench.spread(v, unit, 1, "%.2f")
                        + ")");
            }
            table.row(cells.toArray());
        }

        // products counted: per Euler iteration, per Anderson iteration and per P1 step
        op[0].reset();
        eulerShort.solve(net, x);
        long shortFlops = op[0].flops();
        op[0].reset();
        eulerLong.solve(net, x);
        double productFlops = 2.0 * b * n * (double) n;
        double perEuler = (op[0].flops() - shortFlops) / productFlops / (longRun - shortRun);
        op[0].reset();
        andShort.solve(net, x);
        shortFlops = op[0].flops();
        op[0].reset();
        andLong.solve(net, x);
        double perAnderson = (op[0].flops() - shortFlops) / productFlops / (andersonLong - andersonShort);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(P1.OUTPUTS);
        }
        int eulerSteps = o.quick() ? 50 : P1.EULER_STEPS;
        TrainingStep p1 = new TrainingStep(net, org.fprnn.model.Batch.labelled(x, y), P1.euler(eulerSteps), "linearized");
        op[0].reset();
        p1.run();
        double perStep = op[0].flops() / productFlops;
        Table products = new Table("work", "B x N by N x N products with W (counted)");
        products.row("one Euler iteration", Section.f("%.2f", perEuler));
        products.row("one Anderson iteration", Section.f("%.2f", perAnderson));
        products.row(Section.f("one P1 step (%d Euler steps, the residual check, the linearized rule)", eulerSteps),
                Section.f("%.0f = %.4f per Euler step", perStep, perStep / eulerSteps));

        String explanation = Section.f("""
                One Euler and one Anderson iteration of P1's network (N = %d, B = %d, float, W = 0.5 randn / \
                sqrt(N) from seed 1, uniform random inputs) taken apart: each part timed alone on the whole \
                batch, in the solvers' own kernels and row blocks, and the whole iteration as the difference of \
                two solves of different lengths (tolerance 0, so every sample iterates), which cancels the \
                set-up and the final residual check. The rate map's rest and the Euler step run on row blocks \
                over the threads as the solvers do; the four Anderson parts are timed on the calling thread \
                (in the solver they share the row blocks; the coefficients' solve is on each sample's Gram \
                matrix of random history rows). The unit is one unsplit OpenBLAS call of the B x N by \
                N x N product at the same thread count, measured in the same run (round by round); the rules' \
                N x B by B x N product shows the cost of fprnn's fixed split (two blocks, boundaries at multiples \
                of 32) against one call. All pieces at both thread counts are timed interleaved, one call of \
                each per round, %d rounds, each single part called %d times per timing; %s. Each timed call \
                on fprnn's threads comes after %d untimed calls of fprnn's raw product at its thread count, so \
                that fprnn's row threads are awake, as between the products and passes of a solve. %sProducts \
                with W are counted by a wrapper of the operator (the rules' weight product a^T b is not a \
                product with W and is not counted).""", n, b, t[0].count(), PART_REPEATS, Timer.Samples.spreadNote(t[0].count()),
                ThreadsBench.WARM_CALLS, nb == null ? "" : OwnThreads.TIMED_LAST + " ");
        return Section.of(ID, "Parts of a solver iteration in raw-sgemm units", o, explanation,
                List.of(table, products), List.of("", "Products with W per piece of work:"), null);
    }

    private static FMatrix random(Random rng, int rows, int cols, double scale) {
        FMatrix a = new FMatrix(rows, cols);
        for (int i = 0; i < a.size(); i++) {
            a.setFlat(i, scale * (rng.nextDouble() * 2 - 1));
        }
        return a;
    }

    /** Runs {@code row} on every row on the calling thread. */
    private static void rowsOneThread(int rows, java.util.function.IntConsumer row) {
        for (int i = 0; i < rows; i++) {
            row.accept(i);
        }
    }
}
