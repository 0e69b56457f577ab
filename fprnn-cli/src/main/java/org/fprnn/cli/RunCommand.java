package org.fprnn.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.classify.ClassificationRunner;
import org.fprnn.cli.classify.Progress;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.FolderProtocol;
import org.fprnn.cli.report.LinearTeacherReport;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.cli.report.RunInfo;
import org.fprnn.linalg.Blas;
import org.fprnn.train.LinearTeacherProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** fprnn run CONFIG.toml: runs a whole protocol and writes its results folder. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Run a protocol: every rule x learning rate of a config, with results pages",
        description = {"Run a whole protocol (every rule x learning rate in the config) and",
            "write metrics.jsonl, summary.json, figures/*.png and results.md into the",
            "results folder.",
            "",
            "Protocols: linear_teacher (P2) and classification (P1 and relatives on",
            "MNIST, Fashion-MNIST, CIFAR-10). A classification sweep runs its runs one",
            "after the other; Ctrl-C (SIGINT) or SIGTERM stops after the current step",
            "and writes a checkpoint, as does every epoch end; the exit code is then 130",
            "after SIGINT and 143 after SIGTERM (128 + the signal's number); a second",
            "signal ends it at once, losing the steps since the last checkpoint. Running the",
            "same command again skips finished runs and resumes the interrupted one.",
            "Exit codes otherwise: 0 done, 1 a run failed, 2 bad input.",
            "", "Example: fprnn run configs/quick-mnist.toml"})
public final class RunCommand implements Callable<Integer> {
    static final String STOP_OPTION = "--stop-after-steps";
    static final String ONLY_OPTION = "--only";
    static final String STATUS_OPTION = "--status";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG.toml", description = "the protocol config (see configs/)")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", description = "results folder (default: the config's output, "
            + "or results/<name>)")
    Path out;

    @Option(names = "--set", paramLabel = "TABLE.KEY=VALUE",
            description = "override a config value, e.g. --set train.epochs=1 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--seeds", split = ",", paramLabel = "S1,S2,...",
            description = "run every rule x learning rate once per seed (replaces the config's seed or seeds);"
                    + " results show the mean and standard deviation over seeds")
    List<Long> seeds;

    @Option(names = "--allow-missing-weights",
            description = "use finished runs whose weights/ID.safetensors is missing from their record and metrics"
                    + " (still checked against their checksums): for a results folder taken from git, which keeps"
                    + " runs/ but not weights/; without it such a run is refused")
    boolean allowMissingWeights;

    @Option(names = ONLY_OPTION, split = ",", paramLabel = "RULE,...",
            description = "run only these rules' runs (of every learning rate and seed), into the same files as the"
                    + " whole sweep; the other runs are left for a later command (an unfinished one keeps its"
                    + " checkpoint), and results.md and summary.json are written once every run of the sweep has"
                    + " finished. For a long sweep whose runs of one rule are wanted first")
    List<String> only;

    @Option(names = STATUS_OPTION,
            description = "print where a classification sweep in the results folder stands, and do nothing else:"
                    + " each run finished (its accuracy and wall time), started (its checkpoint's step) or not"
                    + " started, and the finished runs' table with the mean and standard deviation over the seeds"
                    + " finished so far. Reads only (no lock), so it may run beside the command running the sweep")
    boolean status;

    /** Simulates Ctrl-C after this many training steps of this invocation (tests of resume). */
    @Option(names = STOP_OPTION, hidden = true, defaultValue = "0")
    int stopAfterSteps;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = ConfigLoader.load(config, overrides, RunConfig.class);
        if (seeds != null) {
            try {
                cfg = cfg.withSeeds(seeds);
            } catch (IllegalArgumentException e) {
                throw new UserError("--seeds " + seeds.stream().map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(",")) + ": " + e.getMessage(), e);
            }
        }
        String configText = ConfigLoader.text(config);
        Path dir = out != null ? out : Path.of(cfg.output());
        // --only changes which runs this invocation makes, not what they are: records name the whole sweep's command.
        String command = CommandText.of(spec, Set.of(STOP_OPTION, ONLY_OPTION, STATUS_OPTION));
        PrintWriter pout = spec.commandLine().getOut();
        if (status) {
            return status(cfg, dir, command, pout);
        }
        OutputFolder.check(dir);
        if (only != null && !cfg.protocol().equals("classification")) {
            throw new UserError("--only applies to classification sweeps, whose runs are saved one by one; a "
                    + cfg.protocol() + " protocol runs all its rules at once: leave --only out");
        }
        OptionCheck.of(spec).onlyIf(cfg.protocol().equals("classification"), "--allow-missing-weights", "protocol "
                + cfg.protocol() + ": it saves no runs to take up again (only classification sweeps do)");
        return switch (cfg.protocol()) {
            case "linear_teacher" -> runLinearTeacher(cfg, dir, RunInfo.collect(command, cfg.seed()), configText, pout);
            case "classification" -> runClassification(cfg, dir, command, configText, spec, stopAfterSteps,
                    allowMissingWeights, selectedRules(cfg, only));
            default -> throw new UserError("protocol " + cfg.protocol() + " is not supported");
        };
    }

    /** fprnn run --status: where the sweep in dir stands; refuses the options that would make or run something. */
    private int status(RunConfig cfg, Path dir, String command, PrintWriter pout) throws Exception {
        if (!cfg.protocol().equals("classification")) {
            throw new UserError(STATUS_OPTION + " applies to classification sweeps, whose runs are saved one by one;"
                    + " a " + cfg.protocol() + " protocol writes its results at the end: leave " + STATUS_OPTION + " out");
        }
        if (only != null || stopAfterSteps != 0) {
            throw new UserError(STATUS_OPTION + " reports on the whole sweep and runs nothing: leave "
                    + (only != null ? ONLY_OPTION : STOP_OPTION) + " out");
        }
        var info = RunInfo.collect(command, cfg.seed());
        return new ClassificationRunner(new ClassificationPlan(cfg), dir, pout, spec.commandLine().getErr(), info,
                null, 0, false, allowMissingWeights).status();
    }

    /**
     * The rules of {@code --only}, each checked against the sweep's rules; null (every rule) without
     * the option.
     */
    static Set<String> selectedRules(RunConfig cfg, List<String> only) {
        if (only == null) {
            return null;
        }
        Set<String> swept = cfg.sweep().perRule().keySet();
        if (only.isEmpty()) {
            throw new UserError("--only needs one or more of this sweep's rules (" + String.join(", ", swept)
                    + "), separated by commas; leave it out to run every rule");
        }
        Set<String> picked = new java.util.LinkedHashSet<>();
        for (String rule : only) {
            String r = rule.strip();
            if (!swept.contains(r)) {
                throw new UserError("--only " + String.join(",", only) + ": " + (r.isEmpty() ? "an empty rule name"
                        : "rule '" + r + "' is not in this sweep") + "; its rules are " + String.join(", ", swept)
                        + " (give one or more of them, separated by commas)");
            }
            picked.add(r);
        }
        return picked;
    }

    /** Runs a classification sweep (shared with fprnn train); {@code only}: the rules to run, null for all. */
    static int runClassification(RunConfig cfg, Path dir, String command, String configText, CommandSpec spec,
                                 int stopAfterSteps, boolean allowMissingWeights, Set<String> only)
            throws Exception {
        if (stopAfterSteps < 0) {
            throw new UserError(STOP_OPTION + " must be >= 0");
        }
        ClassificationPlan plan = new ClassificationPlan(cfg);
        setBlasThreads(cfg.threads());
        var info = RunInfo.collect(command, cfg.seed());
        PrintWriter pout = spec.commandLine().getOut();
        PrintWriter perr = spec.commandLine().getErr();
        cfg.noteKeysWithoutEffect(perr);
        boolean terminal = Main.isConsole(pout) && Progress.terminal();
        return new ClassificationRunner(plan, dir, pout, perr, info, configText, stopAfterSteps, terminal,
                allowMissingWeights).onlyRules(only).run();
    }

    /**
     * Sets the thread count, refusing more threads than processors and a count the library would
     * silently lower (OpenBLAS caps it at the MAX_THREADS it was built with), so that the count a
     * results folder records is the one used.
     */
    static void setBlasThreads(int threads) {
        int processors = Runtime.getRuntime().availableProcessors();
        if (threads > processors) {
            // fprnn's own row and product blocks run one thread each: more threads than processors only wait.
            throw new UserError("threads = " + threads + " does not apply to this machine: it has " + processors
                    + " processors, and fprnn runs at most one thread per processor; give 1 to " + processors
                    + " (fprnn run: --set threads=N; fprnn train: --threads N)");
        }
        int before = Blas.get().threads();
        Blas.setThreads(threads);
        int got = Blas.get().threads();
        if (got != threads) {
            Blas.setThreads(before);
            throw new UserError("threads = " + threads + " does not apply to this BLAS: it runs at most " + got
                    + " threads (this machine has " + Runtime.getRuntime().availableProcessors() + " processors); give"
                    + " 1 to " + got + " (fprnn run: --set threads=N; fprnn train: --threads N)");
        }
    }

    /** What stopping protocol linear_teacher keeps: nothing (it writes its results at the end). */
    static final String LINEAR_TEACHER_ON_STOP = "protocol linear_teacher keeps no checkpoints: the same command starts"
            + " it again from the first step";

    private int runLinearTeacher(RunConfig cfg, Path dir, java.util.Map<String, Object> info, String configText,
                                 PrintWriter pout) throws Exception {
        var settings = cfg.teacher().toSettings(cfg.sweep().rules(), cfg.sweep().commonLearningRates(), cfg.seed(), cfg.threads());
        try (FolderLock lock = FolderLock.acquire(dir, String.valueOf(info.get("command")), LINEAR_TEACHER_ON_STOP,
                pout)) {
            FolderProtocol.requireLinearTeacher(dir, settings.identity());
            return runLinearTeacher(settings, dir, info, configText, pout);
        }
    }

    private static int runLinearTeacher(LinearTeacherProtocol.Settings settings, Path dir,
                                        java.util.Map<String, Object> info, String configText, PrintWriter pout)
            throws Exception {
        int total = settings.rules().size() * settings.learningRates().size();
        pout.printf(Locale.ROOT, "P2 linear teacher: %d runs of %d steps (N = %d), %d at a time, into %s%n",
                total, settings.iterations(), settings.units(), settings.threads(), dir);
        long t0 = System.nanoTime();
        int[] done = {0};
        List<LinearTeacherProtocol.Run> runs = new LinearTeacherProtocol(settings).runAll(r -> {
            done[0]++;
            pout.printf(Locale.ROOT, "  [%2d/%d] %-15s lr %-6s final J = %-12s (%.1f s)%n", done[0], total,
                    r.rule(), r.lr(), r.divergedAt() >= 0 ? "diverged@" + r.divergedAt()
                            : String.format(Locale.ROOT, "%.5g", r.finalLoss()), r.seconds());
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        // made only now: a run that failed (or was stopped) leaves no empty figures/ behind
        ResultsFolder folder = new ResultsFolder(dir);
        LinearTeacherReport.write(folder, settings, runs, info, configText, wall);
        pout.printf(Locale.ROOT, "done in %.1f s; wrote %s (results.md, summary.json, metrics.jsonl, figures/)%n",
                wall, dir);
        return 0;
    }
}
