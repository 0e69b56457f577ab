package org.fprnn.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.fprnn.cli.classify.ClassificationPlan;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.ForwardSolverConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.model.Dynamics;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.Rules;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * fprnn train: one rule at one learning rate on a classification data set, for quick experiments.
 * The flags are turned into the equivalent classification config (kept in summary.json, so
 * {@code fprnn run} can repeat it) and run by the same machinery as {@code fprnn run}: progress,
 * metrics, figures, checkpoints, Ctrl-C and resume (pass the same --out).
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Train one network with one rule and learning rate on a classification data set",
        sortOptions = false,
        description = {"Train one network with one rule and learning rate on a classification",
            "data set and print the accuracy on the full test set after every epoch.",
            "Writes the same results folder as fprnn run (metrics.jsonl, summary.json",
            "with the equivalent config, figures, results.md). Ctrl-C writes a",
            "checkpoint; the same command with the same --out resumes from it.",
            "Each flag sets the config key named in brackets; unset keys take the",
            "config defaults.",
            "", "Example: fprnn train --rule linearized --lr 0.1 --train-limit 10000"})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--rule", defaultValue = "linearized", paramLabel = "NAME", completionCandidates = Rules.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--lr", required = true, paramLabel = "LR", description = "learning rate")
    double lr;

    @Option(names = "--data", defaultValue = "mnist", paramLabel = "NAME",
            description = "mnist, fashion-mnist, cifar10, or idx with --data-dir [data.name] (default ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder holding the data files [data.data_dir]")
    String dataDir;

    @Option(names = "--download", description = "download the data set if it is missing [data.download]")
    boolean download;

    @Option(names = "--train-limit", paramLabel = "N", description = "use the first N training samples [data.train_limit]")
    Integer trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", description = "use the first N test samples [data.test_limit]")
    Integer testLimit;

    @Option(names = "--units", paramLabel = "N", description = "recurrent units [network.units] (default 300)")
    Integer units;

    @Option(names = "--nonlinearity", paramLabel = "F", completionCandidates = Nonlinearity.Known.class,
            description = "${COMPLETION-CANDIDATES} [network.nonlinearity] (default tanh)")
    String nonlinearity;

    @Option(names = "--dynamics", paramLabel = "D", completionCandidates = Dynamics.Known.class,
            description = "${COMPLETION-CANDIDATES} [network.dynamics] (default rate)")
    String dynamics;

    @Option(names = "--precision", paramLabel = "P", description = "float or double [network.precision] (default float)")
    String precision;

    @Option(names = "--recurrent-scale", paramLabel = "S",
            description = "W at start is S randn(N, N)/sqrt(N) [network.recurrent_scale] (default 0.5)")
    Double recurrentScale;

    @Option(names = "--train-input", description = "train the read-in U [network.train_input]")
    boolean trainInput;

    @Option(names = "--train-bias", description = "add and train a bias b [network.train_bias]")
    boolean trainBias;

    @Option(names = "--train-readout", description = "train the read-out R [network.train_readout]")
    boolean trainReadout;

    @Option(names = "--readout-bias", description = "add a read-out bias, trained with R [network.readout_bias]")
    boolean readoutBias;

    @Option(names = "--solver", paramLabel = "S", completionCandidates = Solvers.Known.class,
            description = "${COMPLETION-CANDIDATES} [solver.method] (default anderson; direct: linear networks)")
    String solver;

    @Option(names = "--tol", paramLabel = "T", description = "solver tolerance on max|r - f(W r + h)| [solver.tol] (default 1e-6)")
    Double tol;

    @Option(names = "--max-iter", paramLabel = "K",
            description = "solver iteration limit; euler: steps [solver.max_iter] (default 200; euler 500)")
    Integer maxIter;

    @Option(names = "--alpha", paramLabel = "A", description = "euler dt/tau or picard damping [solver.alpha]")
    Double alpha;

    @Option(names = "--memory", paramLabel = "M", description = "Anderson memory [solver.memory] (default 5)")
    Integer memory;

    @Option(names = "--beta", paramLabel = "B", description = "Anderson mixing [solver.beta] (default 1)")
    Double beta;

    @Option(names = "--warm-start",
            description = "start each training sample's solves where its previous visit ended [solver.warm_start]"
                    + " (default off; needs a tolerance > 0)")
    boolean warmStart;

    @Option(names = "--preconditioner", paramLabel = "P",
            description = "none or mean_gain: anderson's forward solves from rest preconditioned by the batch's mean"
                    + " gains at rest where that pays (float, rate or discrete dynamics) [solver.preconditioner]"
                    + " (default none)")
    String preconditioner;

    @Option(names = "--gains", paramLabel = "MODE", description = "derivative or from_rates [rule.gains] (default derivative)")
    String gains;

    @Option(names = "--adjoint-tol", paramLabel = "T", description = "gradient rule's adjoint tolerance [rule.adjoint_tol] (default 1e-8)")
    Double adjointTol;

    @Option(names = "--adjoint-memory", paramLabel = "M",
            description = "Anderson's memory in the gradient rule's adjoint solve [rule.adjoint_memory] (default 6)")
    Integer adjointMemory;

    @Option(names = "--adjoint-preconditioner", paramLabel = "P",
            description = "mean_gain or none: the gradient rule's float adjoint solves preconditioned by the batch's"
                    + " mean gains where that pays [rule.adjoint_preconditioner] (default mean_gain)")
    String adjointPreconditioner;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "N", description = "epochs [train.epochs] (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", paramLabel = "B", description = "batch size [train.batch_size] (default 512)")
    Integer batchSize;

    @Option(names = "--optimizer", paramLabel = "O", completionCandidates = Optimizers.Known.class,
            description = "${COMPLETION-CANDIDATES} [train.optimizer] (default sgd)")
    String optimizer;

    @Option(names = "--momentum", paramLabel = "M", description = "SGD momentum [train.momentum] (default 0)")
    Double momentum;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "weight decay [train.weight_decay] (default 0)")
    Double weightDecay;

    @Option(names = "--test-batch", paramLabel = "N",
            description = "test samples drawn at every step for the curves [train.test_batch] (default 512)")
    Integer testBatch;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "seed of weights and shuffles (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", paramLabel = "T", description = "BLAS threads (default: all cores)")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR",
            description = "results folder (default results/train/DATE-TIME-RULE-lrLR); give the same one to resume")
    Path out;

    @Option(names = RunCommand.STOP_OPTION, hidden = true, defaultValue = "0")
    int stopAfterSteps;

    @Override
    public Integer call() throws Exception {
        String method = solver == null ? ForwardSolverConfig.DEFAULT_METHOD : solver.toLowerCase(Locale.ROOT);
        OptionCheck.of(spec)
                .onlyIf(SolverConfig.usesAlpha(method), "--alpha", "--solver " + method
                        + ": it is euler's alpha = dt/tau and picard's damping")
                .onlyIf(SolverConfig.usesMixing(method), "--memory", "--solver " + method + ": it is Anderson's memory")
                .onlyIf(SolverConfig.usesMixing(method), "--beta", "--solver " + method + ": it is Anderson's mixing")
                .onlyIf(method.equals("anderson"), "--preconditioner", "--solver " + method
                        + ": it preconditions Anderson's iterations")
                .onlyIf(!method.equals("direct"), "--warm-start", "--solver direct: it starts an iterative solve from"
                        + " a sample's last state, and the direct solve is exact from any start")
                .onlyIf(rule.equals("gradient"), "--adjoint-tol", "--rule " + rule
                        + ": it is the tolerance of the gradient rule's adjoint solve")
                .onlyIf(rule.equals("gradient"), "--adjoint-memory", "--rule " + rule
                        + ": it is Anderson's memory in the gradient rule's adjoint solve")
                .onlyIf(rule.equals("gradient"), "--adjoint-preconditioner", "--rule " + rule
                        + ": it is the preconditioner of the gradient rule's adjoint solve")
                .onlyIf(!"adam".equalsIgnoreCase(optimizer), "--momentum", "--optimizer adam: Adam has its own"
                        + " (beta1 = 0.9)");
        String toml = toml();
        RunConfig cfg = ConfigLoader.parse(toml, "from the fprnn train flags", List.of(), RunConfig.class);
        Path dir = out != null ? out : Path.of("results", "train", LocalDateTime.now().format(
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + rule + "-lr" + ClassificationPlan.lrText(lr));
        OutputFolder.check(dir);
        String command = CommandText.of(spec, Set.of(RunCommand.STOP_OPTION));
        if (out == null) {
            command += " --out " + CommandText.quote(dir.toString());
        }
        return RunCommand.runClassification(cfg, dir, command, toml, spec, stopAfterSteps, false, null);
    }

    /** The classification config these flags stand for. */
    String toml() {
        StringBuilder sb = new StringBuilder();
        sb.append("# The config equivalent to: ").append(CommandText.of(spec, Set.of(RunCommand.STOP_OPTION))).append('\n');
        sb.append("name = \"train\"\nprotocol = \"classification\"\n");
        kv(sb, "seed", seed);
        kv(sb, "threads", threads);
        sb.append("\n[data]\n");
        kv(sb, "name", data);
        kv(sb, "data_dir", dataDir);
        if (download) {
            kv(sb, "download", true);
        }
        kv(sb, "train_limit", trainLimit);
        kv(sb, "test_limit", testLimit);
        sb.append("\n[network]\n");
        kv(sb, "units", units);
        kv(sb, "nonlinearity", nonlinearity);
        kv(sb, "dynamics", dynamics);
        kv(sb, "precision", precision);
        kv(sb, "recurrent_scale", recurrentScale);
        for (var b : List.of(new Object[] {"train_input", trainInput}, new Object[] {"train_bias", trainBias},
                new Object[] {"train_readout", trainReadout}, new Object[] {"readout_bias", readoutBias})) {
            if ((Boolean) b[1]) {
                kv(sb, (String) b[0], true);
            }
        }
        sb.append("\n[solver]\n");
        kv(sb, "method", solver);
        kv(sb, "tol", tol);
        kv(sb, "max_iter", maxIter);
        kv(sb, "alpha", alpha);
        kv(sb, "memory", memory);
        kv(sb, "beta", beta);
        if (warmStart) {
            kv(sb, "warm_start", true);
        }
        kv(sb, "preconditioner", preconditioner);
        sb.append("\n[rule]\n");
        kv(sb, "gains", gains);
        kv(sb, "adjoint_tol", adjointTol);
        kv(sb, "adjoint_memory", adjointMemory);
        kv(sb, "adjoint_preconditioner", adjointPreconditioner);
        sb.append("\n[train]\n");
        kv(sb, "epochs", epochs);
        kv(sb, "batch_size", batchSize);
        kv(sb, "optimizer", optimizer);
        kv(sb, "momentum", momentum);
        kv(sb, "weight_decay", weightDecay);
        kv(sb, "test_batch", testBatch);
        kv(sb, "full_test_every_epoch", true);
        sb.append("\n[sweep]\n");
        kv(sb, "rules", List.of(rule));
        sb.append("learning_rates = [").append(lrLiteral(lr)).append("]\n");
        return sb.toString();
    }

    private static String lrLiteral(double v) {
        if (!Double.isFinite(v)) {   // TOML's own words, so that the refusal names the value given
            return Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
        }
        String s = Double.toString(v);
        return s.contains("E") ? s.replace("E", "e") : s;
    }

    private static void kv(StringBuilder sb, String key, Object v) {
        if (v == null) {
            return;
        }
        sb.append(key).append(" = ");
        switch (v) {
            case String s -> sb.append(str(s));
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i > 0 ? ", " : "").append(str(String.valueOf(l.get(i))));
                }
                sb.append(']');
            }
            case Double d -> sb.append(lrLiteral(d));
            default -> sb.append(v);
        }
        sb.append('\n');
    }

    private static String str(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
