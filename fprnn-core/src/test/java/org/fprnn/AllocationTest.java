package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.AdjointMap;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.Solver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;
import org.junit.jupiter.api.Test;

/**
 * The hot loops allocate nothing per iteration (ARCHITECTURE.md, "The hot loops"): a solve of 150
 * iterations allocates no more than one of 50 iterations at the same shapes (Newton: 30 and 10), for
 * every solver, on float and double; the same for the adjoint equation of the gradient rule as the
 * rule sets it up (AdjointMap) and for bptt's unroll; a matrix product allocates nothing; and a rule
 * computation allocates only a small fixed amount (its result records, and for the gradient rule the
 * per-sample result arrays and per-solve objects of the adjoint solve), far below one B x N matrix.
 *
 * <p>This is an allocation test, not a timing test: bytes come from the thread's allocation counter
 * (com.sun.management.ThreadMXBean), of the calling thread and of the row-block threads that share
 * the products and the solvers' row work. Code not yet compiled by C2 allocates (interpreted and C1
 * Vector API code boxes vectors), so every figure is the smallest of repeated measurements, taken
 * until it is small or 30 seconds have passed. It runs on native BLAS and once more on the pure-Java product (the
 * without-native-blas execution of fprnn-core).
 */
class AllocationTest {
    /** Largest allowed difference between a long and a short run, in bytes. */
    private static final long SLACK = 1024;
    /**
     * Measurements go on until the figure is good or this much time has passed: after a
     * deoptimization a method runs as C1 code (whose vector code allocates) until C2 has compiled it
     * again, and with the processors busy that can take a while.
     */
    private static final long PATIENCE_NANOS = 30_000_000_000L;
    /** Measurements stop early once the figure is at most this. */
    private static final long GOOD = 256;

    private static final com.sun.management.ThreadMXBean BEAN =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Ids of the row-block threads (RowParallel's pool, named fprnn-rows-N), found before each measurement. */
    private static long[] rowThreads = new long[0];

    private static void findRowThreads() {
        rowThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("fprnn-rows-")).mapToLong(Thread::threadId).toArray();
    }

    /**
     * Bytes allocated so far by this thread and by the row-block threads, which do part of every
     * product and of the solvers' row work.
     */
    private static long allocated() {
        long bytes = BEAN.getCurrentThreadAllocatedBytes();
        for (long id : rowThreads) {
            bytes += Math.max(0, BEAN.getThreadAllocatedBytes(id));
        }
        return bytes;
    }

    /**
     * (bytes of {@code big}) - (bytes of {@code small}), each the smallest of repeated measurements
     * taken in turns after a few unmeasured runs; at least three measurements, then stopping once the
     * difference is within {@link #GOOD} of 0 or after {@link #PATIENCE_NANOS}. (Code still being
     * compiled allocates in either run: a large negative difference means the short run's minimum is
     * not settled yet, and could hide allocations of the long run.)
     */
    private static long extraBytes(Runnable small, Runnable big) {
        return extraBytes(small, big, GOOD);
    }

    /** {@link #extraBytes(Runnable, Runnable)}, stopping once the difference is within {@code good} of 0. */
    private static long extraBytes(Runnable small, Runnable big, long good) {
        for (int w = 0; w < 3; w++) {
            small.run();
            big.run();
        }
        findRowThreads();
        long bestSmall = Long.MAX_VALUE;
        long bestBig = Long.MAX_VALUE;
        long start = System.nanoTime();
        for (int rep = 0; rep < 3 || (Math.abs(bestBig - bestSmall) > good
                && System.nanoTime() - start < PATIENCE_NANOS); rep++) {
            long a0 = allocated();
            small.run();
            long a1 = allocated();
            big.run();
            long a2 = allocated();
            bestSmall = Math.min(bestSmall, a1 - a0);
            bestBig = Math.min(bestBig, a2 - a1);
        }
        return bestBig - bestSmall;
    }

    /** The smallest over repeated measurements of the bytes of one run of {@code r}. */
    private static long bytesOf(Runnable r) {
        r.run();
        findRowThreads();
        long best = Long.MAX_VALUE;
        long start = System.nanoTime();
        for (int rep = 0; best > GOOD && System.nanoTime() - start < PATIENCE_NANOS; rep++) {
            long a0 = allocated();
            r.run();
            best = Math.min(best, allocated() - a0);
        }
        return best;
    }

    /**
     * Where {@code r} allocates, for a failure's message: the heaviest allocation sites (the top
     * frames of the stacks of JFR's allocation samples, on every thread) over 20 more runs. A failure
     * that depends on what the JIT compiled (a Vector API value boxed, say) may not come back when
     * run again; the message then still says which code allocated.
     */
    static String allocationSites(Runnable r) {
        java.nio.file.Path file = null;
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            rec.enable("jdk.ObjectAllocationSample").with("throttle", "10000/s").withStackTrace();
            rec.start();
            for (int k = 0; k < 20; k++) {
                r.run();
            }
            rec.stop();
            file = java.nio.file.Files.createTempFile("fprnn-allocation", ".jfr");
            rec.dump(file);
            java.util.Map<String, Long> weight = new java.util.HashMap<>();
            for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(file)) {
                if (e.getStackTrace() == null) {
                    continue;
                }
                String site = e.getStackTrace().getFrames().stream().limit(6)
                        .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":"
                                + f.getLineNumber())
                        .collect(java.util.stream.Collectors.joining(" <- "));
                weight.merge(typeName(e.getClass("objectClass").getName()) + " at " + site, e.getLong("weight"),
                        Long::sum);
            }
            return weight.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(5).map(en -> "\n  " + en.getValue() + " bytes: " + en.getKey())
                    .collect(java.util.stream.Collectors.joining("", "\nallocation sites over 20 more runs (JFR's"
                            + " samples, weighted):", weight.isEmpty() ? " none sampled" : ""));
        } catch (java.io.IOException | RuntimeException ex) {
            return "\n(allocation sites not recorded: " + ex + ")";
        } finally {
            if (file != null) {
                try {
                    java.nio.file.Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** A JVM class name as Java writes it: "[D" is double[], "[Ljava.lang.String;" String[]. */
    private static String typeName(String jvm) {
        int dims = 0;
        while (dims < jvm.length() && jvm.charAt(dims) == '[') {
            dims++;
        }
        if (dims == 0) {
            return jvm;
        }
        String element = switch (jvm.charAt(dims)) {
            case 'D' -> "double";
            case 'F' -> "float";
            case 'I' -> "int";
            case 'J' -> "long";
            case 'B' -> "byte";
            case 'Z' -> "boolean";
            case 'C' -> "char";
            case 'S' -> "short";
            default -> jvm.substring(dims + 1, jvm.length() - 1); // Lname;
        };
        return element + "[]".repeat(dims);
    }

    /** The failure messages' allocation sites name the code that allocates. */
    @Test
    void allocationSitesNameTheAllocatingCode() {
        Object[] keep = new Object[1];
        String sites = allocationSites(() -> {
            for (int k = 0; k < 2000; k++) {
                keep[0] = allocateSomething(k);
            }
        });
        assertTrue(sites.contains("AllocationTest.allocateSomething"), sites);
        assertTrue(sites.contains("double[]"), sites);
    }

    private static double[] allocateSomething(int k) {
        return new double[64 + (k & 7)];
    }

    static FixedPointNetwork net(int nIn, int n, int nOut, Precision p, double scale, long seed) {
        return FixedPointNetwork.builder().inputs(nIn).units(n).outputs(nOut)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(Dynamics.RATE).precision(p)
                .recurrentScale(scale).seed(seed)
                .trainInput(true).trainBias(true).trainReadout(true).readoutBias(true).build();
    }

    /** Compiles the matrix product (every branch of it) before anything is measured. */
    @org.junit.jupiter.api.BeforeAll
    static void warmUpTheProduct() {
        for (Precision p : Precision.values()) {
            Matrix a = p.zeros(2, 3);
            Matrix c = p.zeros(2, 3);
            Matrix w = p.zeros(3, 3);
            for (int k = 0; k < 40_000; k++) {
                // every transpose combination, beta 0 and not: no branch is left for a later deoptimization
                org.fprnn.linalg.Ops.gemm((k & 1) != 0, (k & 2) != 0, 1, w, w, (k & 4) != 0 ? 0 : 0.5, w);
                org.fprnn.linalg.Ops.gemm(false, (k & 2) != 0, 1, a, w, (k & 4) != 0 ? 0 : 0.5, c);
            }
        }
    }

    private static String blas() {
        return Blas.get().name();
    }

    @Test
    void solverIterationsAllocateNothing() {
        Batch batch = TestNets.labelled(24, 10, 4, 1.0, 2);
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = net(10, 48, 4, p, 0.8, 1);
            Matrix x = batch.x().to(p);
            for (String method : new String[] {"euler", "picard", "anderson", "broyden", "newton"}) {
                // tol = 0: every sample runs every iteration, so the two runs differ by 100 iterations
                // (Newton, whose iterations cost a dense LU per sample: 10 vs 30).
                boolean newton = method.equals("newton");
                int few = newton ? 10 : 50;
                int many = newton ? 30 : 150;
                SolverConfig cFew = new SolverConfig(method, 0, few, method.equals("euler") ? 0.2 : 1.0, 5,
                        method.equals("anderson") ? 0.5 : 1.0);
                EquilibriumSolver sFew = new EquilibriumSolver(cFew);
                EquilibriumSolver sMany = new EquilibriumSolver(cFew.withMaxIter(many));
                Equilibrium eFew = sFew.solve(net, x);
                Equilibrium eMany = sMany.solve(net, x);
                if (!newton) {
                    // Newton may reach a residual of exactly 0 and stop early; the others run on.
                    assertEquals(few, eFew.iterationsMax(), method);
                    assertEquals(many, eMany.iterationsMax(), method);
                }
                long extra = extraBytes(() -> sFew.solve(net, x), () -> sMany.solve(net, x));
                System.out.printf(Locale.ROOT, "allocation: %s %s, %d more iterations: %d bytes (%s)%n",
                        method, p, many - few, extra, blas());
                assertTrue(extra < SLACK, () -> method + " " + p + ": " + (many - few) + " more iterations allocate "
                        + extra + " bytes on " + blas() + allocationSites(() -> sMany.solve(net, x)));
            }
        }
    }

    /**
     * The same on a batch and width large enough that the products and the row work split into blocks
     * on two threads (RowParallel's pool, whose allocations are counted too).
     */
    @Test
    void solverIterationsOnRowBlocksAllocateNothing() {
        int before = Blas.get().threads();
        Blas.setThreads(2);
        try {
            Batch batch = TestNets.labelled(256, 10, 4, 1.0, 2);
            for (Precision p : Precision.values()) {
                FixedPointNetwork net = net(10, 64, 4, p, 0.8, 1);
                Matrix x = batch.x().to(p);
                for (String method : new String[] {"euler", "anderson", "euler in chunks", "anderson in chunks"}) {
                    // in chunks of 48 rows (ChunkedSolver): 6 chunks on the two threads at once
                    String m = method.split(" ")[0];
                    SolverConfig cFew = new SolverConfig(m, 0, 20, m.equals("euler") ? 0.2 : 1.0, 5,
                            m.equals("anderson") ? 0.5 : 1.0, method.contains("chunks") ? 48 : SolverConfig.AUTO_CHUNK);
                    EquilibriumSolver sFew = new EquilibriumSolver(cFew);
                    EquilibriumSolver sMany = new EquilibriumSolver(cFew.withMaxIter(60));
                    assertEquals(60, sMany.solve(net, x).iterationsMax(), method);
                    long extra = extraBytes(() -> sFew.solve(net, x), () -> sMany.solve(net, x));
                    System.out.printf(Locale.ROOT, "allocation: %s %s on row blocks, 40 more iterations: %d bytes"
                            + " (%d row threads seen, %s)%n", method, p, extra, rowThreads.length, blas());
                    assertTrue(extra < SLACK, () -> method + " " + p + " on row blocks: 40 more iterations allocate "
                            + extra + " bytes on " + blas() + allocationSites(() -> sMany.solve(net, x)));
                }
            }
        } finally {
            Blas.setThreads(before);
        }
    }

    /** {@code count} computations of {@code rule} at the equilibrium {@code eq}. */
    private static Runnable computations(Rule rule, FixedPointNetwork net, Batch batch, Equilibrium eq, int count) {
        return () -> {
            for (int k = 0; k < count; k++) {
                rule.compute(net, batch, eq);
            }
        };
    }

    @Test
    void ruleComputationsAllocateAFixedSmallAmount() {
        Batch batch = TestNets.labelled(24, 10, 4, 1.0, 2);
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = net(10, 48, 4, p, 0.8, 1);
            SolverConfig fwd = SolverConfig.euler(0.5, 200, 1e-10);
            Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
            for (String name : new String[] {"linearized", "linearized_alt", "gradient"}) {
                // the gradient's adjoint with plain float rounds; the preconditioned ones have a test below
                Rule rule = Rules.create(name,
                        RuleSettings.of(Loss.CROSS_ENTROPY, fwd).withMeanGainPreconditioner(false));
                Runnable ten = computations(rule, net, batch, eq, 10);
                Runnable thirty = computations(rule, net, batch, eq, 30);
                // The result records; for gradient also the adjoint's per-sample arrays (B values
                // each) and per-solve objects, for each solve: a float network's adjoint is refined in
                // a few rounds (RefinedAdjoint), a solve each. A B x N matrix would be 4.6 KB (float)
                // or 9.2 KB here.
                long bound = name.equals("gradient") ? 512 + (p == Precision.FLOAT ? 160L : 40L) * batch.size() : 256;
                long perCall = extraBytes(ten, thirty, 20 * bound) / 20;
                System.out.printf(Locale.ROOT, "allocation: rule %s %s: %d bytes per computation (%s)%n",
                        name, p, perCall, blas());
                assertTrue(perCall <= bound, () -> name + " " + p + ": " + perCall + " bytes per computation on "
                        + blas() + allocationSites(thirty));
            }
        }
    }

    /**
     * The gradient rule on a float batch with more samples than units, where its adjoint's float rounds
     * are preconditioned by the batch's mean gains (MeanGainPreconditioner): the LU, its solves and Q
     * reuse their buffers, so a call allocates no more than the result records, the adjoint's per-sample
     * arrays and the LAPACK calls' small per-call objects (their pivots, tasks and argument memory).
     * Checked with native LAPACK (EJML's fallback LU allocates its own matrices; the amount is printed).
     */
    @Test
    void thePreconditionedAdjointAllocatesAFixedSmallAmount() {
        Batch batch = TestNets.labelled(64, 10, 4, 1.0, 2);
        FixedPointNetwork net = net(10, 48, 4, Precision.FLOAT, 0.8, 1);
        assertTrue(org.fprnn.solve.MeanGainPreconditioner.pays(48, batch.size()));
        SolverConfig fwd = SolverConfig.euler(0.5, 200, 1e-10);
        Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
        Rule rule = Rules.create("gradient", RuleSettings.of(Loss.CROSS_ENTROPY, fwd));
        Runnable ten = computations(rule, net, batch, eq, 10);
        Runnable thirty = computations(rule, net, batch, eq, 30);
        // below the N^2 floats (9 KB) that a copy of the matrix per call would add
        long bound = 512 + 160L * batch.size() + 4096;
        long perCall = extraBytes(ten, thirty, 20 * bound) / 20;
        System.out.printf(Locale.ROOT, "allocation: rule gradient FLOAT, preconditioned adjoint: %d bytes per"
                + " computation (%s; LAPACK %s)%n", perCall, blas(), org.fprnn.linalg.Lapack.isNative() ? "native"
                : "EJML");
        org.junit.jupiter.api.Assumptions.assumeTrue(org.fprnn.linalg.Lapack.isNative(),
                "without native LAPACK the LU is EJML's, which allocates its own matrices");
        assertTrue(perCall <= bound, () -> "preconditioned gradient: " + perCall + " bytes per computation on "
                + blas() + allocationSites(thirty));
    }

    @Test
    void adjointIterationsAndBpttStepsAllocateNothing() {
        Batch batch = TestNets.labelled(24, 10, 4, 1.0, 2);
        for (Precision p : Precision.values()) {
            FixedPointNetwork net = net(10, 48, 4, p, 0.8, 1);
            SolverConfig fwd = SolverConfig.euler(0.5, 200, 1e-10);
            Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
            // The adjoint equation of the gradient rule (MATH 3.1) at this equilibrium, as the rule sets it up.
            Matrix e = TestNets.randn(batch.size(), 48, 1, new Random(3)).to(p);
            Matrix g = p.zeros(batch.size(), 48);
            net.nonlinearity().derivative(eq.z(), g);
            Matrix tmp = g.zerosLike();
            Matrix lambda = g.zerosLike();
            for (String adj : new String[] {"anderson", "picard", "euler", "broyden"}) {
                // tol = 0 runs every iteration.
                SolverConfig a50 = new SolverConfig(adj, 0, 50, 0.5, 6, 0.5);
                Solver s50 = Solvers.create(a50);
                Solver s150 = Solvers.create(a50.withMaxIter(150));
                Runnable short50 = () -> {
                    lambda.copyFrom(e);
                    s50.solve(new AdjointMap(net.recurrent(), e, g, tmp), lambda);
                };
                Runnable long150 = () -> {
                    lambda.copyFrom(e);
                    s150.solve(new AdjointMap(net.recurrent(), e, g, tmp), lambda);
                };
                lambda.copyFrom(e);
                assertEquals(150, s150.solve(new AdjointMap(net.recurrent(), e, g, tmp), lambda).iterationsMax());
                long extra = extraBytes(short50, long150);
                System.out.printf(Locale.ROOT, "allocation: adjoint %s %s, 100 more iterations: %d bytes (%s)%n",
                        adj, p, extra, blas());
                assertTrue(extra < SLACK, () -> "adjoint " + adj + " " + p + ": " + extra + " bytes on " + blas()
                        + allocationSites(long150));
            }
            Rule b50 = Rules.create("bptt", RuleSettings.of(Loss.CROSS_ENTROPY, SolverConfig.euler(0.5, 50, 0)));
            Rule b150 = Rules.create("bptt", RuleSettings.of(Loss.CROSS_ENTROPY, SolverConfig.euler(0.5, 150, 0)));
            long extra = extraBytes(() -> b50.compute(net, batch, eq), () -> b150.compute(net, batch, eq));
            System.out.printf(Locale.ROOT, "allocation: bptt %s, 100 more steps: %d bytes (%s)%n", p, extra, blas());
            assertTrue(extra < SLACK, "bptt " + p + ": " + extra + " bytes on " + blas());
        }
    }

    /**
     * A matrix product allocates nothing, whether on whole matrices or on one block of a stacked
     * state read and written in place (a dense layer above conv layers: columns of the state by W^T
     * into columns of the result) once its offsets have been seen.
     */
    @Test
    void matrixProductsAllocateNothing() {
        Random rng = new Random(5);
        for (Precision p : Precision.values()) {
            Matrix a = TestNets.randn(24, 48, 1, rng).to(p);
            Matrix w = TestNets.randn(48, 48, 1, rng).to(p);
            Matrix c = p.zeros(24, 48);
            Matrix state = TestNets.randn(24, 100, 1, rng).to(p);
            Matrix v = TestNets.randn(30, 30, 1, rng).to(p);
            Matrix out = p.zeros(24, 100);
            // A product large enough to be split into row blocks, from and into six column blocks of a
            // stacked state (as a block operator of six layers): more offsets per matrix than at first.
            Matrix stacked = TestNets.randn(256, 6 * 48, 1, rng).to(p);
            Matrix stackedOut = p.zeros(256, 6 * 48);
            Runnable products = () -> {
                for (int k = 0; k < 1000; k++) {
                    org.fprnn.linalg.Ops.gemm(false, true, 1, a, w, 0.5, c);
                    org.fprnn.linalg.Ops.gemmColumns(true, 1, state, 70, v, 0.5, out, 70);
                    org.fprnn.linalg.Ops.gemmColumns(false, 1, state, 40, v, 1, out, 70);
                    if (k % 50 == 0) {
                        for (int j = 0; j < 6; j++) {
                            org.fprnn.linalg.Ops.gemmColumns(true, 1, stacked, 48 * j, w, 0, stackedOut,
                                    48 * ((j + 1) % 6));
                        }
                    }
                }
            };
            long bytes = bytesOf(products);
            System.out.printf(Locale.ROOT, "allocation: 3120 products %s: %d bytes (%s)%n", p, bytes, blas());
            assertTrue(bytes < SLACK, "3120 " + p + " products allocate " + bytes + " bytes on " + blas());
        }
    }

    /**
     * The direct convolution and its transpose allocate nothing per call once their per-thread
     * buffers exist (one thread, so that all of the work is on the measured thread), for the
     * stride-1 and stride-2 maps of P3c.
     */
    @Test
    void convolutionsAllocateNothing() {
        Random rng = new Random(9);
        int before = org.fprnn.linalg.RowParallel.threads();
        org.fprnn.linalg.RowParallel.setThreads(1);
        try {
            for (Precision p : Precision.values()) {
                for (int stride = 1; stride <= 2; stride++) {
                    org.fprnn.operator.FeatureShape in = new org.fprnn.operator.FeatureShape(4, 14, 14);
                    var conv = new org.fprnn.operator.Conv2dMap("K", TestNets.randn(8, 36, 0.3, rng).to(p), in, 3,
                            stride, 1);
                    Matrix x = TestNets.randn(16, conv.inputs(), 1, rng).to(p);
                    Matrix y = p.zeros(16, conv.outputs());
                    Matrix t = p.zeros(16, conv.inputs());
                    long extra = extraBytes(() -> {
                        for (int k = 0; k < 10; k++) {
                            conv.apply(x, y, 1, 0.5);
                            conv.applyTranspose(y, t, 1, 0);
                        }
                    }, () -> {
                        for (int k = 0; k < 40; k++) {
                            conv.apply(x, y, 1, 0.5);
                            conv.applyTranspose(y, t, 1, 0);
                        }
                    });
                    System.out.printf(Locale.ROOT, "allocation: convolution %s stride %d, 30 more calls: %d bytes%n", p,
                            stride, extra);
                    assertTrue(extra < SLACK, "convolution " + p + " stride " + stride + ": " + extra + " bytes");
                }
            }
        } finally {
            org.fprnn.linalg.RowParallel.setThreads(before);
        }
    }
}
