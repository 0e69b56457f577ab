package org.fprnn.cli.classify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.cli.config.ForwardSolverConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.cli.config.TrainConfig;
import org.fprnn.cli.report.Figures;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.io.Json;
import org.fprnn.train.EvalRecord;

/**
 * The pages of a classification sweep: summary.json, figures/*.png and results.md, written from
 * the finished runs (so a resumed sweep writes the same pages as an uninterrupted one, but for the
 * times and the date).
 */
final class ClassificationReport {
    private ClassificationReport() {
    }

    static final String[] FIGURES = {"loss.png", "accuracy.png", "eigenvalues.png", "iterations.png"};

    static void write(ResultsFolder folder, ClassificationPlan plan, List<RunResult> results, Map<String, Object> info,
                      String configText, double[][] startEig, SweepData data, double wall,
                      String network) throws IOException {
        RunConfig cfg = plan.config();
        Map<String, Object> summary = new LinkedHashMap<>(info);
        summary.put("name", cfg.name());
        summary.put("description", cfg.description());
        summary.put("protocol", org.fprnn.cli.report.FolderProtocol.CLASSIFICATION);
        // Every run of the plan finished (completed or diverged); false if one failed with an error.
        summary.put("complete", results.stream().noneMatch(RunResult::failed));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", cfg.data().name());
        d.put("folder", data.folder());   // relative to the project root, or null: never a machine's absolute path
        d.put("train_samples", data.train().size());
        d.put("test_samples", data.test().size());
        d.put("features", data.train().features());
        d.put("classes", data.train().classes());
        summary.put("data", d);
        summary.put("network", network);
        summary.put("total_steps_per_run", results.isEmpty() ? 0 : results.getFirst().totalSteps);
        summary.put("wall_seconds_this_invocation", wall);
        summary.put("wall_seconds_all_runs", results.stream().mapToDouble(r -> r.seconds).sum());
        summary.put("config", configText);
        summary.put("seeds", cfg.seeds());
        List<Object> runs = new ArrayList<>();
        for (RunResult r : results) {
            runs.add(r.summary());
        }
        summary.put("runs", runs);
        // Per rule and learning rate: mean and standard deviation over the seeds whose run completed.
        summary.put("aggregates", SeedGroup.of(plan.runs(), results).stream().map(SeedGroup::summary).toList());
        folder.writeText("summary.json", Json.pretty(summary));
        ClassificationFigures.write(folder, plan, results, startEig);
        folder.writeText("results.md", markdown(plan, results, info, data, network));
    }

    /**
     * The plain-text table printed at the end of a sweep: per run (and seed) the final and best full-test
     * accuracy, the best test-batch accuracy, diverged (PROTOCOLS P3: see
     * {@link RunResult#divergedByLoss()}), median solver iterations, median angle to the gradient,
     * smallest distance to singularity seen ("–" when no diagnostics were recorded) and wall time.
     */
    static String table(ClassificationPlan plan, List<RunResult> results) {
        boolean seeds = plan.config().seeds().size() > 1;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-16s %-8s %s%-28s %-10s %-10s %-8s %-8s %-8s %-10s %s%n", "rule", "lr",
                seeds ? String.format(Locale.ROOT, "%-6s ", "seed") : "", "final test accuracy", "best test",
                "best batch", "diverged", "iters", "angle", "min sigma", "wall time"));
        for (RunResult r : results) {
            sb.append(String.format(Locale.ROOT, "%-16s %-8s %s%-28s %-10s %-10s %-8s %-8s %-8s %-10s %.1f s%n",
                    r.spec.rule(), ClassificationPlan.lrText(r.spec.lr()),
                    seeds ? String.format(Locale.ROOT, "%-6d ", r.spec.seed()) : "", outcomeCell(r, false),
                    pct(r.bestFullTestAccuracy()), pct(r.bestTestBatchAccuracy()), r.divergedByLoss() ? "yes" : "no",
                    ClassificationRunner.fmt(r.medianIterations()), degrees(r.medianAngle()), sigma(r.minSigma()),
                    r.seconds));
        }
        if (seeds) {
            sb.append("final test accuracy over seeds (mean \u00b1 sd over the completed runs):\n");
            for (SeedGroup g : SeedGroup.of(plan.runs(), results)) {
                sb.append("  ").append(g.rule()).append(' ').append(g.cell()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Shown where a diagnostic was not recorded. */
    static final String NOT_RECORDED = "\u2013";

    /** An angle as "12.3°", or "–". */
    static String degrees(double a) {
        return Double.isFinite(a) ? String.format(Locale.ROOT, "%.1f\u00b0", a) : NOT_RECORDED;
    }

    /** A distance to singularity with 3 significant digits, or "–". */
    static String sigma(double s) {
        return Double.isFinite(s) ? String.format(Locale.ROOT, "%.3g", s) : NOT_RECORDED;
    }

    /** "91.23%", "diverged at step 12" or "failed". */
    static String outcomeCell(RunResult r, boolean bold) {
        if (r.failed()) {
            return "failed";
        }
        if (r.diverged()) {
            return "diverged at step " + r.stepsDone;
        }
        EvalRecord f = r.finalTest();
        String p = f == null ? "-" : pct(f.accuracy());
        return bold ? "**" + p + "**" : p;
    }

    static String pct(double a) {
        return Double.isFinite(a) ? String.format(Locale.ROOT, "%.2f%%", 100 * a) : "-";
    }

    static String markdown(ClassificationPlan plan, List<RunResult> results, Map<String, Object> info,
                           SweepData data, String network) {
        RunConfig cfg = plan.config();
        var n = cfg.network();
        var s = cfg.solver();
        var t = cfg.train();
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(cfg.name()).append("\n\n");
        if (!cfg.description().isBlank()) {
            sb.append(cfg.description()).append("\n\n");
        }
        sb.append("Written by `").append(info.get("command")).append("` (fprnn ").append(info.get("fprnn_version"))
                .append(", commit ").append(info.get("git_commit")).append("), started ").append(info.get("started"))
                .append(".\nMachine: ").append(info.get("machine")).append("; BLAS: ").append(info.get("blas"))
                .append("; Java ").append(info.get("java")).append(cfg.seeds().size() == 1 ? "; seed " + cfg.seed()
                        : "; seeds " + cfg.seeds().stream().map(String::valueOf).collect(java.util.stream.Collectors
                                .joining(", ")) + " (each seed draws its own W, U and R at start, data order and"
                                + " test batches)").append(".\n\n");
        List<String> trained = new ArrayList<>(List.of(n.layers() == null ? "W" : "W_k, F_k" + (
                n.layers().stream().anyMatch(l -> l.feedback()) ? ", B_k" : "")));
        if (n.trainInput()) {
            trained.add("U");
        }
        if (n.trainBias()) {
            trained.add("b");
        }
        if (n.trainReadout()) {
            trained.add(n.readoutBias() ? "R, c" : "R");
        }
        int total = results.isEmpty() ? 0 : results.getFirst().totalSteps;
        sb.append(String.format(Locale.ROOT, "- data: %s, %d training and %d test samples (%d features, %d classes)%n",
                cfg.data().name(), data.train().size(), data.test().size(), data.train().features(), data.train().classes()));
        if (n.plainDense()) {
            sb.append(String.format(Locale.ROOT, "- network: N = %d, %s, %s dynamics, %s; W at start %s randn(N, N)/sqrt(N);"
                            + " trained: %s%s%n", n.units(), n.nonlinearity(), n.dynamics(), n.precision(),
                    num(n.recurrentScale()), String.join(", ", trained), n.trainBias() ? "" : "; no bias"));
        } else {
            sb.append(String.format(Locale.ROOT, "- network: %s; %s, %s dynamics, %s; recurrent scale %s at start;"
                            + " trained: %s%s%n", network, n.nonlinearity(), n.dynamics(), n.precision(),
                    num(n.recurrentScale()), String.join(", ", trained), n.trainBias() ? "" : "; no bias"));
        }
        sb.append("- forward solver: ").append(s.method());
        if (s.method().equals("euler")) {
            sb.append(String.format(Locale.ROOT, ", alpha = %s, %s %d steps", num(s.alpha()),
                    s.tol() == 0 ? "exactly" : "at most", s.maxIter()));
            if (s.tol() > 0) {
                sb.append(", tol ").append(num(s.tol()));
            }
        } else {
            sb.append(String.format(Locale.ROOT, ", tol %s on max|r - f(W r + h)|, at most %d iterations",
                    num(s.tol()), s.maxIter()));
            if (s.method().equals("anderson")) {
                sb.append(String.format(Locale.ROOT, ", memory %d, mixing %s", s.memory(), num(s.beta())));
            }
        }
        if (ForwardSolverConfig.MEAN_GAIN.equals(s.preconditioner())) {
            sb.append("; solves from rest preconditioned by the batch's mean gains at rest where that pays (float"
                    + " networks with rate or discrete dynamics, at least one sample per unit)");
        }
        if (s.warmStart()) {
            sb.append("; in training each sample's solve starts where its previous visit ended (warm start; the"
                    + " first visit from rest)");
        }
        sb.append('\n');
        sb.append("- gains: ").append(cfg.rule().gains()).append("; adjoint of the gradient rule solved to relative residual ")
                .append(num(cfg.rule().adjointTol()));
        if (cfg.rule().adjointMemory() != null) {
            sb.append(" (Anderson memory ").append(cfg.rule().adjointMemory()).append(')');
        }
        if (!cfg.rule().meanGainPreconditioner()) {
            sb.append(", without the mean-gain preconditioner");
        }
        sb.append('\n');
        if (cfg.rule().bpttSteps() != null && cfg.sweep().rules().contains("bptt")) {
            sb.append(String.format(Locale.ROOT, "- bptt: backpropagation through its own unroll of %d Euler steps with"
                    + " alpha = %s from rest (the forward solver above gives the state for its test metrics)%n",
                    cfg.rule().bpttSteps(), num(cfg.rule().bpttAlpha())));
        }
        var dg = cfg.diagnostics();
        if (dg.every() > 0) {
            sb.append(String.format(Locale.ROOT, "- diagnostics every %d steps on the training batch before the update:"
                    + " angle between the rule's direction and the gradient's (all trained parameters); distance to"
                    + " singularity sigma_min(I - G_i W) on %d samples, G_i = f'(z_i), %s%n", dg.every(),
                    Math.min(dg.samples(), t.batchSize()),   // the first samples of the training batch
                    dg.singularity() ? "exact SVD up to " + dg.exactMaxUnits() + " units, inverse-iteration estimate"
                            + " (an upper bound) up to " + dg.denseMaxUnits() + ", not computed above" : "not computed"));
        }
        sb.append(String.format(Locale.ROOT, "- training: %s%s, batch %d, %d epoch%s (%d steps per run), cross-entropy%s;"
                        + " test batch of %d drawn afresh at every step; full test set %s%n", t.optimizer(),
                t.momentum() > 0 ? " (momentum " + num(t.momentum()) + ")"
                        : "global".equals(t.adamSecondMoment()) ? " with one second moment for all trained parameters"
                        + " (train.adam_second_moment = \"global\")" : "",
                t.batchSize(), t.epochs(), t.epochs() == 1 ? "" : "s", total, trainingOptions(t), t.testBatch(),
                t.fullTestEveryEpoch() ? "after every epoch" : "at the end"));
        sb.append("\n## Final accuracy on the full test set\n\n");
        boolean seeds = cfg.seeds().size() > 1;
        if (seeds) {
            sb.append("Mean \u00b1 standard deviation over the seeds whose run completed (n of them); seeds whose"
                    + " run stopped as diverged or failed are named in the cell; a run that completed but whose loss"
                    + " rose is counted, and named in the diverged column of the page's table of means.\n\n");
        }
        List<SeedGroup> groups = SeedGroup.of(plan.runs(), results);
        List<String> rules = cfg.sweep().rules();
        int cols = 0;
        for (String r : rules) {
            cols = Math.max(cols, (int) groups.stream().filter(g -> g.rule().equals(r)).count());
        }
        sb.append("| rule |");
        for (int i = 0; i < cols; i++) {
            sb.append(" learning rate ").append(i + 1).append(" |");
        }
        sb.append("\n|---|").append("---|".repeat(cols)).append('\n');
        for (String r : rules) {
            sb.append("| ").append(r).append(" |");
            int c = 0;
            for (SeedGroup g : groups) {
                if (g.rule().equals(r)) {
                    sb.append(' ').append(seeds ? g.cell() : "lr " + ClassificationPlan.lrText(g.lr()) + ": "
                            + outcomeCell(g.runs().getFirst(), false)).append(" |");
                    c++;
                }
            }
            sb.append(" |".repeat(cols - c)).append('\n');
        }
        if (seeds) {
            sb.append("\n## Mean over seeds\n\n| rule | lr | seeds completed | final test accuracy | best test accuracy |"
                    + " diverged | wall time per run |\n|---|---|---|---|---|---|---|\n");
            for (SeedGroup g : groups) {
                List<Long> div = g.divergedSeeds();
                sb.append("| ").append(g.rule()).append(" | ").append(ClassificationPlan.lrText(g.lr())).append(" | ")
                        .append(g.finalAccuracy().n()).append(" of ").append(g.runs().size()).append(" | ")
                        .append(g.finalAccuracy().percent()).append(" | ").append(g.bestAccuracy().percent()).append(" | ")
                        .append(div.isEmpty() ? "no" : "seed" + (div.size() > 1 ? "s " : " ") + div.stream()
                                .map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))).append(" | ")
                        .append(String.format(Locale.ROOT, "%.1f s", g.seconds().mean())).append(" |\n");
            }
        }
        sb.append("\n## Every run\n\n");
        sb.append("| rule | lr |").append(seeds ? " seed |" : "").append(" final test accuracy | final test loss |"
                + " best test accuracy | best test-batch accuracy | diverged | outcome | median solver iterations |"
                + " median angle to gradient | min distance to singularity | wall time |\n|---|---|")
                .append(seeds ? "---|" : "").append("---|---|---|---|---|---|---|---|---|---|\n");
        for (RunResult x : results) {
            EvalRecord f = x.finalTest();
            sb.append("| ").append(x.spec.rule()).append(" | ").append(ClassificationPlan.lrText(x.spec.lr())).append(" | ")
                    .append(seeds ? x.spec.seed() + " | " : "")
                    .append(f == null ? "-" : pct(f.accuracy())).append(" | ")
                    .append(f == null ? "-" : String.format(Locale.ROOT, "%.4f", f.loss())).append(" | ")
                    .append(pct(x.bestFullTestAccuracy())).append(" | ")
                    .append(pct(x.bestTestBatchAccuracy())).append(" | ")
                    .append(x.divergedByLoss() ? "yes" : "no").append(" | ")
                    .append(x.failed() ? "failed: " + x.divergence
                            : x.diverged() ? "diverged: " + x.divergence : "completed").append(" | ")
                    .append(ClassificationRunner.fmt(x.medianIterations())).append(" | ")
                    .append(degrees(x.medianAngle())).append(" | ")
                    .append(sigma(x.minSigma())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f s", x.seconds)).append(" |\n");
        }
        sb.append("\nBest test accuracy: the best full-test-set evaluation (after every epoch when"
                + " train.full_test_every_epoch, else only the end). Diverged: the run ended as diverged, a training loss"
                + " was not finite, no step's update was applied, or the loss rose: the mean training-batch loss of the"
                + " last w = min(" + RunResult.END_WINDOW + ", steps / 2) steps exceeds that of the first w by more than"
                + " twice the standard error of the difference (judged when w >= 2), or it blew up: the mean of the last"
                + " min(" + RunResult.END_WINDOW + ", steps - 1) is more than " + ClassificationRunner.fmt(
                RunResult.BLOW_UP_FACTOR) + " times the loss at step 0. Median angle to gradient and min distance to"
                + " singularity: over the"
                + " steps measured by [diagnostics] (" + NOT_RECORDED + ": not recorded).\n");
        int w = ClassificationFigures.window(total);
        sb.append("\n## Figures\n\n");
        sb.append("Loss and accuracy on the test batch drawn at each step (top row) and on the training batch (bottom row)"
                + (w > 1 ? ", as moving means over " + w + " steps" : "") + "; one panel per rule, one line per learning rate"
                + (seeds ? ": the mean of the seeds' curves, and shaded, their range (smallest to largest at each step)" : "")
                + ".\n\n");
        sb.append("![loss](figures/loss.png)\n\n![accuracy](figures/accuracy.png)\n\n");
        if (results.stream().allMatch(r -> r.eigenvalues == null)) {
            sb.append("Eigenvalues of W are not computed for networks of more than ")
                    .append(SweepNetwork.EIGENVALUES_MAX_UNITS).append(" units (a dense eigendecomposition).\n\n");
        } else {
            sb.append("Eigenvalues of W after learning, per rule (grey: W at start, the same for every run"
                    + (seeds ? " of a seed; the runs of the first seed, " + cfg.seed() + ", are shown" : "")
                    + (n.plainDense() ? "" : "; W is the recurrent operator's whole N x N matrix") + ").\n\n");
            sb.append("![eigenvalues](figures/eigenvalues.png)\n\n");
        }
        sb.append("Forward-solver iterations per step (median over the training batch).\n\n");
        sb.append("![iterations](figures/iterations.png)\n\n");
        if (ClassificationFigures.anyDiagnostics(results)) {
            sb.append("Diagnostics at the measured steps: angle between each rule's direction and the gradient (top row),"
                    + " smallest sigma_min(I - G_i W) over the samples measured (bottom row, log scale).\n\n");
            sb.append("![diagnostics](figures/" + ClassificationFigures.DIAGNOSTICS_FIGURE + ")\n\n");
        }
        sb.append("## Files\n\n`metrics.jsonl` (one line per step and per full-test evaluation), `summary.json`,"
                + " `runs/*.json` (per run, with the eigenvalues of W), `weights/*.safetensors` (parameters after"
                + " training).\n\nTo reproduce: `").append(info.get("command")).append("`\n");
        return sb.toString();
    }

    /**
     * The training options a run was made with beyond the optimizer and batch, each as "; clause":
     * weight decay, the learning-rate schedule and warm-up, clipping and shift augmentation; "" when
     * all are off.
     */
    static String trainingOptions(TrainConfig t) {
        StringBuilder sb = new StringBuilder();
        if (t.weightDecay() > 0) {
            sb.append("; weight decay ").append(num(t.weightDecay()))
                    .append(t.optimizer().equals("adam") ? " (decoupled, as AdamW)" : " (L2, added to the direction)");
        }
        int w = t.warmupSteps();
        String warmup = w > 0 ? " after a linear warm-up of " + w + " step" + (w == 1 ? "" : "s") : "";
        switch (t.schedule()) {
            case "cosine" -> sb.append("; learning rate decayed to 0 along a cosine over the run").append(warmup);
            case "step" -> sb.append("; learning rate times ").append(num(t.stepGamma())).append(" every ")
                    .append(t.stepEvery()).append(" steps").append(warmup);
            default -> sb.append(w > 0 ? "; learning rate constant" + warmup : "");
        }
        if (t.clipNorm() > 0) {
            sb.append("; direction clipped to Frobenius norm ").append(num(t.clipNorm()))
                    .append(" over all trained parameters");
        }
        if (t.augmentShift() > 0) {
            sb.append("; each training image shifted by up to ").append(t.augmentShift())
                    .append(t.augmentShift() == 1 ? " pixel" : " pixels").append(" along each axis");
        }
        return sb.toString();
    }

    /** A number as written in the pages: integers without ".0". */
    static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
