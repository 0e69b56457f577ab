package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.io.DType;
import org.fprnn.io.Json;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `fprnn rule` contract of ARCHITECTURE.md: outputs, values, and bad input exiting with code 2. */
class RuleCommandTest {
    static final int N = 12;
    static final int NIN = 5;
    static final int NOUT = 3;
    static final int B = 7;

    @TempDir
    Path dir;

    DMatrix w;
    DMatrix u;
    DMatrix r;
    DMatrix x;
    int[] y;

    @BeforeEach
    void writeInputs() throws IOException {
        Random rng = new Random(5);
        w = randn(N, N, 0.8 / Math.sqrt(N), rng);
        u = randn(N, NIN, 1 / Math.sqrt(NIN), rng);
        r = randn(NOUT, N, 1 / Math.sqrt(N), rng);
        x = randn(B, NIN, 1, rng);
        y = new int[B];
        for (int i = 0; i < B; i++) {
            y[i] = rng.nextInt(NOUT);
        }
        Npy.write(dir.resolve("W.npy"), w);
        Npy.write(dir.resolve("U.npy"), u);
        Npy.write(dir.resolve("R.npy"), r);
        Npy.write(dir.resolve("X.npy"), x);
        Npy.write(dir.resolve("y.npy"), NdArray.vector(Arrays.stream(y).asLongStream().toArray()));
        Npy.write(dir.resolve("T.npy"), randn(B, NOUT, 1, rng));
    }

    static DMatrix randn(int rows, int cols, double std, Random rng) {
        DMatrix m = new DMatrix(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = std * rng.nextGaussian();
        }
        return m;
    }

    List<String> args(String rule, String... extra) {
        List<String> a = new ArrayList<>(List.of("rule", "--rule", rule, "--W", p("W.npy"), "--U", p("U.npy"),
                "--R", p("R.npy"), "--x", p("X.npy"), "--y", p("y.npy"), "--loss", "cross_entropy",
                "--nonlinearity", "tanh", "--dynamics", "rate", "--solver", "anderson", "--tol", "1e-12",
                "--max-iter", "500", "--precision", "double", "--out", p("out")));
        a.addAll(List.of(extra));
        return a;
    }

    String p(String name) {
        return dir.resolve(name).toString();
    }

    /** Replaces the value after an option. */
    static List<String> with(List<String> a, String option, String value) {
        List<String> c = new ArrayList<>(a);
        c.set(c.indexOf(option) + 1, value);
        return c;
    }

    @Test
    void gradientDirectionsMatchTheLibraryAndFilesFollowTheContract() throws IOException {
        CliRunner res = CliRunner.run(args("gradient", "--train-input", "--train-bias", "--train-readout")
                .toArray(String[]::new));
        assertEquals(0, res.exitCode(), res.err());
        Path out = dir.resolve("out");
        NdArray dw = Npy.read(out.resolve("direction_W.npy"));
        assertArrayEquals(new long[] {N, N}, dw.shape());
        assertEquals(DType.FLOAT64, dw.dtype());
        assertArrayEquals(new long[] {N, NIN}, Npy.read(out.resolve("direction_U.npy")).shape());
        assertArrayEquals(new long[] {N}, Npy.read(out.resolve("direction_b.npy")).shape());
        assertArrayEquals(new long[] {NOUT, N}, Npy.read(out.resolve("direction_R.npy")).shape());
        assertArrayEquals(new long[] {B, N}, Npy.read(out.resolve("rates.npy")).shape());
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) Json.parse(Files.readString(out.resolve("summary.json")), "summary");
        for (String key : List.of("loss", "samples", "converged", "iterations", "max_residual")) {
            assertTrue(summary.containsKey(key), key);
        }
        assertEquals((long) B, summary.get("samples"));
        assertEquals((long) B, summary.get("converged"));

        FixedPointNetwork net = FixedPointNetwork.builder().recurrentWeights(w).inputWeights(u).readoutWeights(r)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(Dynamics.RATE).trainInput(true).trainBias(true)
                .trainReadout(true).build();
        Equilibrium eq = new EquilibriumSolver(SolverConfig.newton(50, 1e-14)).solve(net, x);
        var expected = Rules.create("gradient", RuleSettings.of(Loss.CROSS_ENTROPY, SolverConfig.newton(50, 1e-14))
                .withAdjoint(SolverConfig.newton(50, 1e-14))).compute(net, Batch.labelled(x, y), eq);
        for (String name : List.of("W", "U", "R")) {
            Matrix got = Npy.read(out.resolve("direction_" + name + ".npy")).toMatrix(org.fprnn.linalg.Precision.DOUBLE);
            assertTrue(rel(got, expected.directions().get(name)) < 1e-9, name);
        }
        assertEquals(expected.loss(), ((Number) summary.get("loss")).doubleValue(), 1e-12);
    }

    static double rel(Matrix a, Matrix b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.size(); i++) {
            num += Math.pow(a.getFlat(i) - b.getFlat(i), 2);
            den += Math.pow(b.getFlat(i), 2);
        }
        return Math.sqrt(num / den);
    }

    @Test
    void everyRuleRunsAndFloatPrecisionWritesFloat32() throws IOException {
        for (String rule : List.of("gradient", "linearized", "linearized_alt", "bptt")) {
            List<String> a = with(with(args(rule), "--solver", "euler"), "--precision", "float");
            a = with(a, "--tol", "0");
            a = with(a, "--max-iter", "200");
            a = with(a, "--out", p("out-" + rule));
            CliRunner res = CliRunner.run(a.toArray(String[]::new));
            assertEquals(0, res.exitCode(), rule + ": " + res.err());
            assertEquals(DType.FLOAT32, Npy.read(dir.resolve("out-" + rule).resolve("direction_W.npy")).dtype());
            assertTrue(!Files.exists(dir.resolve("out-" + rule).resolve("direction_U.npy")), "U not trained");
        }
        // reparam on a linear network with mse targets.
        List<String> a = new ArrayList<>(args("reparam", "--lr", "0.1"));
        a = with(a, "--nonlinearity", "linear");
        a.set(a.indexOf("--y"), "--target");
        a.set(a.indexOf("--target") + 1, p("T.npy"));
        a = with(with(with(a, "--loss", "mse"), "--solver", "newton"), "--out", p("out-reparam"));
        CliRunner res = CliRunner.run(a.toArray(String[]::new));
        assertEquals(0, res.exitCode(), res.err());
    }

    @Test
    void nonConvergenceIsReportedButOutputsAreWritten() throws IOException {
        List<String> a = with(args("linearized"), "--max-iter", "2");
        CliRunner res = CliRunner.run(a.toArray(String[]::new));
        assertEquals(0, res.exitCode());
        assertTrue(res.err().contains("did not converge"), res.err());
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("out/summary.json")), "s");
        assertTrue(((Number) summary.get("converged")).intValue() < B);
        assertTrue(Files.exists(dir.resolve("out/direction_W.npy")));
    }

    void assertBadInput(List<String> a, String... mustMention) {
        CliRunner res = CliRunner.run(a.toArray(String[]::new));
        assertEquals(2, res.exitCode(), "expected exit 2, stderr: " + res.err());
        for (String m : mustMention) {
            assertTrue(res.err().contains(m), "message should mention '" + m + "': " + res.err());
        }
        assertTrue(!Files.exists(dir.resolve("out").resolve("direction_W.npy")), "no work before checks");
    }

    @Test
    void badInputExitsWithCode2NamingTheFile() throws IOException {
        Npy.write(dir.resolve("Ubad.npy"), randn(N + 1, NIN, 1, new Random(1)));
        assertBadInput(with(args("gradient"), "--U", p("Ubad.npy")), "Ubad.npy", "(N, n_in)");
        DMatrix xn = x.copy();
        xn.data[3] = Double.NaN;
        Npy.write(dir.resolve("Xnan.npy"), xn);
        assertBadInput(with(args("gradient"), "--x", p("Xnan.npy")), "Xnan.npy", "finite");
        Npy.write(dir.resolve("ybig.npy"), NdArray.vector(new int[] {0, 1, 2, 3, 0, 1, 2}));
        assertBadInput(with(args("gradient"), "--y", p("ybig.npy")), "ybig.npy", "out of range");
        Npy.write(dir.resolve("yfloat.npy"), NdArray.vector(new double[B]));
        assertBadInput(with(args("gradient"), "--y", p("yfloat.npy")), "yfloat.npy");
        Files.write(dir.resolve("garbage.npy"), new byte[] {1, 2, 3, 4, 5});
        assertBadInput(with(args("gradient"), "--W", p("garbage.npy")), "garbage.npy");
        assertBadInput(with(args("gradient"), "--W", p("missing.npy")), "missing.npy");
        assertBadInput(args("reparam"), "--lr");
        assertBadInput(args("bptt"), "euler");
        assertBadInput(with(args("gradient"), "--tol", "-1"), "--tol");
        assertBadInput(with(args("gradient"), "--max-iter", "0"), "--max-iter");
        assertBadInput(args("gradient", "--adjoint-tol", "NaN"), "--adjoint-tol");
        assertBadInput(args("gradient", "--adjoint-tol", "0"), "--adjoint-tol must be a finite number > 0");
        assertBadInput(with(args("nonsense"), "--rule", "nonsense"), "unknown rule");
        assertBadInput(with(args("gradient"), "--loss", "mse"), "--target");
    }

    @Test
    void fortranOrderInputIsReadCorrectly() throws IOException {
        // U written in Fortran order by hand: same values, column-major bytes.
        double[] colMajor = new double[N * NIN];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < NIN; j++) {
                colMajor[j * N + i] = u.get(i, j);
            }
        }
        String header = "{'descr': '<f8', 'fortran_order': True, 'shape': (" + N + ", " + NIN + "), }";
        Files.write(dir.resolve("Uf.npy"), npyBytes(header, colMajor));
        CliRunner c = CliRunner.run(args("linearized").toArray(String[]::new));
        CliRunner f = CliRunner.run(with(with(args("linearized"), "--U", p("Uf.npy")), "--out", p("outf")).toArray(String[]::new));
        assertEquals(0, c.exitCode(), c.err());
        assertEquals(0, f.exitCode(), f.err());
        Matrix a = Npy.read(dir.resolve("out/direction_W.npy")).toMatrix(org.fprnn.linalg.Precision.DOUBLE);
        Matrix b = Npy.read(dir.resolve("outf/direction_W.npy")).toMatrix(org.fprnn.linalg.Precision.DOUBLE);
        assertEquals(0.0, rel(a, b), 0.0);
    }

    static byte[] npyBytes(String header, double[] data) {
        int base = 10 + header.length() + 1;
        int pad = (64 - base % 64) % 64;
        String h = header + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(10 + h.length() + 8 * data.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes()).put((byte) 1).put((byte) 0).putShort((short) h.length());
        bb.put(h.getBytes());
        for (double v : data) {
            bb.putDouble(v);
        }
        return bb.array();
    }
}
