package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both {@link Blas} implementations against a plain reference that sums in double (long double
 * would be nicer; double is ample for float and within the usual bound for double), over all
 * transpose combinations, odd sizes that cross the Java blocking (MR=4, KC=256, MC=64), offsets,
 * padded strides, alpha and beta.
 */
class GemmTest {
    /** m, n, k triples: tiny, odd, and past the block sizes. */
    private static final int[][] SIZES = {
        {1, 1, 1}, {1, 7, 3}, {5, 1, 9}, {3, 5, 1}, {7, 13, 17}, {17, 33, 5}, {33, 17, 65},
        {65, 31, 257}, {130, 67, 300}, {4, 16, 8}, {64, 64, 64},
    };

    private static List<Blas> impls() {
        List<Blas> l = new ArrayList<>();
        l.add(new JavaBlas(1));
        l.add(new JavaBlas(2));
        if (NativeBlas.isAvailable()) {
            l.add(NativeBlas.load());
        }
        return l;
    }

    /** A problem with padded storage: offsets 3/5/7 and 2 spare columns per row. */
    private record Problem(boolean tA, boolean tB, int m, int n, int k, double alpha, double beta,
                           double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                           double[] c, int cOff, int ldc) {

        static Problem random(SplittableRandom rnd, boolean tA, boolean tB, int m, int n, int k,
                              double alpha, double beta) {
            int ar = tA ? k : m, ac = tA ? m : k, br = tB ? n : k, bc = tB ? k : n;
            int lda = ac + 2, ldb = bc + 1, ldc = n + 3;
            double[] a = fill(rnd, 3 + ar * lda);
            double[] b = fill(rnd, 5 + br * ldb);
            double[] c = fill(rnd, 7 + m * ldc);
            return new Problem(tA, tB, m, n, k, alpha, beta, a, 3, lda, b, 5, ldb, c, 7, ldc);
        }

        private static double[] fill(SplittableRandom rnd, int len) {
            double[] x = new double[len];
            for (int i = 0; i < len; i++) {
                // dyadic values with 10 bits: exact in float, so float and double see the same inputs
                x[i] = (rnd.nextInt(2049) - 1024) / 1024.0;
            }
            return x;
        }

        double av(int i, int p) {
            return tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double bv(int p, int j) {
            return tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        /** Reference result and, per element, the error scale alpha*sum|a||b| + |beta c|. */
        double[][] reference() {
            double[] ref = c.clone();
            double[] scale = new double[c.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, sa = 0;
                    for (int p = 0; p < k; p++) {
                        s += av(i, p) * bv(p, j);
                        sa += Math.abs(av(i, p) * bv(p, j));
                    }
                    int ci = cOff + i * ldc + j;
                    ref[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
                    scale[ci] = Math.abs(alpha) * sa + Math.abs(beta * c[ci]);
                }
            }
            return new double[][] {ref, scale};
        }

        float[] f(double[] x) {
            float[] r = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                r[i] = (float) x[i];
            }
            return r;
        }

        float[] runFloat(Blas blas) {
            float[] cf = f(c);
            blas.sgemm(tA, tB, m, n, k, (float) alpha, f(a), aOff, lda, f(b), bOff, ldb, (float) beta, cf, cOff, ldc);
            return cf;
        }

        double[] runDouble(Blas blas) {
            double[] cd = c.clone();
            blas.dgemm(tA, tB, m, n, k, alpha, a.clone(), aOff, lda, b.clone(), bOff, ldb, beta, cd, cOff, ldc);
            return cd;
        }
    }

    private static void assertClose(Problem pr, double[][] ref, double[] got, double eps, String what) {
        for (int idx = 0; idx < got.length; idx++) {
            int rel = idx - pr.cOff();
            boolean inside = rel >= 0 && rel / pr.ldc() < pr.m() && rel % pr.ldc() < pr.n();
            if (!inside) {
                assertEquals(Double.doubleToLongBits(pr.c()[idx]), Double.doubleToLongBits(got[idx]),
                        what + ": element " + idx + " outside C was changed");
                continue;
            }
            double tol = 2 * (pr.k() + 2) * eps * ref[1][idx] + Double.MIN_NORMAL;
            double err = Math.abs(got[idx] - ref[0][idx]);
            if (!(err <= tol)) {
                throw new AssertionError(what + ": C[" + rel / pr.ldc() + "][" + rel % pr.ldc() + "] = "
                        + got[idx] + ", expected " + ref[0][idx] + " (err " + err + " > " + tol + ")");
            }
        }
    }

    private static double[] widen(float[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i];
        }
        return r;
    }

    @Test
    void blockBoundariesAreMultiplesOf32AndCoverTheProduct() {
        assertEquals(160, NativeBlas.blockStart(300, 2, 1), "300 rows split 160 + 140, not 150 + 150");
        assertEquals(256, NativeBlas.blockStart(512, 2, 1));
        for (int total = 64; total <= 3000; total++) {
            for (int blocks = 2; blocks <= Math.min(8, total / 32); blocks++) {
                assertEquals(0, NativeBlas.blockStart(total, blocks, 0));
                assertEquals(total, NativeBlas.blockStart(total, blocks, blocks));
                for (int q = 1; q < blocks; q++) {
                    int lo = NativeBlas.blockStart(total, blocks, q - 1);
                    int at = NativeBlas.blockStart(total, blocks, q);
                    assertEquals(0, at % 32, total + " in " + blocks + ": boundary " + at);
                    assertTrue(at - lo >= 32, total + " in " + blocks + ": block " + (q - 1) + " is [" + lo + ", " + at + ")");
                }
                assertTrue(total - NativeBlas.blockStart(total, blocks, blocks - 1) >= 16, total + " in " + blocks);
            }
        }
    }

    @Test
    void allTransposesSizesOffsetsAndBetaMatchReference() {
        SplittableRandom rnd = new SplittableRandom(42);
        List<Blas> impls = impls();
        double[][] ab = {{1, 0}, {-0.75, 0.5}, {2, 1}};
        for (int[] s : SIZES) {
            for (int t = 0; t < 4; t++) {
                for (double[] albe : ab) {
                    Problem pr = Problem.random(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], albe[0], albe[1]);
                    double[][] ref = pr.reference();
                    for (Blas blas : impls) {
                        String what = blas.name() + " tA=" + pr.tA() + " tB=" + pr.tB() + " m=" + s[0] + " n=" + s[1]
                                + " k=" + s[2] + " alpha=" + albe[0] + " beta=" + albe[1];
                        assertClose(pr, ref, pr.runDouble(blas), 0x1p-53, "dgemm " + what);
                        // the float inputs are exact, so the same reference holds up to float rounding
                        assertClose(pr, ref, widen(pr.runFloat(blas)), 0x1p-24, "sgemm " + what);
                    }
                }
            }
        }
    }

    /**
     * {@link Blas#oneCallProducts}: a product that the native split cuts into two blocks of rows
     * (130 x 67 with k = 300) is made as one call and still matches the reference; the setting is the
     * calling thread's alone and is returned for restoring.
     */
    @Test
    void oneCallProductsMatchTheReferenceAndStayOnTheirThread() throws Exception {
        assumeTrue(NativeBlas.isAvailable(), "OpenBLAS not installed");
        Blas nat = NativeBlas.load();
        assertEquals(2, NativeBlas.blocks(130, 67, 300), "the shape below must be one the split cuts");
        SplittableRandom rnd = new SplittableRandom(11);
        // NativeBlas's own switch: the process-wide Blas may be the Java fallback in this execution
        boolean before = NativeBlas.oneCallProducts(true);
        boolean after;
        try {
            assertFalse(before, "off by default");
            boolean[] elsewhere = new boolean[1];
            Thread other = new Thread(() -> elsewhere[0] = NativeBlas.oneCallProducts(false));
            other.start();
            other.join();
            assertFalse(elsewhere[0], "another thread keeps its own setting");
            for (int t = 0; t < 4; t++) {
                Problem pr = Problem.random(rnd, (t & 1) != 0, (t & 2) != 0, 130, 67, 300, 1.25, -0.5);
                double[][] ref = pr.reference();
                assertClose(pr, ref, pr.runDouble(nat), 0x1p-53, "one-call dgemm t=" + t);
                assertClose(pr, ref, widen(pr.runFloat(nat)), 0x1p-24, "one-call sgemm t=" + t);
            }
        } finally {
            after = NativeBlas.oneCallProducts(before);
        }
        assertTrue(after, "returns the setting it replaces");
    }

    @Test
    void nativeAndJavaAgreeClosely() {
        assumeTrue(NativeBlas.isAvailable(), "OpenBLAS not installed");
        Blas nat = NativeBlas.load();
        Blas jav = new JavaBlas(1);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int t = 0; t < 4; t++) {
            Problem pr = Problem.random(rnd, (t & 1) != 0, (t & 2) != 0, 97, 83, 131, 1.25, -0.5);
            double[] dn = pr.runDouble(nat), dj = pr.runDouble(jav);
            float[] fn = pr.runFloat(nat), fj = pr.runFloat(jav);
            for (int i = 0; i < dn.length; i++) {
                // inputs have 10-bit mantissas: products are exact; sums of up to 131 terms stay well
                // inside double precision, so both must give the exact value
                assertEquals(dn[i], dj[i], 0.0, "dgemm element " + i);
                assertEquals(fn[i], fj[i], 4e-5 * (1 + Math.abs(fn[i])), "sgemm element " + i);
            }
        }
    }

    /**
     * beta = 0 overwrites a C full of NaN at the shapes fprnn's steps use (NativeBlas leaves that to
     * OpenBLAS, whose small- and large-matrix paths both must not read C), through Ops.gemm on
     * matrices of both precisions, every transpose combination.
     */
    @Test
    void betaZeroOverwritesNaNAtStepShapes() {
        java.util.Random rng = new java.util.Random(3);
        int[][] shapes = {{512, 300, 300}, {300, 300, 512}, {64, 10, 300}, {7, 5, 3}, {512, 304, 304}};
        for (Precision p : Precision.values()) {
            for (int[] sh : shapes) {
                for (int t = 0; t < 4; t++) {
                    boolean tA = (t & 1) != 0;
                    boolean tB = (t & 2) != 0;
                    int m = sh[0], n = sh[1], k = sh[2];
                    Matrix a = tA ? p.zeros(k, m) : p.zeros(m, k);
                    Matrix b = tB ? p.zeros(n, k) : p.zeros(k, n);
                    for (int i = 0; i < a.size(); i++) {
                        a.setFlat(i, rng.nextGaussian());
                    }
                    for (int i = 0; i < b.size(); i++) {
                        b.setFlat(i, rng.nextGaussian());
                    }
                    Matrix c = p.zeros(m, n);
                    c.fill(Double.NaN);
                    Ops.gemm(tA, tB, 1, a, b, 0, c);
                    assertTrue(c.allFinite(), p + " " + m + "x" + k + " by " + k + "x" + n + " tA=" + tA + " tB=" + tB
                            + " on " + Blas.get().name());
                }
            }
        }
    }

    @Test
    void betaZeroOverwritesNaNAndAlphaZeroOnlyScales() {
        for (Blas blas : impls()) {
            double[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8};
            double[] c = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
            blas.dgemm(false, false, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2);
            assertArrayEquals(new double[] {19, 22, 43, 50}, c, blas.name());
            float[] cf = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
            blas.sgemm(false, false, 2, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, new float[] {5, 6, 7, 8}, 0, 2,
                    0f, cf, 0, 2);
            assertArrayEquals(new float[] {19, 22, 43, 50}, cf, blas.name());
            // alpha = 0: A and B are not read (NaN there does not matter), C = beta C
            double[] nan = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
            double[] c2 = {1, 2, 3, 4};
            blas.dgemm(false, true, 2, 2, 2, 0, nan, 0, 2, nan, 0, 2, 2, c2, 0, 2);
            assertArrayEquals(new double[] {2, 4, 6, 8}, c2, blas.name());
            // k = 0: C = beta C, and beta = 0 clears
            double[] c3 = {1, Double.NaN, 3, 4};
            blas.dgemm(false, false, 2, 2, 0, 1, new double[0], 0, 1, new double[0], 0, 2, 0, c3, 0, 2);
            assertArrayEquals(new double[] {0, 0, 0, 0}, c3, blas.name());
            // m = 0 / n = 0: nothing happens, even with empty arrays
            blas.sgemm(true, true, 0, 5, 3, 1f, new float[0], 0, 1, new float[0], 0, 1, 1f, new float[0], 0, 1);
            blas.dgemm(false, false, 4, 0, 3, 1, new double[0], 0, 1, new double[0], 0, 1, 1, new double[0], 0, 1);
        }
    }

    /**
     * Ops.gemmColumns (a block of a stacked state by op(B), into a block of another) gives the bits of
     * Ops.gemm on the blocks copied out, and leaves every other column alone.
     */
    @Test
    void gemmColumnsEqualsTheProductOfTheCopiedColumns() {
        java.util.Random rng = new java.util.Random(41);
        for (Precision p : Precision.values()) {
            for (boolean tB : new boolean[] {false, true}) {
                int m = 37;
                int k = 23;
                int n = 29;
                Matrix x = p.zeros(m, 70);
                Matrix c = p.zeros(m, 60);
                Matrix b = tB ? p.zeros(n, k) : p.zeros(k, n);
                for (Matrix z : new Matrix[] {x, c, b}) {
                    for (int i = 0; i < z.size(); i++) {
                        z.setFlat(i, rng.nextGaussian());
                    }
                }
                Matrix xs = p.zeros(m, k);
                Matrix cs = p.zeros(m, n);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < k; j++) {
                        xs.set(i, j, x.get(i, 40 + j));
                    }
                    for (int j = 0; j < n; j++) {
                        cs.set(i, j, c.get(i, 11 + j));
                    }
                }
                Matrix before = c.copy();
                Ops.gemmColumns(tB, 0.75, x, 40, b, 0.5, c, 11);
                Ops.gemm(false, tB, 0.75, xs, b, 0.5, cs);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < 60; j++) {
                        double want = j >= 11 && j < 11 + n ? cs.get(i, j - 11) : before.get(i, j);
                        assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(c.get(i, j)),
                                p + " tB " + tB + " at " + i + ", " + j);
                    }
                }
            }
        }
        Matrix x = Precision.FLOAT.zeros(4, 10);
        Matrix w = Precision.FLOAT.zeros(5, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.gemmColumns(true, 1, x, 6, w, 0, Precision.FLOAT.zeros(4, 10), 0));
        assertTrue(e.getMessage().contains("columns [6, 11)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.gemmColumns(true, 1, x, 0, w, 0, x, 5));
    }

    @Test
    void badShapesThrowBeforeTouchingAnything() {
        for (Blas blas : impls()) {
            double[] a = new double[6], b = new double[6], c = new double[4];
            // A is 2 x 3 but declared stride 2 < 3 columns
            assertThrows(IllegalArgumentException.class,
                    () -> blas.dgemm(false, false, 2, 2, 3, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2));
            // B too short for the offset
            assertThrows(IllegalArgumentException.class,
                    () -> blas.dgemm(false, false, 2, 2, 3, 1, a, 0, 3, b, 1, 2, 0, c, 0, 2));
            // C too short (transposed A: 3 x 2 storage, fine; C needs 2 rows of stride 3)
            assertThrows(IllegalArgumentException.class,
                    () -> blas.dgemm(true, false, 2, 2, 3, 1, a, 0, 2, b, 0, 2, 0, c, 0, 3));
            assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(false, true, 2, 2, 3, 1f, new float[6], 0, 3, new float[5], 0, 3, 0f,
                            new float[4], 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(false, false, -1, 2, 3, 1f, new float[6], 0, 3, new float[6], 0, 2, 0f,
                            new float[4], 0, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(false, false, 2, 2, 3, 1f, new float[6], -1, 3, new float[6], 0, 2, 0f,
                            new float[4], 0, 2));
        }
    }

    @Test
    void javaResultsDoNotDependOnThreadCount() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < 4; t++) {
            // large enough to be split (m n k >= 2^21)
            Problem pr = Problem.random(rnd, (t & 1) != 0, (t & 2) != 0, 150, 130, 140, 0.7, 0.3);
            double[] one = pr.runDouble(new JavaBlas(1));
            double[] two = pr.runDouble(new JavaBlas(2));
            double[] three = pr.runDouble(new JavaBlas(3));
            assertArrayEquals(one, two);
            assertArrayEquals(one, three);
            float[] fone = pr.runFloat(new JavaBlas(1));
            assertArrayEquals(fone, pr.runFloat(new JavaBlas(2)));
            assertArrayEquals(fone, pr.runFloat(new JavaBlas(3)));
        }
    }

    /**
     * Every native library bound beside the process-wide one (the bundled and the system's, for
     * fprnn bench blas) computes the products through its own library: equal to the pure-Java product
     * up to rounding, with the same bits at 1 and 2 threads, and bitwise equal to the process-wide
     * binding when it is the same file.
     */
    @Test
    void everyLibraryComputesThroughItsOwnBinding() {
        assumeTrue(NativeBlas.isAvailable(), "OpenBLAS not installed");
        List<NativeBlas> libs = NativeBlas.everyLibrary();
        assertFalse(libs.isEmpty());
        NativeBlas processWide = NativeBlas.load();
        int before = processWide.threads();
        SplittableRandom rnd = new SplittableRandom(5);
        try {
            for (int t = 0; t < 4; t++) {
                Problem pr = Problem.random(rnd, (t & 1) != 0, (t & 2) != 0, 200, 150, 120, 0.7, 0.3); // split in blocks
                double[] java = pr.runDouble(new JavaBlas(1));
                float[] javaF = pr.runFloat(new JavaBlas(1));
                for (NativeBlas lib : libs) {
                    processWide.setThreads(1);
                    double[] one = pr.runDouble(lib);
                    float[] oneF = pr.runFloat(lib);
                    processWide.setThreads(2);
                    assertArrayEquals(one, pr.runDouble(lib), lib.name());
                    assertArrayEquals(oneF, pr.runFloat(lib), lib.name());
                    for (int i = 0; i < one.length; i++) {
                        assertEquals(java[i], one[i], 1e-12 * (1 + Math.abs(java[i])), lib.name());
                        assertEquals(javaF[i], oneF[i], 1e-4f * (1 + Math.abs(javaF[i])), lib.name());
                    }
                    if (lib.library().equals(processWide.library())) {
                        assertArrayEquals(one, pr.runDouble(processWide), lib.name());
                    }
                }
            }
        } finally {
            processWide.setThreads(before);
        }
        assertEquals(libs.size(), libs.stream().map(NativeBlas::library).distinct().count(), "a library bound twice");
    }

    @Test
    void nativeNameThreadsAndSetThreads() {
        assumeTrue(NativeBlas.isAvailable(), "OpenBLAS not installed");
        NativeBlas nat = NativeBlas.load();
        int before = nat.threads();
        try {
            nat.setThreads(1);
            assertEquals(1, nat.threads());
            assertTrue(nat.name().contains("OpenBLAS") && nat.name().contains("(native, 1 thread)"), nat.name());
        } finally {
            nat.setThreads(before);
        }
        assertThrows(IllegalArgumentException.class, () -> nat.setThreads(0));
    }

    @Test
    void processWideSetThreads() {
        Blas blas = Blas.get();
        int before = blas.threads();
        try {
            Blas.setThreads(1);
            assertEquals(1, blas.threads());
        } finally {
            Blas.setThreads(before);
        }
        assertEquals(before, blas.threads());
        assertThrows(IllegalArgumentException.class, () -> Blas.setThreads(0));
    }

    @Test
    void holderHonoursTheJavaSwitch() {
        // the process-wide choice: native when it loads, unless fprnn.blas=java / FPRNN_BLAS=java
        boolean forcedJava = "java".equalsIgnoreCase(System.getProperty("fprnn.blas", System.getenv("FPRNN_BLAS")));
        Blas blas = Blas.get();
        if (forcedJava || !NativeBlas.isAvailable()) {
            assertTrue(blas instanceof JavaBlas, blas.name());
        } else {
            assertTrue(blas instanceof NativeBlas, blas.name());
        }
    }

    /** Ops.transpose: every entry moved, for shapes across its 32-element tiles, both precisions; bad shapes refused. */
    @Test
    void transposeMovesEveryEntryAndRefusesWrongShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (Precision p : Precision.values()) {
            for (int[] mn : new int[][] {{1, 1}, {1, 40}, {33, 2}, {31, 65}, {64, 64}, {100, 37}}) {
                Matrix a = p.zeros(mn[0], mn[1]);
                for (int i = 0; i < a.size(); i++) {
                    a.setFlat(i, rnd.nextDouble(-1, 1));
                }
                Matrix t = p.zeros(mn[1], mn[0]);
                Ops.transpose(a, t);
                for (int i = 0; i < mn[0]; i++) {
                    for (int j = 0; j < mn[1]; j++) {
                        assertEquals(a.get(i, j), t.get(j, i), p + " " + mn[0] + "x" + mn[1] + " at " + i + "," + j);
                    }
                }
            }
        }
        Matrix a = Precision.FLOAT.zeros(3, 4);
        assertThrows(IllegalArgumentException.class, () -> Ops.transpose(a, Precision.FLOAT.zeros(3, 4)));
        assertThrows(IllegalArgumentException.class, () -> Ops.transpose(a, Precision.DOUBLE.zeros(4, 3)));
        Matrix sq = Precision.FLOAT.zeros(3, 3);
        assertThrows(IllegalArgumentException.class, () -> Ops.transpose(sq, sq), "in place is refused");
    }

    @Test
    void relativeDifferenceIsTheFrobeniusRatio() {
        DMatrix a = new DMatrix(2, 2);
        a.data[0] = 3;
        a.data[3] = 4; // ||a|| = 5
        DMatrix b = a.copy();
        b.data[1] = 1; // ||a - b|| = 1
        org.junit.jupiter.api.Assertions.assertEquals(0.2, Ops.relativeDifference(a, b), 1e-15);
        org.junit.jupiter.api.Assertions.assertEquals(0.0, Ops.relativeDifference(new DMatrix(2, 2), new DMatrix(2, 2)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Ops.relativeDifference(a, new DMatrix(2, 3)));
    }
}
