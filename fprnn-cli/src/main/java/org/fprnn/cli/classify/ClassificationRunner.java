package org.fprnn.cli.classify;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.cli.UserError;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.cli.config.DataConfig;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.DataSource;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;
import org.fprnn.diag.Spectra;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.Checksums;
import org.fprnn.io.FormatException;
import org.fprnn.io.Safetensors;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.operator.FeatureShape;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.fprnn.train.TrainingCheckpoint;

/**
 * Runs a classification sweep (protocol P1 and its relatives): every rule x learning rate of the
 * plan, one after the other, each from the same network at start, into a results folder:
 *
 * <pre>
 *   metrics.jsonl             one line per step and per full-test evaluation of every run
 *   summary.json, results.md  written when every run has finished
 *   figures/*.png             loss, accuracy, eigenvalues of W, solver iterations
 *   runs/ID.json              a finished run (its presence makes a new invocation skip it)
 *   runs/ID.metrics.jsonl     its metrics
 *   weights/ID.safetensors    its parameters after training
 *   checkpoints/ID.safetensors an unfinished run: parameters, optimizer state, steps done, metrics
 * </pre>
 *
 * A checkpoint is written at every epoch end and when a stop is requested (Ctrl-C); running the
 * same command again skips finished runs and resumes the unfinished one. Because the trainer's
 * randomness depends only on (seed, step), a resumed run reaches bitwise the same weights and
 * metrics (but the seconds) as an uninterrupted one at the same BLAS thread count.
 *
 * <p>Reliability: one process at a time writes into a folder ({@link FolderLock}; a second is
 * refused, exit 2, naming the holder). Before any work, every finished run's record, metrics and
 * weights and every checkpoint are verified (checksums, metadata, steps within the run, shapes of
 * the network); a damaged file is refused with exit 2, naming it and what to do, and nothing is
 * read from it, written or recorded. A write that fails during a run (a full disk, say) stops the
 * sweep with exit 2 and a message; the run's last good checkpoint stays, so the same command
 * resumes once the disk has room.
 */
public final class ClassificationRunner {
    /**
     * Exit code of a sweep stopped before its end (as for SIGINT). After SIGTERM the JVM, which is
     * then shutting down, exits with 143 whatever this returns.
     */
    public static final int EXIT_STOPPED = 130;

    private final ClassificationPlan plan;
    private final Path dir;
    private final Path runsDir;
    private final Path checkpointsDir;
    private final Path weightsDir;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, Object> info;
    private final String configText;
    private final int stopAfterSteps;
    private final boolean terminal;
    private int sessionSteps;

    /**
     * @param stopAfterSteps stop (as Ctrl-C would) after this many training steps of this invocation;
     *     0 for never (the hidden --stop-after-steps option, for tests)
     */
    public ClassificationRunner(ClassificationPlan plan, Path dir, PrintWriter out, PrintWriter err,
                                Map<String, Object> info, String configText, int stopAfterSteps, boolean terminal) {
        this.plan = plan;
        this.dir = dir;
        this.runsDir = dir.resolve("runs");
        this.checkpointsDir = dir.resolve("checkpoints");
        this.weightsDir = dir.resolve("weights");
        this.out = out;
        this.err = err;
        this.info = info;
        this.configText = configText;
        this.stopAfterSteps = stopAfterSteps;
        this.terminal = terminal;
    }

    /**
     * A data set's two splits and where they came from.
     *
     * @param where the folder, as printed (absolute)
     * @param folder the folder as summary.json records it: relative to the working directory (the
     *     project root), or null if it lies outside it (a machine's absolute path is never recorded)
     */
    record Data(Dataset train, Dataset test, String name, String where, String folder) {
    }

    /**
     * Runs the sweep; returns the exit code (0, 1 if a run failed, 130 if stopped). Bad files in the
     * results folder, a busy folder and a failed write are UserErrors (exit 2).
     */
    public int run() throws IOException {
        String command = String.valueOf(info.get("command"));
        // An existing folder is locked at once, so that a busy one is refused before the data are read;
        // a new one is made (and locked) only once the data and the network are known to be good.
        FolderLock lock = Files.isDirectory(dir) ? FolderLock.acquire(dir, command, out) : null;
        try {
            checkFolder();
            Data data = loadData(plan.config().data());
            out.printf(Locale.ROOT, "%s: %d training and %d test samples of %d features, %d classes (%s)%n",
                    data.name(), data.train().size(), data.test().size(), data.train().features(),
                    data.train().classes(), data.where());
            FixedPointNetwork start = newNetwork(data);
            if (lock == null) {
                lock = FolderLock.acquire(dir, command, out);
                checkFolder();   // another command may have made the folder meanwhile
            }
            return run(data, start);
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private int run(Data data, FixedPointNetwork start) throws IOException {
        String network = plan.config().network().describe(start);
        out.println("network: " + network + "; " + start.trained().size() + " trained parameter matrices ("
                + String.join(", ", start.trained()) + ")");
        var diag = plan.config().diagnostics().toSettings();
        if (diag.enabled() && diag.singularity() && diag.singularityMethod(start.units()).equals("none")) {
            out.printf(Locale.ROOT, "diagnostics: N = %d is above diagnostics.dense_max_units = %d, so the distance to"
                    + " singularity is not computed (it needs the dense N x N operator, 8 N^2 bytes per copy); raise"
                    + " dense_max_units, or set diagnostics.singularity = false to record only the angles%n",
                    start.units(), diag.denseMaxUnits());
        }
        if (start.units() > EIGENVALUES_MAX_UNITS) {
            out.printf(Locale.ROOT, "eigenvalues of W are not computed for N = %d > %d units%n", start.units(),
                    EIGENVALUES_MAX_UNITS);
        }
        double[][] startEig = eigenvalues(start);
        List<RunSpec> specs = plan.runs();
        Trainer probe = new Trainer(plan.trainSettings(specs.getFirst()), data.train(), data.test());
        checkCheckpoints(probe.totalSteps(), start);
        int epochs = plan.config().train().epochs();
        out.printf(Locale.ROOT, "%d run%s of %d steps (%d epoch%s of %d) into %s%n", specs.size(),
                specs.size() == 1 ? "" : "s", probe.totalSteps(), epochs, epochs == 1 ? "" : "s", probe.stepsPerEpoch(), dir);
        ResultsFolder folder = new ResultsFolder(dir);
        Files.createDirectories(runsDir);
        long t0 = System.nanoTime();
        List<RunResult> results = new ArrayList<>();
        boolean stopped = false;
        int failed = 0;
        try (StopSignal stop = new StopSignal(err)) {
            for (int k = 0; k < specs.size(); k++) {
                RunSpec spec = specs.get(k);
                String tag = String.format(Locale.ROOT, "[%d/%d] %s", k + 1, specs.size(), spec.label());
                RunResult done = RunResult.load(runsDir, spec);
                if (done != null) {
                    results.add(done);
                    out.println(tag + ": finished before, skipped: " + describe(done));
                    continue;
                }
                if (stop.requested()) {
                    stopped = true;
                    break;
                }
                RunResult r = runOne(spec, tag, data, stop, results);
                if (r == null) {
                    stopped = true;
                    break;
                }
                results.add(r);
                if (r.failed()) {
                    failed++;
                }
                out.println(tag + ": " + describe(r));
            }
            rewriteMetricsOrStop(results);
            if (stopped) {
                long finished = results.stream().filter(r -> !r.failed()).count();
                out.printf(Locale.ROOT, "stopped: %d of %d runs finished; checkpoint in %s. Run the same command to resume:%n  %s%n",
                        finished, specs.size(), checkpointsDir, info.get("command"));
                return EXIT_STOPPED;
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            try {
                ClassificationReport.write(folder, plan, results, info, configText, startEig, data, wall, network);
            } catch (IOException e) {
                throw new UserError("cannot write the pages of " + dir + ": " + e.getMessage() + ". Every run is"
                        + " saved; free some space (or make the folder writable) and run the same command to write"
                        + " them:\n  " + info.get("command"), e);
            }
            out.print(ClassificationReport.table(results));
            out.printf(Locale.ROOT, "done in %.1f s; wrote %s (results.md, summary.json, metrics.jsonl, figures/)%n",
                    wall, dir);
        }
        return failed > 0 ? 1 : 0;
    }

    /**
     * One run from its start or its checkpoint. Returns its result, or null if it was stopped (its
     * checkpoint is then written).
     */
    private RunResult runOne(RunSpec spec, String tag, Data data, StopSignal stop, List<RunResult> finished)
            throws IOException {
        TrainSettings ts = plan.trainSettings(spec);
        String settings = plan.settingsJson(spec);
        FixedPointNetwork net = newNetwork(data);
        Optimizer opt = ts.newOptimizer();
        Trainer trainer = new Trainer(ts, data.train(), data.test());
        int total = trainer.totalSteps();
        int perEpoch = trainer.stepsPerEpoch();
        int epochs = ts.epochs();
        Path ckpt = checkpointFile(spec);
        List<String> lines = new ArrayList<>();
        removeStaleTempFiles(ckpt);
        int startStep = 0;
        double prior = 0;
        if (Files.isRegularFile(ckpt)) {
            TrainingCheckpoint c = readCheckpoint(spec);
            c.check(total, net);
            c.restore(net, opt, trainer.warmStarts(net));
            startStep = c.step();
            prior = c.seconds();
            lines.addAll(c.lines());
            out.printf(Locale.ROOT, "%s: resuming from its checkpoint at step %d of %d%n", tag, startStep, total);
        } else {
            out.printf(Locale.ROOT, "%s: %d steps%n", tag, total);
        }
        out.flush();
        rewriteMetricsOrStop(finished);
        int refusalsBefore = trailingRefusals(lines, spec);
        boolean checked = ts.forward().tol() > 0;
        boolean[] warned = {false};
        Path metrics = dir.resolve("metrics.jsonl");
        long t0 = System.nanoTime();
        final double priorSeconds = prior;
        Progress progress = Progress.create(terminal, out, spec.label(), total, startStep, prior);
        Trainer.Listener listener = new Trainer.Listener() {
            @Override
            public void onStep(StepRecord s) {
                add(MetricsLines.step(spec.rule(), spec.lr(), s));
                sessionSteps++;
                if (s.refused() != null) {
                    progress.line(String.format(Locale.ROOT, "    %s: step %d refused (weights unchanged): %s",
                            spec.label(), s.step(), s.refused()));
                } else if (s.skipped() != null) {
                    progress.line(String.format(Locale.ROOT, "    %s: step %d skipped (weights unchanged): %s",
                            spec.label(), s.step(), s.skipped()));
                } else if (checked && s.notConverged() > 0 && !warned[0]) {
                    warned[0] = true;
                    progress.line(String.format(Locale.ROOT, "    %s: warning: %d training samples did not converge at step %d"
                            + " (solver.tol %s); counted in metrics not_converged and summary.json; set"
                            + " train.on_nonconverged = \"skip\" or \"stop\" to act on it", spec.label(), s.notConverged(),
                            s.step(), ts.forward().tol()));
                }
                progress.step(s, epochs);
            }

            @Override
            public void onEvaluation(EvalRecord e) {
                add(MetricsLines.eval(spec.rule(), spec.lr(), e));
                progress.line(String.format(Locale.ROOT, "    %s: full test set after epoch %d: accuracy %.4f, loss %.4f",
                        spec.label(), e.epoch() + 1, e.accuracy(), e.loss()));
            }

            private void add(String line) {
                lines.add(line);
                try {
                    Files.writeString(metrics, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(new IOException("cannot append to " + metrics + ": "
                            + e.getMessage(), e));
                }
            }

            @Override
            public boolean stopAfter(int stepsDone) {
                if (stopAfterSteps > 0 && sessionSteps >= stopAfterSteps) {
                    stop.request();
                }
                boolean stopNow = stop.requested();
                if (stepsDone < total && (stopNow || stepsDone % perEpoch == 0)) {
                    try {
                        TrainingCheckpoint.write(ckpt, spec.rule(), spec.lr(), settings, net, opt,
                                trainer.warmStarts(net), stepsDone, priorSeconds + (System.nanoTime() - t0) / 1e9,
                                lines, Map.of());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(new IOException("cannot write checkpoint " + ckpt + ": "
                                + e.getMessage(), e));
                    }
                }
                return stopNow;
            }
        };
        Trainer.Result res;
        try {
            res = trainer.run(net, opt, startStep, refusalsBefore, listener);
        } catch (java.io.UncheckedIOException e) {
            throw writeFailure(e.getCause(), spec, ckpt);
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            err.println("fprnn: run " + spec.label() + " failed: " + e + "; "
                    + org.fprnn.cli.CrashReport.write(e, new String[] {String.valueOf(info.get("command"))}));
            err.flush();
            return new RunResult(spec, settings, "failed", e.toString(), startStep, total, lines,
                    prior + (System.nanoTime() - t0) / 1e9, null, null);
        } finally {
            progress.close();
        }
        double seconds = prior + (System.nanoTime() - t0) / 1e9;
        if (res.outcome() == Trainer.Outcome.STOPPED) {
            out.printf(Locale.ROOT, "%s: stopped after step %d of %d; checkpoint %s%n", tag, res.stepsDone(), total, ckpt);
            return null;
        }
        String outcome = res.outcome() == Trainer.Outcome.DIVERGED ? "diverged" : "completed";
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rule", spec.rule());
        meta.put("lr", Double.toString(spec.lr()));
        meta.put("outcome", outcome);
        meta.put("steps", Integer.toString(res.stepsDone()));
        meta.put("settings", settings);
        Map<String, Object> tensors = new LinkedHashMap<>(net.params().asMap());
        Path weights = weightsDir.resolve(spec.id() + ".safetensors");
        try {
            Safetensors.write(weights, tensors, Checksums.stamp(tensors, meta));
            RunResult r = new RunResult(spec, settings, outcome, res.divergence(), res.stepsDone(), total, lines,
                    seconds, eigenvalues(net), Checksums.ofFile(weights));
            r.save(runsDir);
            Files.deleteIfExists(ckpt);
            return r;
        } catch (IOException e) {
            throw writeFailure(e, spec, ckpt);
        }
    }

    /**
     * A write into the results folder failed during a run (a full disk, say): the sweep stops with a
     * message (exit 2). Nothing half-written is left (every file but metrics.jsonl is replaced by a
     * rename, and metrics.jsonl is rewritten from the runs and checkpoints when the sweep resumes),
     * so the run's last good checkpoint stays and the same command resumes from it.
     */
    private UserError writeFailure(IOException e, RunSpec spec, Path ckpt) {
        String kept;
        try {
            kept = Files.isRegularFile(ckpt) ? "its last checkpoint, " + ckpt + " (step "
                    + Safetensors.read(ckpt).metadata().get("step") + "), is kept"
                    : "it has no checkpoint yet, so it restarts from its first step";
        } catch (IOException unreadable) {
            kept = "its checkpoint " + ckpt + " is kept";
        }
        return new UserError("cannot write to the results folder " + dir + ": " + e.getMessage() + ". Run "
                + spec.label() + " stopped; " + kept + ". Free some space (or make the folder writable) and run the"
                + " same command to resume:\n  " + info.get("command"), e);
    }

    /** {@link #rewriteMetrics} at the start of a run or of the end, a failed write stopping the sweep. */
    private void rewriteMetricsOrStop(List<RunResult> finished) throws IOException {
        try {
            rewriteMetrics(finished);
        } catch (FormatException e) {
            throw new UserError(e.getMessage() + ". Nothing was changed; put back an intact copy of that file, or"
                    + " delete it (a checkpoint: that run restarts from its first step).", e);
        } catch (IOException e) {
            throw new UserError("cannot write " + dir.resolve("metrics.jsonl") + ": " + e.getMessage() + ". Every"
                    + " finished run and checkpoint is kept; free some space (or make the folder writable) and run"
                    + " the same command to resume:\n  " + info.get("command"), e);
        }
    }

    /** A verified checkpoint of this run; a damaged one is a UserError saying what to do. */
    private TrainingCheckpoint readCheckpoint(RunSpec spec) throws IOException {
        try {
            return TrainingCheckpoint.read(checkpointFile(spec), spec.rule(), spec.lr());
        } catch (FormatException e) {
            throw badCheckpoint(e, spec);
        }
    }

    private UserError badCheckpoint(FormatException e, RunSpec spec) {
        return new UserError("checkpoint refused: " + e.getMessage() + ". Nothing was changed. Delete "
                + checkpointFile(spec) + " to restart run " + spec.label() + " from its first step (finished runs"
                + " are kept), or put back an intact copy of it.", e);
    }

    /**
     * Checks every checkpoint against its run's length and the network's shapes before any run
     * starts, so a bad checkpoint stops the sweep before anything is written.
     */
    private void checkCheckpoints(int totalSteps, FixedPointNetwork net) throws IOException {
        for (RunSpec spec : plan.runs()) {
            if (Files.isRegularFile(checkpointFile(spec)) && !Files.isRegularFile(RunResult.jsonFile(runsDir, spec))) {
                TrainingCheckpoint c = readCheckpoint(spec);
                try {
                    c.check(totalSteps, net);
                } catch (FormatException e) {
                    throw badCheckpoint(e, spec);
                }
                if (!c.verified()) {
                    out.println("note: " + checkpointFile(spec) + " was written by an earlier fprnn without checksums;"
                            + " its metadata, steps and shapes were checked, its values cannot be verified");
                }
            }
        }
    }

    /**
     * Deletes temporary files a killed process left while writing this run's checkpoint (the
     * checkpoint itself is only ever replaced by a rename, so it is whole).
     */
    private static void removeStaleTempFiles(Path ckpt) throws IOException {
        Path folder = ckpt.getParent();
        if (!Files.isDirectory(folder)) {
            return;
        }
        String prefix = "." + ckpt.getFileName() + ".";
        try (var s = Files.list(folder)) {
            for (Path f : s.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Refused or skipped steps at the end of the metrics so far (a resumed run's streak). */
    static int trailingRefusals(List<String> lines, RunSpec spec) throws FormatException {
        int n = 0;
        for (int i = lines.size() - 1; i >= 0; i--) {
            Object rec = MetricsLines.parse(lines.get(i), spec.id() + " checkpoint metrics");
            if (rec instanceof StepRecord s) {
                if (!s.withoutUpdate()) {
                    break;
                }
                n++;
            }
        }
        return n;
    }

    private Path checkpointFile(RunSpec spec) {
        return checkpointsDir.resolve(spec.id() + ".safetensors");
    }

    /**
     * Refuses, before any work, a results folder that holds runs or checkpoints made with other
     * settings (a changed config), or a finished run whose record, metrics or weights are missing,
     * malformed or do not match their recorded checksums, or a checkpoint that fails its checks.
     */
    private void checkFolder() throws IOException {
        int unverified = 0;
        for (RunSpec spec : plan.runs()) {
            String want = plan.settingsJson(spec);
            Path where = RunResult.jsonFile(runsDir, spec);
            String saved;
            try {
                saved = RunResult.savedSettings(runsDir, spec);
                RunResult done = RunResult.load(runsDir, spec);
                if (done != null && !done.verified) {
                    unverified++;
                }
            } catch (FormatException e) {
                throw new UserError("finished run refused: " + e.getMessage() + ". Nothing was changed. Put back"
                        + " intact copies of runs/" + spec.id() + ".json, runs/" + spec.id() + ".metrics.jsonl and weights/"
                        + spec.id() + ".safetensors, or delete those three files to run " + spec.label() + " again.", e);
            }
            if (saved == null && Files.isRegularFile(checkpointFile(spec))) {
                saved = readCheckpoint(spec).settings();
                where = checkpointFile(spec);
            }
            if (saved != null && !saved.equals(want)) {
                throw new UserError("results folder " + dir + " already holds run " + spec.label() + " (" + where
                        + ") made with other settings: " + ClassificationPlan.firstDifference(saved, want)
                        + ". Write elsewhere with --out DIR, or delete that folder to start again.");
            }
        }
        if (unverified > 0) {
            out.println("note: " + unverified + " finished run" + (unverified == 1 ? " was" : "s were") + " recorded"
                    + " by an earlier fprnn without checksums of its metrics and weights; they are used as they are");
        }
    }

    /** metrics.jsonl from the finished runs and the checkpoints, in the plan's order. */
    private void rewriteMetrics(List<RunResult> finished) throws IOException {
        List<String> all = new ArrayList<>();
        for (RunSpec spec : plan.runs()) {
            RunResult r = finished.stream().filter(x -> x.spec.equals(spec)).findFirst().orElse(null);
            if (r != null) {
                all.addAll(r.lines);
            } else if (Files.isRegularFile(checkpointFile(spec))) {
                all.addAll(TrainingCheckpoint.read(checkpointFile(spec), spec.rule(), spec.lr()).lines());
            }
        }
        AtomicFiles.write(dir.resolve("metrics.jsonl"), RunResult.joinLines(all).getBytes(StandardCharsets.UTF_8));
    }

    static String describe(RunResult r) {
        String time = String.format(Locale.ROOT, "%.1f s", r.seconds);
        if (r.failed()) {
            return "FAILED (" + r.divergence + ") after " + r.stepsDone + " steps, " + time;
        }
        if (r.diverged()) {
            return "diverged (" + r.divergence + "), best test-batch accuracy "
                    + String.format(Locale.ROOT, "%.4f", r.bestTestBatchAccuracy()) + ", " + time;
        }
        EvalRecord f = r.finalTest();
        return String.format(Locale.ROOT, "test accuracy %.4f (loss %.4f) on the full test set, best test batch %.4f,"
                + " median solver iterations %s, %s", f.accuracy(), f.loss(), r.bestTestBatchAccuracy(),
                fmt(r.medianIterations()), time);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Largest N for which the eigenvalues of W are computed (a dense eigendecomposition). */
    static final int EIGENVALUES_MAX_UNITS = 1000;

    /** The plan's network for this data set's image shape; a network that does not fit is a UserError. */
    FixedPointNetwork newNetwork(Data data) {
        Dataset d = data.train();
        FeatureShape image = d.imageShape();
        try {
            org.fprnn.cli.Heap.require(plan.memoryEstimate(image, d.classes()), "the network of " + plan.config().name()
                    + " (its parameters, their copies for training, and the solver's batch states)");
            return plan.config().network().build(image, d.classes(), plan.config().seed());
        } catch (IllegalArgumentException e) {
            throw new UserError("the [network] of " + plan.config().name() + " does not fit the " + data.name()
                    + " images (" + d.channels() + "x" + d.height() + "x" + d.width() + "): " + e.getMessage(), e);
        }
    }

    /**
     * Eigenvalues (n x 2: re, im) of the recurrent operator's effective N x N matrix (MATH section
     * 5; for a layered network the whole stacked operator), or null if it is not finite or N is above
     * {@link #EIGENVALUES_MAX_UNITS}.
     */
    static double[][] eigenvalues(FixedPointNetwork net) {
        if (net.units() > EIGENVALUES_MAX_UNITS) {
            return null;
        }
        var w = net.recurrent().dense();
        if (!w.allFinite()) {
            return null;
        }
        return Spectra.eigenvalues(w);
    }

    /**
     * A data folder as results record it: relative to the working directory (the project root, where
     * ./data lives), with '/' separators, or null if it lies outside it.
     */
    static String portableFolder(Path folder) {
        Path root = Path.of("").toAbsolutePath().normalize();
        Path abs = folder.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) {
            return null;
        }
        String rel = root.relativize(abs).toString().replace(java.io.File.separatorChar, '/');
        return rel.isEmpty() ? "." : rel;
    }

    /** Loads both splits (applying the limits); missing or broken data is a UserError (exit 2). */
    static Data loadData(DataConfig dc) {
        try {
            DataOptions opt = DataOptions.defaults().withDownload(dc.download());
            if (dc.dataDir() != null) {
                opt = opt.withDir(Path.of(dc.dataDir()));
            }
            DataSource src = DataSets.source(dc.name(), dc.classes());
            Path trainDir = DataSets.locate(src, Split.TRAIN, opt);
            Path testDir = DataSets.locate(src, Split.TEST, opt);
            Dataset train = src.read(trainDir, Split.TRAIN);
            Dataset test = src.read(testDir, Split.TEST);
            String where = trainDir.toAbsolutePath().normalize().toString();
            String folder = portableFolder(trainDir);
            String title = src.title();
            if (dc.trainLimit() != null && dc.trainLimit() < train.size()) {
                train = train.subset(0, dc.trainLimit());
            }
            if (dc.testLimit() != null && dc.testLimit() < test.size()) {
                test = test.subset(0, dc.testLimit());
            }
            return new Data(train, test, title, where, folder);
        } catch (DataNotFoundException | FormatException e) {
            throw new UserError(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot read the " + dc.name() + " data: " + e.getMessage(), e);
        }
    }
}
