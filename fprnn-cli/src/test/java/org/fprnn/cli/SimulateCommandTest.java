package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.fprnn.io.Json;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;
import org.fprnn.simulate.RelaxationTime;
import org.fprnn.simulate.SimulationSettings;
import org.fprnn.simulate.Simulator;
import org.fprnn.simulate.Stimulus;
import org.fprnn.simulate.Trajectory;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `fprnn simulate` on small NPY files: outputs, values against the library, and bad input exiting with 2. */
class SimulateCommandTest {
    static final int N = 10;
    static final int NIN = 4;
    static final int NOUT = 3;
    static final int T = 12;

    @TempDir
    Path dir;

    DMatrix w;
    DMatrix u;
    DMatrix r;
    double[] x;

    @BeforeEach
    void writeInputs() throws IOException {
        Random rng = new Random(7);
        w = RuleCommandTest.randn(N, N, 0.8 / Math.sqrt(N), rng);
        u = RuleCommandTest.randn(N, NIN, 1 / Math.sqrt(NIN), rng);
        r = RuleCommandTest.randn(NOUT, N, 1 / Math.sqrt(N), rng);
        Npy.write(dir.resolve("W.npy"), w);
        Npy.write(dir.resolve("U.npy"), u);
        Npy.write(dir.resolve("R.npy"), r);
        Npy.write1d(dir.resolve("b.npy"), new double[N]);
        x = new double[T * NIN];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        Npy.write(dir.resolve("X.npy"), NdArray.of(x, T, NIN));
        Npy.write(dir.resolve("X3.npy"), NdArray.of(Arrays.copyOf(x, T * NIN), T / 2, 2, NIN));
        Npy.write(dir.resolve("ends.npy"), RuleCommandTest.randn(2, NIN, 1, rng));
    }

    String p(String name) {
        return dir.resolve(name).toString();
    }

    List<String> base(String... extra) {
        List<String> a = new ArrayList<>(List.of("simulate", "--W", p("W.npy"), "--U", p("U.npy"),
                "--nonlinearity", "tanh"));
        a.addAll(List.of(extra));
        return a;
    }

    static CliRunner run(List<String> args) {
        return CliRunner.run(args.toArray(String[]::new));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path file) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(file), file.toString());
    }

    FixedPointNetwork net() {
        return FixedPointNetwork.builder().recurrentWeights(w).inputWeights(u).readoutWeights(r)
                .nonlinearity(new Nonlinearity.Tanh()).build();
    }

    @Test
    void inputSequenceWritesTheTrajectoryTheFixedPointsAndTracking() throws IOException {
        CliRunner res = run(base("--R", p("R.npy"), "--b", p("b.npy"), "--input", p("X.npy"), "--frame-steps", "5",
                "--dt", "0.1", "--tau", "2", "--out", p("out")));
        assertEquals(0, res.exitCode(), res.err());
        Path out = dir.resolve("out");
        NdArray traj = Npy.read(out.resolve("trajectory.npy"));
        assertArrayEquals(new long[] {T * 5 + 1, N}, traj.shape());
        assertArrayEquals(new long[] {T * 5 + 1, N}, Npy.read(out.resolve("fixed_points.npy")).shape());
        assertArrayEquals(new long[] {T * 5 + 1, NOUT}, Npy.read(out.resolve("readout.npy")).shape());
        assertTrue(Files.size(out.resolve("figures/tracking.png")) > 1000);
        Map<String, Object> j = json(out.resolve("tracking.json"));
        for (String key : List.of("simulation", "tau_relax", "fixed_points", "summary", "time", "distance", "max_abs")) {
            assertTrue(j.containsKey(key), key);
        }
        // The same run through the library, bit for bit.
        Matrix[] frames = new Matrix[T];
        for (int k = 0; k < T; k++) {
            frames[k] = new DMatrix(1, NIN, Arrays.copyOfRange(x, k * NIN, (k + 1) * NIN));
        }
        Trajectory t = new Simulator(net()).run(Stimulus.sequence(frames, 0.5), SimulationSettings.of(0.1, 2, T * 5));
        assertArrayEquals(((DMatrix) t.rates()).data, traj.toDoubleArray());
        // tau_relax as documented: tau / (1 - max Re eig(G W)) at the first and last frames' fixed points.
        EquilibriumSolver s = new EquilibriumSolver(SolverConfig.newton(50, 1e-13));
        double expected = Math.max(
                RelaxationTime.atFixedPoints(net(), s.solve(net(), frames[0]).z(), 2, null, 0.1).value(),
                RelaxationTime.atFixedPoints(net(), s.solve(net(), frames[T - 1]).z(), 2, null, 0.1).value());
        @SuppressWarnings("unchecked")
        Map<String, Object> rt = (Map<String, Object>) j.get("tau_relax");
        assertEquals(expected, ((Number) rt.get("value")).doubleValue(), 1e-8);
        assertTrue(rt.get("how").toString().startsWith("tau / (1 - max Re eig(G W))"));
        @SuppressWarnings("unchecked")
        Map<String, Object> fp = (Map<String, Object>) j.get("fixed_points");
        assertTrue(((Number) fp.get("iterations_warm")).longValue() < ((Number) fp.get("iterations_cold")).longValue());
        assertEquals(0L, fp.get("unconverged_points"));
    }

    @Test
    void aBatchOfSequencesGivesThreeDimensionalOutputs() throws IOException {
        CliRunner res = run(base("--R", p("R.npy"), "--input", p("X3.npy"), "--frame-steps", "4", "--record-every", "2",
                "--init", "fixed-point", "--out", p("out")));
        assertEquals(0, res.exitCode(), res.err());
        Path out = dir.resolve("out");
        assertArrayEquals(new long[] {T / 2 * 4 / 2 + 1, 2, N}, Npy.read(out.resolve("trajectory.npy")).shape());
        assertArrayEquals(new long[] {T / 2 * 4 / 2 + 1, 2, N}, Npy.read(out.resolve("fixed_points.npy")).shape());
        assertArrayEquals(new long[] {T / 2 * 4 / 2 + 1, 2, NOUT}, Npy.read(out.resolve("readout.npy")).shape());
        // Starting at the fixed point of the first frame: the first frame is tracked exactly.
        Map<String, Object> j = json(out.resolve("tracking.json"));
        List<?> d = (List<?>) j.get("distance");
        assertTrue(((Number) d.get(1)).doubleValue() < 1e-8, "distance " + d.get(1));
    }

    @Test
    void noiseWithTheSameSeedRepeatsBitwise() throws IOException {
        List<String> a = base("--input", p("X.npy"), "--frame-steps", "3", "--noise", "0.05", "--seed", "11",
                "--out", p("n1"));
        assertEquals(0, run(a).exitCode());
        List<String> b = new ArrayList<>(a);
        b.set(b.size() - 1, p("n2"));
        assertEquals(0, run(b).exitCode());
        List<String> c = new ArrayList<>(b);
        c.set(c.indexOf("11"), "12");
        c.set(c.size() - 1, p("n3"));
        assertEquals(0, run(c).exitCode());
        byte[] t1 = Files.readAllBytes(dir.resolve("n1/trajectory.npy"));
        assertArrayEquals(t1, Files.readAllBytes(dir.resolve("n2/trajectory.npy")));
        assertFalse(Arrays.equals(t1, Files.readAllBytes(dir.resolve("n3/trajectory.npy"))));
    }

    @Test
    void builtInMorphBetweenTwoInputsAndTheSameNetworkFromSafetensors() throws IOException {
        CliRunner res = run(base("--stimulus", "morph", "--endpoints", p("ends.npy"), "--ts-relax", "5",
                "--compare", "1,20", "--records", "50", "--out", p("out")));
        assertEquals(0, res.exitCode(), res.err());
        Path out = dir.resolve("out");
        Map<String, Object> j = json(out.resolve("tracking.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> stim = (Map<String, Object>) j.get("stimulus");
        assertEquals(5.0, ((Number) stim.get("T_s_over_tau_relax")).doubleValue(), 1e-12);
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) j.get("summary");
        double mean = ((Number) summary.get("mean_distance")).doubleValue();
        List<?> comp = (List<?>) j.get("comparison");
        assertEquals(2, comp.size());
        double slow = ((Number) ((Map<?, ?>) comp.get(1)).get("mean_distance")).doubleValue();
        double fast = ((Number) ((Map<?, ?>) comp.get(0)).get("mean_distance")).doubleValue();
        assertTrue(fast > mean && mean > slow, fast + " > " + mean + " > " + slow);
        assertTrue(Files.size(out.resolve("figures/tracking.png")) > 1000);
        NdArray traj = Npy.read(out.resolve("trajectory.npy"));
        assertEquals(2, traj.ndim());

        Map<String, Object> tensors = new LinkedHashMap<>();
        tensors.put("W", w);
        tensors.put("U", u);
        tensors.put("R", r);
        Safetensors.write(dir.resolve("net.safetensors"), tensors, null);
        CliRunner st = run(List.of("simulate", "--weights", p("net.safetensors"), "--nonlinearity", "tanh",
                "--stimulus", "morph", "--endpoints", p("ends.npy"), "--ts-relax", "5", "--compare", "1,20",
                "--records", "50", "--out", p("out2")));
        assertEquals(0, st.exitCode(), st.err());
        assertArrayEquals(traj.toDoubleArray(), Npy.read(dir.resolve("out2/trajectory.npy")).toDoubleArray());
        assertTrue(Files.exists(dir.resolve("out2/readout.npy")));
    }

    @Test
    void sweepWritesTheSummaryFigure() throws IOException {
        CliRunner res = run(base("--stimulus", "switch,morph,periodic", "--endpoints", p("ends.npy"), "--sweep",
                "--ratio-min", "1", "--ratio-max", "10", "--ratio-count", "3", "--records", "40", "--out", p("sw")));
        assertEquals(0, res.exitCode(), res.err());
        Map<String, Object> j = json(dir.resolve("sw/sweep.json"));
        String page = Files.readString(dir.resolve("sw/results.md"));
        assertTrue(page.contains("fprnn simulate") && page.contains("--sweep") && page.contains("tau_relax"), page);
        Map<?, ?> sweep = (Map<?, ?>) j.get("sweep");
        assertEquals(List.of("switch", "morph", "periodic"), new ArrayList<>(sweep.keySet()));
        for (Object rows : sweep.values()) {
            List<?> l = (List<?>) rows;
            assertEquals(3, l.size());
            double first = ((Number) ((Map<?, ?>) l.get(0)).get("mean_distance")).doubleValue();
            double last = ((Number) ((Map<?, ?>) l.get(2)).get("mean_distance")).doubleValue();
            assertTrue(last < first, "error falls as T_s grows: " + first + " -> " + last);
        }
        assertTrue(Files.size(dir.resolve("sw/figures/sweep.png")) > 1000);
        assertTrue(Files.size(dir.resolve("sw/figures/tracking.png")) > 1000);
    }

    /**
     * simulate writes only into a new folder or one of its own: a training sweep's folder (or any with
     * other files) is refused and left as it was, a folder another fprnn command holds is refused, and
     * a run into a folder of an earlier simulate clears that call's outputs it does not write again.
     */
    @Test
    void writesOnlyIntoItsOwnFoldersAndLeavesNoStaleOutputs() throws IOException {
        Path sweepFolder = Files.createDirectories(dir.resolve("sweep-results"));
        Files.writeString(sweepFolder.resolve("results.md"), "# a training sweep\n");
        Files.writeString(sweepFolder.resolve("summary.json"), "{}");
        CliRunner into = run(base("--input", p("X.npy"), "--out", sweepFolder.toString()));
        assertEquals(2, into.exitCode(), into.err());
        assertTrue(into.err().contains("holds files that fprnn simulate did not write (results.md, summary.json)"),
                into.err());
        assertEquals("# a training sweep\n", Files.readString(sweepFolder.resolve("results.md")), "nothing overwritten");
        // simulate's file names alone do not make a folder simulate's: no tracking.json or sweep.json there
        Path notes = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(notes.resolve("results.md"), "my notes\n");
        CliRunner onNotes = run(base("--input", p("X.npy"), "--out", notes.toString()));
        assertEquals(2, onNotes.exitCode(), onNotes.err());
        assertEquals("my notes\n", Files.readString(notes.resolve("results.md")), "the user's file is kept");

        Path busy = Files.createDirectories(dir.resolve("busy"));
        try (var lock = org.fprnn.cli.report.FolderLock.acquire(busy, "fprnn run x.toml --out busy",
                org.fprnn.cli.report.FolderLock.SWEEP_ON_STOP,
                new java.io.PrintWriter(java.io.Writer.nullWriter()))) {
            CliRunner locked = run(base("--input", p("X.npy"), "--out", busy.toString()));
            assertEquals(2, locked.exitCode(), locked.err());
            assertTrue(locked.err().contains("is in use by another fprnn command"), locked.err());
        }
        assertFalse(Files.exists(busy.resolve("trajectory.npy")), "nothing written into a locked folder");

        Path same = dir.resolve("same");
        assertEquals(0, run(base("--stimulus", "switch", "--endpoints", p("ends.npy"), "--sweep", "--ratio-min", "1",
                "--ratio-max", "2", "--ratio-count", "2", "--records", "20", "--out", same.toString())).exitCode());
        assertTrue(Files.exists(same.resolve("sweep.json")) && Files.exists(same.resolve("figures/sweep.png")));
        CliRunner again = run(base("--input", p("X.npy"), "--out", same.toString()));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(Files.exists(same.resolve("trajectory.npy")) && Files.exists(same.resolve("tracking.json")));
        assertFalse(Files.exists(same.resolve("sweep.json")), "the earlier sweep's summary is removed");
        assertFalse(Files.exists(same.resolve("figures/sweep.png")), "and its figure");
    }

    /** A T_s whose records would not fit the heap is refused before anything is written (it ran out of memory). */
    @Test
    void aTsTooLongForTheHeapIsRefusedFirst() {
        CliRunner res = run(base("--stimulus", "morph", "--endpoints", p("ends.npy"), "--ts", "1e8", "--out", p("long")));
        assertEquals(2, res.exitCode(), res.err());
        assertTrue(res.err().contains("T_s = 1.00000e+08 would keep") && res.err().contains("give a shorter T_s"),
                res.err());
        assertFalse(Files.exists(dir.resolve("long")), "nothing written");
    }

    /** Two equal inputs would leave the stimulus still (and divide by its zero move): refused. */
    @Test
    void equalEndpointsAreRefused() throws IOException {
        Npy.write(dir.resolve("same.npy"), NdArray.of(new double[] {0.5, -1, 2, 0, 0.5, -1, 2, 0}, 2, NIN));
        CliRunner res = run(base("--stimulus", "morph", "--endpoints", p("same.npy"), "--out", p("same-out")));
        assertEquals(2, res.exitCode(), res.err());
        assertTrue(res.err().contains("the two inputs xa and xb") && res.err().contains("are the same"), res.err());
        assertFalse(Files.exists(dir.resolve("same-out")), "nothing written");
    }

    @Test
    void helpReadsLikeAManualPage() {
        CliRunner res = CliRunner.run("simulate", "--help");
        assertEquals(0, res.exitCode());
        for (String s : List.of("tau_relax", "--stimulus", "Euler-Maruyama", "trajectory.npy", "--sweep")) {
            assertTrue(res.out().contains(s), s);
        }
        assertTrue(CliRunner.run("--help").out().contains("simulate"));
    }

    /** Each case exits with 2 and names the problem; nothing is written. */
    @Test
    void badInputExitsWith2() throws IOException {
        Npy.write(dir.resolve("Xwide.npy"), NdArray.of(new double[T * 5], T, 5));
        double[] nan = x.clone();
        nan[7] = Double.NaN;
        Npy.write(dir.resolve("Xnan.npy"), NdArray.of(nan, T, NIN));
        Npy.write(dir.resolve("Wrect.npy"), new DMatrix(N, N - 1));
        DMatrix unstable = new DMatrix(N, N);
        for (int i = 0; i < N; i++) {
            unstable.set(i, i, 2.0);
        }
        Npy.write(dir.resolve("W2.npy"), unstable);
        Npy.write(dir.resolve("ends3.npy"), new DMatrix(3, NIN));
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(base("--input", p("Xwide.npy"), "--out", p("bad")), "Xwide.npy");
        cases.put(base("--input", p("Xnan.npy"), "--out", p("bad")), "finite");
        cases.put(base("--input", p("missing.npy"), "--out", p("bad")), "missing.npy: no such file");
        cases.put(base("--input", dir.toString(), "--out", p("bad")), ": is a folder; give the file in it");
        cases.put(List.of("simulate", "--W", p("Wrect.npy"), "--U", p("U.npy"), "--nonlinearity", "tanh",
                "--input", p("X.npy"), "--out", p("bad")), "square");
        cases.put(base("--out", p("bad")), "give the input");
        cases.put(base("--input", p("X.npy"), "--stimulus", "morph", "--endpoints", p("ends.npy"), "--out", p("bad")),
                "not both");
        cases.put(base("--stimulus", "morph", "--out", p("bad")), "--endpoints");
        cases.put(base("--stimulus", "wobble", "--endpoints", p("ends.npy"), "--out", p("bad")), "wobble");
        cases.put(base("--stimulus", "morph", "--endpoints", p("ends3.npy"), "--out", p("bad")), "(2, n_in)");
        cases.put(base("--stimulus", "morph", "--digits", "3,8", "--out", p("bad")), "n_in = " + NIN);
        cases.put(base("--input", p("X.npy"), "--dt", "1.5", "--out", p("bad")), "dt/tau");
        cases.put(base("--input", p("X.npy"), "--noise", "-1", "--out", p("bad")), "--noise");
        cases.put(base("--input", p("X.npy"), "--dynamics", "leaky", "--out", p("bad")), "leaky");
        cases.put(base("--input", p("X.npy"), "--sweep", "--out", p("bad")), "--sweep");
        cases.put(base("--stimulus", "morph", "--endpoints", p("ends.npy"), "--steps", "10", "--out", p("bad")),
                "--steps");
        cases.put(base("--input", p("X.npy"), "--tau-units", p("b.npy"), "--out", p("bad")), "every tau must be > 0");
        cases.put(List.of("simulate", "--W", p("W2.npy"), "--U", p("U.npy"), "--nonlinearity", "linear",
                "--stimulus", "morph", "--endpoints", p("ends.npy"), "--out", p("bad")), "not stable");
        for (var c : cases.entrySet()) {
            CliRunner res = run(c.getKey());
            assertEquals(2, res.exitCode(), c.getKey() + "\n" + res.err());
            assertTrue(res.err().contains(c.getValue()), "expected '" + c.getValue() + "' in: " + res.err());
            assertFalse(res.err().contains("Exception"), res.err());
        }
        assertFalse(Files.exists(dir.resolve("bad")));
    }

    /** Two MNIST test digits, when the data set is installed in the repository's data folder. */
    @Test
    void mnistDigitsAsTheTwoInputs() throws IOException {
        Path data = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("data/mnist"))) {
                data = d.resolve("data/mnist");
                break;
            }
            if (Files.exists(d.resolve(".git"))) {
                break;
            }
        }
        assumeTrue(data != null, "MNIST is not installed in data/mnist");
        Random rng = new Random(3);
        Npy.write(dir.resolve("U784.npy"), RuleCommandTest.randn(N, 784, 1 / 28.0, rng));
        CliRunner res = run(List.of("simulate", "--W", p("W.npy"), "--U", p("U784.npy"), "--nonlinearity", "tanh",
                "--stimulus", "switch", "--digits", "3,8", "--data", data.toString(), "--compare", "none",
                "--out", p("mn")));
        assertEquals(0, res.exitCode(), res.err());
        Map<String, Object> j = json(dir.resolve("mn/tracking.json"));
        String inputs = ((Map<?, ?>) j.get("stimulus")).get("inputs").toString();
        assertTrue(inputs.contains("label 3") && inputs.contains("label 8"), inputs);
        assertEquals(Precision.DOUBLE.name().toLowerCase(), ((Map<?, ?>) j.get("network")).get("precision"));
    }
}
