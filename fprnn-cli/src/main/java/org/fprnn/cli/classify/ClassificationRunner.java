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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.cli.UserError;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.data.Dataset;
import org.fprnn.data.ShiftAugment;
import org.fprnn.io.Checksums;
import org.fprnn.io.FormatException;
import org.fprnn.io.Safetensors;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.fprnn.train.TrainingCheckpoint;

/**
 * Runs a classification sweep (protocol P1 and its relatives): every rule x learning rate (x seed) of
 * the plan, one after the other, each from its seed's network at start, into a results folder:
 *
 * <pre>
 *   metrics.jsonl             one line per step and per full-test evaluation of every run
 *   summary.json, results.md  written when every run has finished
 *   figures/*.png             loss, accuracy, eigenvalues of W, solver iterations
 *   runs/ID.json              a finished run (its presence makes a new invocation skip it)
 *   runs/ID.metrics.jsonl     its metrics
 *   weights/ID.safetensors    its parameters after training (not committed with a results page)
 *   checkpoints/ID.safetensors an unfinished run: parameters, optimizer state, steps done, metrics
 * </pre>
 *
 * ID is RULE_lrLR for the runs of the config's first seed and RULE_lrLR_seedS for those of the
 * other seeds ({@link ClassificationPlan.RunSpec#id()}).
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
    private final SweepFolder files;
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
     * @param allowMissingWeights accept finished runs without their weights file (fprnn run
     *     --allow-missing-weights: a folder taken from git, which keeps runs/ but not weights/)
     */
    public ClassificationRunner(ClassificationPlan plan, Path dir, PrintWriter out, PrintWriter err,
                                Map<String, Object> info, String configText, int stopAfterSteps, boolean terminal,
                                boolean allowMissingWeights) {
        this.plan = plan;
        this.dir = dir;
        this.runsDir = dir.resolve("runs");
        this.files = new SweepFolder(plan, dir, out, info, allowMissingWeights);
        this.weightsDir = dir.resolve("weights");
        this.out = out;
        this.err = err;
        this.info = info;
        this.configText = configText;
        this.stopAfterSteps = stopAfterSteps;
        this.terminal = terminal;
    }

    /**
     * Makes only the runs of these rules (fprnn run --only), leaving the others, and the pages, to a
     * later invocation; null for every run.
     */
    public ClassificationRunner onlyRules(java.util.Set<String> rules) {
        files.onlyRules(rules);
        return this;
    }

    /** The results folder's lock while the sweep runs (null before the folder exists). */
    private FolderLock lock;

    private void releaseLock() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }

    /**
     * Runs the sweep; returns the exit code (0, 1 if a run failed, 130 if stopped). Bad files in the
     * results folder, a busy folder and a failed write are UserErrors (exit 2).
     */
    public int run() throws IOException {
        String command = files.resumeCommand();   // what the folder's lock says holds it
        // An existing folder is locked at once, so that a busy one is refused before the data are read;
        // a new one is made (and locked) only once the data and the network are known to be good.
        lock = Files.isDirectory(dir) ? FolderLock.acquire(dir, command, FolderLock.SWEEP_ON_STOP, out)
                : null;
        // Ctrl-C while the data load (before the sweep's own stop handling): say that nothing was lost.
        Thread early = new Thread(() -> {
            err.println();
            err.println("fprnn: stopped before the first training step of this command; nothing was trained or"
                    + " written, and the same command starts (or resumes) where the folder stands:\n  " + command);
            err.flush();
        }, "fprnn-early-stop");
        Runtime.getRuntime().addShutdownHook(early);
        earlyStop = early;
        try {
            files.check();
            SweepData data = SweepData.load(plan.config().data());
            out.printf(Locale.ROOT, "%s: %d training and %d test samples of %d features, %d classes (%s)%n",
                    data.name(), data.train().size(), data.test().size(), data.train().features(),
                    data.train().classes(), data.where());
            Dataset images = data.train();
            int shift = plan.config().train().augmentShift();
            if (shift > 0 && images.height() == 1 && images.width() == 1) {
                throw new UserError("train.augment_shift = " + shift + " does not apply to " + data.name() + ": its"
                        + " samples are flat (" + images.features() + " values), not images; leave it out");
            }
            if (shift > ShiftAugment.largestShift(images.height(), images.width())) {
                throw new UserError("train.augment_shift = " + shift + " on " + data.name() + ": "
                        + ShiftAugment.tooLarge(shift, images.height(), images.width()));
            }
            FixedPointNetwork start = SweepNetwork.newNetwork(plan, plan.config().seed(), data);
            if (lock == null) {
                lock = FolderLock.acquire(dir, command, FolderLock.SWEEP_ON_STOP, out);
                files.check();   // another command may have made the folder meanwhile
            }
            files.checkData(data);
            return run(data, start);
        } finally {
            dropEarlyStop();
            releaseLock();
        }
    }

    /**
     * Where the sweep stands (fprnn run --status), without training, locking or writing anything: every
     * run of the plan finished (its outcome and wall time), started (the step and epoch of its
     * checkpoint) or not started, then the finished runs' table with the mean and standard deviation
     * over the seeds finished so far. The folder's files are verified first, as a run verifies them,
     * so a damaged one is named here too. It may run beside the command that runs the sweep: records
     * and checkpoints are only ever replaced whole, by a rename. Returns the exit code (0).
     */
    public int status() throws IOException {
        String command = String.valueOf(info.get("command"));
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(dir + " is a file, not a results folder: give the sweep's folder as --out");
        }
        if (!Files.isDirectory(dir)) {
            out.printf(Locale.ROOT, "%s does not exist: no run of this sweep has started. Start it with:%n  %s%n",
                    dir, command);
            return 0;
        }
        files.check();
        String busy = FolderLock.heldBy(dir);
        if (busy != null) {
            out.println("A command is running in this folder now (" + busy + "); what follows is where it stood at"
                    + " its last finished run and checkpoint.");
        }
        List<RunSpec> specs = plan.runs();
        List<RunResult> results = new ArrayList<>();
        int started = 0;
        for (int k = 0; k < specs.size(); k++) {
            RunSpec spec = specs.get(k);
            String tag = tag(k, specs.size(), spec);
            RunResult done = files.load(spec);
            if (done != null) {
                results.add(done);
                out.println(tag + ": finished: " + describe(done));
            } else if (Files.isRegularFile(files.checkpointFile(spec))) {
                TrainingCheckpoint c = files.readCheckpoint(spec);
                started++;
                out.printf(Locale.ROOT, "%s: started: checkpoint after step %d%s, %.1f s of training so far%n", tag,
                        c.step(), epochOf(c.lines(), plan.config().train().epochs()), c.seconds());
            } else {
                out.println(tag + ": not started");
            }
        }
        int finished = results.size();
        out.printf(Locale.ROOT, "%d of %d runs finished, %d started, %d not started%n", finished, specs.size(),
                started, specs.size() - finished - started);
        if (!results.isEmpty()) {
            out.print(ClassificationReport.table(plan, results));
        }
        out.println((finished == specs.size() ? "Every run has finished; this command writes the pages"
                + " (results.md, summary.json) from them:" : "This command continues the sweep (finished runs are"
                + " skipped, a started one resumes):") + "\n  " + command);
        return 0;
    }

    /** How the lines about a run begin: "[k+1/count] RULE lr LR seed S". */
    private static String tag(int k, int count, RunSpec spec) {
        return String.format(Locale.ROOT, "[%d/%d] %s", k + 1, count, spec.label());
    }

    /** " (epoch E of EPOCHS)" from the last of a checkpoint's metrics lines, or "" if they do not say. */
    static String epochOf(List<String> lines, int epochs) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = EPOCH.matcher(lines.get(i));
            if (m.find()) {
                return String.format(Locale.ROOT, " (epoch %d of %d)", Integer.parseInt(m.group(1)) + 1, epochs);
            }
        }
        return "";
    }

    /** A metrics line's 0-based epoch. */
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":(\\d+)");

    /** The hook that reports a stop before the sweep's loop, or null once that loop has its own. */
    private Thread earlyStop;

    private void dropEarlyStop() {
        if (earlyStop != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(earlyStop);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is stopping: the hook says so
            }
            earlyStop = null;
        }
    }

    private int run(SweepData data, FixedPointNetwork start) throws IOException {
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
        if (start.units() > SweepNetwork.EIGENVALUES_MAX_UNITS) {
            out.printf(Locale.ROOT, "eigenvalues of W are not computed for N = %d > %d units%n", start.units(),
                    SweepNetwork.EIGENVALUES_MAX_UNITS);
        }
        double[][] startEig = SweepNetwork.eigenvalues(start);
        List<RunSpec> specs = plan.runs();
        Trainer probe = new Trainer(plan.trainSettings(specs.getFirst()), data.train(), data.test());
        files.checkCheckpoints(probe.totalSteps(), start);
        int epochs = plan.config().train().epochs();
        out.printf(Locale.ROOT, "%d run%s of %d steps (%d epoch%s of %d) into %s%n", specs.size(),
                specs.size() == 1 ? "" : "s", probe.totalSteps(), epochs, epochs == 1 ? "" : "s", probe.stepsPerEpoch(), dir);
        for (String note : plan.config().train().notes(probe.totalSteps())) {
            out.println("note: " + note);
        }
        ResultsFolder folder = new ResultsFolder(dir);
        Files.createDirectories(runsDir);
        long t0 = System.nanoTime();
        List<RunResult> results = new ArrayList<>();
        boolean stopped = false;
        int failed = 0;
        int left = 0;
        dropEarlyStop();
        try (StopSignal stop = new StopSignal(err, this::releaseLock)) {
            for (int k = 0; k < specs.size(); k++) {
                RunSpec spec = specs.get(k);
                String tag = tag(k, specs.size(), spec);
                RunResult done = files.load(spec);
                if (done != null) {
                    results.add(done);
                    out.println(tag + ": finished before, skipped: " + describe(done));
                    continue;
                }
                if (!files.selected(spec)) {
                    left++;
                    out.println(tag + ": not selected by --only, left for a later command"
                            + (Files.isRegularFile(files.checkpointFile(spec)) ? " (its checkpoint is kept)" : ""));
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
            files.rewriteMetricsOrStop(results);
            if (stopped) {
                long finished = files.finishedRuns(results);
                out.printf(Locale.ROOT, "stopped: %d of %d runs finished; checkpoint in %s. Run the same command to resume:%n  %s%n",
                        finished, specs.size(), dir.resolve("checkpoints"), files.resumeCommand());
                return EXIT_STOPPED;
            }
            if (left > 0) {
                out.printf(Locale.ROOT, "--only %s: %d of %d runs finished, %d left for a later command;"
                        + " results.md and summary.json are written when the whole sweep has run:%n  %s%n",
                        String.join(",", files.onlyRules()), files.finishedRuns(results), specs.size(), left,
                        info.get("command"));
                return failed > 0 ? 1 : 0;
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            try {
                ClassificationReport.write(folder, plan, results, info, configText, startEig, data, wall, network);
            } catch (IOException e) {
                throw new UserError("cannot write the pages of " + dir + ": " + e.getMessage() + ". Every run is"
                        + " saved; free some space (or make the folder writable) and run the same command to write"
                        + " them:\n  " + info.get("command"), e);
            }
            out.print(ClassificationReport.table(plan, results));
            out.printf(Locale.ROOT, "done in %.1f s; wrote %s (results.md, summary.json, metrics.jsonl, figures/)%n",
                    wall, dir);
        }
        return failed > 0 ? 1 : 0;
    }

    /**
     * One run from its start or its checkpoint. Returns its result, or null if it was stopped (its
     * checkpoint is then written).
     */
    private RunResult runOne(RunSpec spec, String tag, SweepData data, StopSignal stop, List<RunResult> finished)
            throws IOException {
        TrainSettings ts = plan.trainSettings(spec);
        String settings = plan.settingsJson(spec);
        FixedPointNetwork net = SweepNetwork.newNetwork(plan, spec.seed(), data);
        Optimizer opt = ts.newOptimizer();
        Trainer trainer = new Trainer(ts, data.train(), data.test());
        int total = trainer.totalSteps();
        int perEpoch = trainer.stepsPerEpoch();
        int epochs = ts.epochs();
        Path ckpt = files.checkpointFile(spec);
        List<String> lines = new ArrayList<>();
        SweepFolder.removeStaleTempFiles(ckpt);
        int startStep = 0;
        double prior = 0;
        if (Files.isRegularFile(ckpt)) {
            TrainingCheckpoint c = files.readCheckpoint(spec);
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
        files.rewriteMetricsOrStop(finished);
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
                add(MetricsLines.step(spec.rule(), spec.lr(), spec.seed(), s));
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
                add(MetricsLines.eval(spec.rule(), spec.lr(), spec.seed(), e));
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
                        TrainingCheckpoint.write(ckpt, spec.rule(), spec.lr(), spec.seed(), settings, net, opt,
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
            throw files.writeFailure(e.getCause(), spec, ckpt);
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            err.println("fprnn: run " + spec.label() + " failed: " + e + "; "
                    + org.fprnn.cli.CrashReport.write(e, new String[] {files.resumeCommand()}));
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
        meta.put("seed", Long.toString(spec.seed()));
        meta.put("outcome", outcome);
        meta.put("steps", Integer.toString(res.stepsDone()));
        meta.put("settings", settings);
        Map<String, Object> tensors = new LinkedHashMap<>(net.params().asMap());
        Path weights = weightsDir.resolve(spec.id() + ".safetensors");
        try {
            Safetensors.write(weights, tensors, Checksums.stamp(tensors, meta));
            RunResult r = new RunResult(spec, settings, outcome, res.divergence(), res.stepsDone(), total, lines,
                    seconds, SweepNetwork.eigenvalues(net), Checksums.ofFile(weights));
            r.save(runsDir);
            Files.deleteIfExists(ckpt);
            return r;
        } catch (IOException e) {
            throw files.writeFailure(e, spec, ckpt);
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
}
