package org.fprnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fprnn.bench.BenchOptions;
import org.fprnn.bench.Benchmarks;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.io.FormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * fprnn bench: runs the benchmarks (module fprnn-bench), prints their tables and writes their
 * sections of BENCHMARKS.md. scripts/bench.sh calls this command.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Run benchmarks against baselines measured in the same run; write BENCHMARKS.md",
        sortOptions = false,
        description = {"Run benchmarks, each against a baseline measured in the same run, print",
            "their tables and write their sections of BENCHMARKS.md (each section names the",
            "command and the machine; other sections are left as they are).",
            "",
            "  rules        batched rules against their naive per-sample forms (N 100..1000)",
            "  solver       solvers to a residual of 1e-6 on trained P1 networks, against",
            "               P1's 500 Euler steps (needs MNIST; trained weights from",
            "               docs/results, else it trains a network first)",
            "  convergence  solvers to 1e-6 on random networks, against picard",
            "  end-to-end   time to 85%% MNIST test accuracy, P1 against P1-converged (needs",
            "               MNIST; a few minutes on 2 cores)",
            "  warm         warm starts across epochs against cold starts on P1-converged",
            "               (epochs 2-3; linearized and gradient) and P3a-long (epochs",
            "               2-10; its three rules): iterations and time per step (needs",
            "               MNIST; 10 runs, about 4 minutes on 2 cores)",
            "  warm-reach   how far warm starts can reach: iterations from rest, from the",
            "               last visit and extrapolated from two visits (needs MNIST; counts)",
            "  scaling      time per training step for N 300..3000 and B 128..4096, log-log",
            "               slopes, solve GFLOP/s against the raw sgemm",
            "  memory       heap of a gradient step against a bptt step as iterations grow",
            "  threads      time per step with 1 and 2 threads, in raw-sgemm units, and",
            "               issue 12's goals",
            "  blas         the bundled OpenBLAS against the system's, through fprnn's own",
            "               binding: sgemm and dgemm at N 300 and 304, 1 and 2 threads",
            "  parts        one Euler and one Anderson iteration taken apart, each part in",
            "               raw-sgemm units; products counted; the cost of fprnn's product split",
            "  peers        the PyTorch P1 peer (--peers-dir) side by side with fprnn's same",
            "               step (needs MNIST and Debian's python3-torch; skipped otherwise)",
            "  conv         P3c's convolutional step against the PyTorch conv peer",
            "               (needs MNIST; the peer runs when /usr/bin/python3 imports torch)",
            "  chunks       solves in chunks of rows against the whole batch: P1-converged's",
            "               solve and steps, P1's Euler step, 1 and 2 threads, in raw sgemm",
            "  adjoint      the gradient rule's adjoint with and without the mean-gain",
            "               preconditioner on trained P1 networks (needs MNIST)",
            "  all          every one of them, in this order",
            "",
            "Run on a quiet machine: timings on a busy one mean little. --quick runs tiny",
            "shapes in seconds, to check that a benchmark works; it writes BENCHMARKS.md only",
            "when --out is given, and its sections say they come from a --quick run.",
            "", "Example: fprnn bench rules scaling"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "BENCHMARK",
            description = "rules, solver, convergence, end-to-end, warm, warm-reach, scaling, memory, threads, blas,"
                    + " parts, peers, conv, chunks, adjoint or all (default all)")
    List<String> names = new ArrayList<>();

    @Option(names = "--quick", description = "tiny shapes and single measurements, to check the benchmarks run")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE",
            description = "the BENCHMARKS.md to write the sections into (default BENCHMARKS.md; with --quick, none)")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "folder with MNIST's IDX files (default: $FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, data/mnist,"
                    + " $FPRNN_HOME/data/mnist)")
    Path dataDir;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "a trained network (safetensors with W, U, R) for the solver and adjoint benchmarks; repeatable"
                    + " (default: P1's and P1-converged's linearized lr 0.25 and gradient lr 0.025 weights under"
                    + " --results-dir)")
    List<Path> weights = new ArrayList<>();

    @Option(names = "--results-dir", defaultValue = "docs/results", paramLabel = "DIR",
            description = "where the P1 results folders are (default ${DEFAULT-VALUE})")
    Path resultsDir;

    @Option(names = "--target", defaultValue = "0.85", paramLabel = "ACC",
            description = "test accuracy the end-to-end benchmark trains to (default ${DEFAULT-VALUE})")
    double target;

    @Option(names = "--peers-dir", defaultValue = "${env:FPRNN_PEERS:-../shared/peers}", paramLabel = "DIR",
            description = "where the PyTorch peers (torch_p1_peer.py, torch_conv_peer.py) are, for the peers and"
                    + " conv benchmarks (default: $FPRNN_PEERS, else ../shared/peers)")
    Path peersDir;

    /** Generated MNIST-shaped data instead of MNIST (tests); the sections say so. */
    @Option(names = "--synthetic-data", hidden = true)
    boolean syntheticData;

    @Override
    public Integer call() throws Exception {
        List<String> which;
        try {
            which = Benchmarks.select(names);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (!(target > 0 && target <= 1)) {
            throw new UserError("--target must be a fraction in (0, 1], got " + target);
        }
        checkOptionsApply(which);
        for (Path w : weights) {
            if (!Files.isRegularFile(w)) {
                throw new UserError("--weights " + w + (Files.exists(w) ? " is not a file" : " does not exist")
                        + ": give a safetensors file that fprnn run wrote (RESULTS/weights/ID.safetensors)");
            }
        }
        Path file = out != null ? out : quick ? null : Path.of("BENCHMARKS.md");
        if (file != null) {
            writableFile(file);   // before the benchmarks, which take minutes
            try {
                org.fprnn.io.BenchmarksFile.checkSections(file, which);
            } catch (FormatException e) {
                throw new UserError(e.getMessage());
            }
        }
        String command = CommandText.of(spec, Set.of());
        var o = new BenchOptions(quick, file, dataDir, syntheticData, weights, resultsDir, target, peersDir, command,
                spec.commandLine().getOut());
        try {
            Benchmarks.run(which, o);
        } catch (DataNotFoundException | FormatException e) {
            throw new UserError(e.getMessage());
        }
        return 0;
    }

    /** Refuses options that none of the chosen benchmarks reads (they would be ignored without a word). */
    private void checkOptionsApply(List<String> which) {
        OptionCheck check = OptionCheck.of(spec);
        String chosen = "the benchmarks chosen (" + String.join(", ", which) + ")";
        boolean trained = which.contains("solver") || which.contains("adjoint");
        check.onlyIf(trained, "--weights", chosen + ": only solver and adjoint read it")
                .onlyIf(trained, "--results-dir", chosen + ": only solver and adjoint read it")
                .onlyIf(which.contains("end-to-end"), "--target", chosen + ": only end-to-end reads it")
                .onlyIf(which.contains("peers") || which.contains("conv"), "--peers-dir",
                        chosen + ": only peers and conv read it");
        check.onlyIf(which.stream().anyMatch(Benchmarks.READ_MNIST::contains), "--data-dir", chosen + ": only "
                + String.join(", ", Benchmarks.READ_MNIST) + " read MNIST");
    }

    /**
     * Refuses an --out the sections could not be written to: a folder, or a path whose nearest existing
     * folder is a file or cannot be written (the file is replaced through a temporary file and a
     * rename, which need a writable folder; missing folders are made).
     */
    static void writableFile(Path file) {
        if (file.toString().isBlank()) {
            // Path.of("") is the working folder, which the message below would call the folder given
            throw new UserError("--out is empty; give the Markdown file to write, e.g. BENCHMARKS.md");
        }
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new UserError("--out " + file + " is a folder; give the Markdown file to write, e.g. " + file.resolve(
                    "BENCHMARKS.md"));
        }
        Path p = abs.getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p)) {
            throw new UserError("--out " + file + ": " + p + " is a file, not a folder; give another path");
        }
        if (!Files.isWritable(p)) {
            throw new UserError("--out " + file + " cannot be written: the folder " + p + " is not writable; give"
                    + " another path");
        }
    }
}
