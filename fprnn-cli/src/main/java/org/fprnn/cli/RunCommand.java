package org.fprnn.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.cli.report.LinearTeacherReport;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.cli.report.RunInfo;
import org.fprnn.train.LinearTeacherProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** fprnn run CONFIG.toml: runs a whole protocol and writes its results folder. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a whole protocol (every rule x learning rate in the config) and write",
            "metrics.jsonl, summary.json, figures/*.png and results.md into the results folder.",
            "", "Example: fprnn run configs/paper-linear.toml"})
public final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONFIG.toml", description = "the protocol config (see configs/)")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", description = "results folder (default: the config's output, "
            + "or results/<name>)")
    Path out;

    @Option(names = "--set", paramLabel = "TABLE.KEY=VALUE",
            description = "override a config value, e.g. --set teacher.iterations=100 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = ConfigLoader.load(config, overrides, RunConfig.class);
        String configText = Files.readString(config);
        Path dir = out != null ? out : Path.of(cfg.output());
        String command = "fprnn run " + config + (overrides.isEmpty() ? "" : " --set " + String.join(" --set ", overrides))
                + (out != null ? " --out " + out : "");
        var info = RunInfo.collect(command, cfg.seed());
        return switch (cfg.protocol()) {
            case "linear_teacher" -> runLinearTeacher(cfg, dir, info, configText);
            default -> throw new UserError("protocol " + cfg.protocol() + " is not supported");
        };
    }

    private int runLinearTeacher(RunConfig cfg, Path dir, java.util.Map<String, Object> info, String configText)
            throws Exception {
        var settings = cfg.teacher().toSettings(cfg.sweep().rules(), cfg.sweep().commonLearningRates(), cfg.seed(), cfg.threads());
        ResultsFolder folder = new ResultsFolder(dir);
        int total = settings.rules().size() * settings.learningRates().size();
        System.out.printf(Locale.ROOT, "P2 linear teacher: %d runs of %d steps (N = %d), %d at a time, into %s%n",
                total, settings.iterations(), settings.units(), settings.threads(), dir);
        long t0 = System.nanoTime();
        int[] done = {0};
        List<LinearTeacherProtocol.Run> runs = new LinearTeacherProtocol(settings).runAll(r -> {
            done[0]++;
            System.out.printf(Locale.ROOT, "  [%2d/%d] %-15s lr %-6s final J = %-12s (%.1f s)%n", done[0], total,
                    r.rule(), r.lr(), r.divergedAt() >= 0 ? "diverged@" + r.divergedAt()
                            : String.format(Locale.ROOT, "%.5g", r.finalLoss()), r.seconds());
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        LinearTeacherReport.write(folder, settings, runs, info, configText, wall);
        System.out.printf(Locale.ROOT, "done in %.1f s; wrote %s (results.md, summary.json, metrics.jsonl, figures/)%n",
                wall, dir);
        return 0;
    }
}
