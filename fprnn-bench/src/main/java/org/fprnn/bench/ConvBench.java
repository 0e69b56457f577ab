package org.fprnn.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.data.Mnist;
import org.fprnn.data.Split;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.operator.FeatureShape;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;

/**
 * P3c's training step (configs/p3c-mnist.toml: two convolutional recurrent layers, trained read-in,
 * biases and read-out, Anderson forward, gradient rule, Adam at 0.003, 150 steps of 64, test batch
 * and diagnostics off) against the PyTorch peer torch_conv_peer.py (in {@link Peers#folder}) run in the same
 * sitting, and the forward solve's GFLOP/s, counting the convolutions' true multiply-adds, against
 * the raw sgemm measured in the same run.
 *
 * <p>Both sides run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: when the environment sets
 * either, fprnn's side runs in a child JVM without them (OpenBLAS reads them when it loads), and the
 * peer's process never gets them. Nothing else in fprnn unsets them.
 */
final class ConvBench {
    static final String ID = "conv";
    static final int BATCH = 64;
    static final int STEPS = 150;
    static final int TEST = 2000;
    static final double LR = 0.003;
    static final String PEER = "torch_conv_peer.py";
    private static final List<String> BLAS_ENV = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");
    private static final String RESULT = "conv-bench-result";

    private ConvBench() {
    }

    static Section run(BenchOptions o) throws IOException {
        int steps = o.quick() ? 6 : STEPS;
        boolean child = BLAS_ENV.stream().anyMatch(v -> System.getenv(v) != null);
        Map<String, Double> f = child ? inChild(o, steps) : measure(o, steps);
        Peer peer = peer(o, steps);

        Table step = new Table("", "fprnn", "PyTorch peer", "peer / fprnn");
        step.row("seconds per training step (median)", Section.sec(f.get("step")),
                peer.ran() ? Section.sec(peer.step()) : "-", peer.ran() ? Section.ratio(peer.step() / f.get("step")) : "-");
        step.row("forward iterations per step (median of the per-step medians)", Section.f("%.1f", f.get("iterations")),
                peer.ran() ? Section.f("%.1f", peer.iterations()) : "-", "");
        step.row(Section.f("test accuracy after training (first %d test images)", o.quick() ? 100 : TEST),
                Section.f("%.1f%%", 100 * f.get("accuracy")),
                peer.ran() ? Section.f("%.1f%%", 100 * peer.accuracy()) : "-", "");
        Table solve = new Table("work", "time", "GFLOP/s", "of the raw sgemm's");
        double convRate = f.get("solveFlops") / f.get("solve") / 1e9;
        double gemmRate = 2.0 * BATCH * f.get("gemmN") * f.get("gemmN") / f.get("gemm") / 1e9;
        double denseRate = 2.0 * BATCH * f.get("units") * f.get("units") / f.get("dense") / 1e9;
        solve.row(Section.f("forward solve of %d training images (Anderson to 1e-6, %.0f iterations, max)", BATCH,
                f.get("solveIterations")), Section.ms(f.get("solve")) + " ms", Section.f("%.2f", convRate),
                Section.f("%.0f%%", 100 * convRate / gemmRate));
        solve.row(Section.f("one solver iteration (the solve / its iterations; %.2f MFLOP of convolution)",
                f.get("applyFlops") / 1e6), Section.ms(f.get("solve") / f.get("solveIterations")) + " ms", "", "");
        solve.row(Section.f("raw sgemm %d x %.0f by %.0f x %.0f (the convolutions' FLOPs of one iteration)", BATCH,
                f.get("gemmN"), f.get("gemmN"), f.get("gemmN")), Section.ms(f.get("gemm")) + " ms",
                Section.f("%.2f", gemmRate), "100%");
        solve.row(Section.f("raw sgemm %d x %.0f by %.0f x %.0f (a dense W of the same N)", BATCH, f.get("units"),
                f.get("units"), f.get("units")), Section.ms(f.get("dense")) + " ms", Section.f("%.2f", denseRate),
                Section.f("%.0f%%", 100 * denseRate / gemmRate));
        String explanation = Section.f("""
                P3c's network (configs/p3c-mnist.toml: state 4x14x14 + 8x7x7, N = %.0f; W1, W2 3x3 same-padded \
                convolutions, F2 a 3x3 stride-2 convolution, read-in U a 3x3 stride-2 convolution of the image; \
                float) trained as the config trains it with the gradient rule (adjoint to 1e-6), Adam at lr %.3g, \
                %d steps of %d MNIST training images (the first %d, shuffled from seed 1), test batch and \
                diagnostics off; the time per step is the median over the steps of the trainer's own step \
                time. The peer is %s (PyTorch %s, %s threads, --adj-tol 1e-6, the same steps), run after \
                fprnn in the same sitting; it prints its own median. The convolution's GFLOP/s counts 2 \
                multiply-add FLOPs per kernel entry and output pixel with the tap inside the image (W1, W2, F2 on \
                every row of every iteration; %.2f MFLOP per iteration at B = %d), over the whole forward solve \
                of the trained network (tanh, Anderson's mixing and bookkeeping included); the raw sgemm of the \
                same FLOPs is measured in the same run. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this \
                benchmark only (%s).""", f.get("units"), LR, steps, BATCH, steps * BATCH, PEER, peer.version(),
                peer.threads(), f.get("applyFlops") / 1e6, BATCH,
                child ? "the environment set them: fprnn's side ran in a child JVM without them"
                        : "the environment did not set them");
        String notes = peer.ran()
                ? Section.f("The peer took %s s per step, fprnn %s s: fprnn is %s times faster in this sitting.",
                Section.sec(peer.step()), Section.sec(f.get("step")), Section.ratio(peer.step() / f.get("step")))
                : "The PyTorch peer was skipped: " + peer.note();
        return Section.of(ID, "P3c's convolutional step against the PyTorch peer", o, explanation,
                List.of(step, solve), List.of("Training step, " + Blas.get().name() + ":",
                        "The forward solve's convolutions against the raw sgemm:"), notes);
    }

    /** P3c's state shapes: layer 1 4x14x14, layer 2 8x7x7, the image 1x28x28. */
    private static final FeatureShape IMAGE = new FeatureShape(1, 28, 28);
    private static final FeatureShape L1 = new FeatureShape(4, 14, 14);
    private static final FeatureShape L2 = new FeatureShape(8, 7, 7);

    /** FLOPs per sample of one application of P3c's recurrent operator: W1, W2 and F2's true multiply-adds. */
    static long flopsPerRow() {
        return 2L * (L1.channels() * L1.channels() * insideTaps(L1, 3, 1, 1)
                + L2.channels() * L2.channels() * insideTaps(L2, 3, 1, 1)
                + L2.channels() * L1.channels() * insideTaps(L1, 3, 2, 1));
    }

    /** The (output pixel, tap) pairs of a k x k convolution of one channel whose tap is inside the image. */
    static long insideTaps(FeatureShape in, int k, int stride, int pad) {
        return inside(in.height(), k, stride, pad) * inside(in.width(), k, stride, pad);
    }

    private static long inside(int size, int k, int stride, int pad) {
        long n = 0;
        for (int o = 0; o < (size + 2 * pad - k) / stride + 1; o++) {
            for (int d = 0; d < k; d++) {
                int i = o * stride + d - pad;
                n += i >= 0 && i < size ? 1 : 0;
            }
        }
        return n;
    }

    /** P3c's network at start (seed 1), its recurrent operator wrapped to count FLOPs into holder[0]. */
    static FixedPointNetwork network(CountingOperator[] holder) {
        long perRow = flopsPerRow();
        return NETWORK.build(IMAGE, 10, 1, op -> holder[0] = new CountingOperator(op, perRow));
    }

    /** configs/p3c-mnist.toml's [network] table: layers of L1 and L2 maps, 3x3 stride-2 convolutions between. */
    private static final NetworkSpec NETWORK = NetworkSpec.fromToml("""
            [network]
            connectivity = "conv"
            nonlinearity = "tanh"
            dynamics = "rate"
            precision = "float"
            train_input = true
            train_bias = true
            train_readout = true
            readout_bias = true
            readout = "dense"
            recurrent_scale = 0.5
            feedforward_scale = 1.0

            [[network.layers]]
            channels = 4
            kernel = 3
            stride = 2

            [[network.layers]]
            channels = 8
            kernel = 3
            stride = 2
            """, "ConvBench");

    /** The config's forward solve: Anderson (memory 5, mixing 1) to 1e-6, at most 300 iterations. */
    static SolverConfig forward() {
        return SolverConfig.anderson(5, 1.0, 300, 1e-6);
    }

    /** fprnn's side: the training steps, then the forward solve and the raw sgemms. */
    static Map<String, Double> measure(BenchOptions o, int steps) throws IOException {
        BenchData d = BenchData.load(o);
        o.say("conv: fprnn, %d steps of P3c on %s", steps, d.description());
        CountingOperator[] counter = new CountingOperator[1];
        FixedPointNetwork net = network(counter);
        SolverConfig fwd = forward();
        SolverConfig da = RuleSettings.DEFAULT_ADJOINT;
        SolverConfig adjoint = new SolverConfig(da.method(), 1e-6, 2000, da.alpha(), da.memory(), da.beta());
        RuleSettings rs = new RuleSettings(Loss.CROSS_ENTROPY, GainMode.DERIVATIVE, adjoint, fwd, LR);
        TrainSettings ts = new TrainSettings("gradient", LR, "adam", 0, 0, BATCH, 1, fwd, rs, 0, false, 1);
        Dataset train = d.train().subset(0, steps * BATCH);
        Dataset test = d.test().subset(0, Math.min(o.quick() ? 100 : TEST, d.test().size()));
        List<StepRecord> records = new ArrayList<>();
        Trainer.Result result = new Trainer(ts, train, test).run(net, ts.newOptimizer(), 0, new Trainer.Listener() {
            @Override
            public void onStep(StepRecord s) {
                records.add(s);
                if (s.step() % 30 == 29 || s.step() == 0) {
                    o.say("conv: fprnn step %d/%d loss %.4f, %.0f iterations (median), %s s", s.step() + 1, steps,
                            s.trainLoss(), s.iterationsMedian(), Section.sec(s.seconds()));
                }
            }
        });
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("step", Timer.median(records.stream().mapToDouble(StepRecord::seconds).toArray()));
        m.put("iterations", Timer.median(records.stream().mapToDouble(StepRecord::iterationsMedian).toArray()));
        m.put("accuracy", result.evaluations().isEmpty() ? Double.NaN : result.evaluations().getLast().accuracy());
        m.put("units", (double) net.units());

        FMatrix x = (FMatrix) BenchData.first(train, BATCH).x();
        EquilibriumSolver solver = new EquilibriumSolver(fwd);
        counter[0].reset();
        Equilibrium eq = solver.solve(net, x);
        m.put("solveFlops", (double) counter[0].flops());
        m.put("applyFlops", (double) flopsPerRow() * BATCH);
        m.put("solveIterations", (double) java.util.Arrays.stream(eq.iterations()).max().orElse(0));
        Timer.Plan plan = o.timing();
        m.put("solve", Timer.median(() -> solver.solve(net, x), plan));
        int n = (int) Math.round(Math.sqrt(flopsPerRow() / 2.0));
        m.put("gemmN", (double) n);
        m.put("gemm", ScalingBench.gemmSeconds(randomSquare(n), BATCH, n, plan));
        m.put("dense", ScalingBench.gemmSeconds(randomSquare(net.units()), BATCH, net.units(), plan));
        return m;
    }

    private static FMatrix randomSquare(int n) {
        Random rng = new Random(4);
        FMatrix w = new FMatrix(n, n);
        for (int i = 0; i < w.size(); i++) {
            w.setFlat(i, rng.nextGaussian() / Math.sqrt(n));
        }
        return w;
    }

    /**
     * fprnn's side in a child JVM without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, on this JVM's class
     * path; its progress is copied to the log and its last line carries the numbers.
     */
    private static Map<String, Double> inChild(BenchOptions o, int steps) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-cp",
                System.getProperty("java.class.path"), ConvBench.class.getName(),
                o.dataDir() == null ? "-" : o.dataDir().toString(), Boolean.toString(o.quick()),
                Boolean.toString(o.syntheticData()), Integer.toString(steps)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        BLAS_ENV.forEach(pb.environment()::remove);
        o.say("conv: OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set: fprnn's side runs in a child JVM without them");
        Process p = pb.start();
        Map<String, Double> m = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith(RESULT)) {
                    m = new LinkedHashMap<>();
                    for (String kv : line.substring(RESULT.length()).trim().split(" ")) {
                        int eq = kv.indexOf('=');
                        m.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
                    }
                } else if (!line.startsWith("WARNING: Using incubator modules")) {
                    o.log().println(line);
                    o.log().flush();
                }
            }
        }
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted while fprnn's side of the conv benchmark ran", e);
        }
        if (p.exitValue() != 0 || m == null) {
            throw new IOException("fprnn's side of the conv benchmark (a child JVM) failed with exit code "
                    + p.exitValue() + "; its output is above");
        }
        return m;
    }

    /** The child JVM: args DATA_DIR|- QUICK SYNTHETIC STEPS. */
    public static void main(String[] args) throws IOException {
        PrintWriter log = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        BenchOptions o = new BenchOptions(Boolean.parseBoolean(args[1]), null, args[0].equals("-") ? null : Path.of(args[0]),
                Boolean.parseBoolean(args[2]), List.of(), null, BenchOptions.DEFAULT_TARGET_ACCURACY, null, "conv child", log);
        Map<String, Double> m = measure(o, Integer.parseInt(args[3]));
        StringBuilder sb = new StringBuilder(RESULT);
        m.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        log.println(sb);
        log.flush();
        System.exit(0);
    }

    /** The peer's result, or why it did not run. */
    record Peer(boolean ran, double step, double iterations, double accuracy, String version, String threads, String note) {
        static Peer skipped(String note) {
            return new Peer(false, Double.NaN, Double.NaN, Double.NaN, "-", "-", note);
        }
    }

    /** Runs the peer when Debian's python3 imports torch and numpy, on MNIST (synthetic data: skipped). */
    private static Peer peer(BenchOptions o, int steps) throws IOException {
        String skip = Peers.whyNot(o, PEER);
        if (skip != null) {
            return Peer.skipped(skip + ".");
        }
        Path script = Peers.script(o, PEER);
        Path mnist = DataSets.locate(Mnist.SOURCE, Split.TRAIN, BenchData.options(o.dataDir()));
        if (!Files.isDirectory(mnist)) {
            mnist = mnist.getParent();
        }
        Path out = Files.createTempFile("fprnn-conv-peer", ".jsonl");
        List<String> cmd = new ArrayList<>(List.of(Peers.PYTHON, script.toString(), mnist.toString(), "--steps",
                Integer.toString(steps), "--train-limit", Integer.toString(Math.max(steps * BATCH, BATCH)),
                "--test-limit", Integer.toString(o.quick() ? 100 : TEST), "--lr", Double.toString(LR), "--adj-tol",
                "1e-6", "--threads", "2", "--out", out.toString()));
        o.say("conv: running the PyTorch peer: %s", String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        BLAS_ENV.forEach(pb.environment()::remove);
        Process p = pb.start();
        String summary = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{") && line.contains("\"summary\"")) {
                    summary = line;
                } else {
                    o.say("conv: peer: %s", line);
                }
            }
        }
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted while the PyTorch peer ran", e);
        } finally {
            Files.deleteIfExists(out);
        }
        if (p.exitValue() != 0 || summary == null) {
            return Peer.skipped("the peer failed (exit code " + p.exitValue() + "); its output is in the log.");
        }
        String threads = text(summary, "threads");
        String version = text(summary, "torch");
        return new Peer(true, number(summary, "median_seconds_per_step"), number(summary, "median_forward_iterations"),
                number(summary, "test_accuracy"), version, threads, "");
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([-0-9.eE+]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static String text(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\"?([^\",}]*)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }
}
