package org.fprnn.cli.classify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.diag.StepDiagnostics;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;

/**
 * A finished run of a sweep (completed, diverged or failed) with its metrics, as kept in
 * runs/ID.json and runs/ID.metrics.jsonl of the results folder. The .json file is written last, so
 * its presence means the run is done and a new invocation skips it.
 */
final class RunResult {
    final RunSpec spec;
    final String settings;
    final String outcome;
    final String divergence;
    final int stepsDone;
    final int totalSteps;
    final List<String> lines;
    final List<StepRecord> steps = new ArrayList<>();
    final List<EvalRecord> evals = new ArrayList<>();
    final double seconds;
    final double[][] eigenvalues;

    RunResult(RunSpec spec, String settings, String outcome, String divergence, int stepsDone, int totalSteps,
              List<String> lines, double seconds, double[][] eigenvalues) throws FormatException {
        this.spec = spec;
        this.settings = settings;
        this.outcome = outcome;
        this.divergence = divergence;
        this.stepsDone = stepsDone;
        this.totalSteps = totalSteps;
        this.lines = List.copyOf(lines);
        this.seconds = seconds;
        this.eigenvalues = eigenvalues;
        for (String l : lines) {
            switch (MetricsLines.parse(l, spec.id() + " metrics")) {
                case StepRecord s -> steps.add(s);
                case EvalRecord e -> evals.add(e);
                default -> throw new IllegalStateException();
            }
        }
    }

    boolean diverged() {
        return outcome.equals("diverged");
    }

    boolean failed() {
        return outcome.equals("failed");
    }

    /** The evaluation on the full test set at the end of training, or null (diverged or failed). */
    EvalRecord finalTest() {
        if (!outcome.equals("completed") || evals.isEmpty()) {
            return null;
        }
        EvalRecord last = evals.getLast();
        return last.step() == totalSteps ? last : null;
    }

    /** True if the run's solver has a tolerance > 0 (so per-sample convergence means something). */
    boolean convergenceChecked() {
        try {
            if (Json.parse(settings, "settings") instanceof Map<?, ?> m && m.get("solver") instanceof Map<?, ?> s
                    && s.get("tol") instanceof Number t) {
                return t.doubleValue() > 0;
            }
        } catch (FormatException e) {
            // unreadable settings: fall through
        }
        return true;
    }

    double bestTestBatchAccuracy() {
        return steps.stream().mapToDouble(StepRecord::testAccuracy).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    /** Best accuracy over the full-test evaluations (every epoch, or only the end), or NaN if none. */
    double bestFullTestAccuracy() {
        return evals.stream().mapToDouble(EvalRecord::accuracy).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    /** Steps over which the end of training is averaged for {@link #endTrainLoss()}. */
    static final int END_WINDOW = 10;

    /** Mean training-batch loss over the last (up to) 10 steps, NaN if one of them is not finite. */
    double endTrainLoss() {
        if (steps.isEmpty()) {
            return Double.NaN;
        }
        double s = 0;
        int n = Math.min(END_WINDOW, steps.size());
        for (int i = steps.size() - n; i < steps.size(); i++) {
            s += steps.get(i).trainLoss();
        }
        return s / n;
    }

    /**
     * Diverged in the sense of PROTOCOLS P3: the run ended as diverged or failed, a training loss was
     * not finite, or the loss at the end (mean training-batch loss over the last 10 steps) is above
     * its starting value (the training-batch loss of step 0).
     */
    boolean divergedByLoss() {
        if (diverged() || failed()) {
            return true;
        }
        if (steps.isEmpty()) {
            return false;
        }
        for (StepRecord s : steps) {
            if (!Double.isFinite(s.trainLoss())) {
                return true;
            }
        }
        return endTrainLoss() > steps.getFirst().trainLoss();
    }

    /** The diagnostics recorded, in step order. */
    List<StepDiagnostics> diagnostics() {
        return steps.stream().map(StepRecord::diagnostics).filter(java.util.Objects::nonNull).toList();
    }

    /** Median over the diagnosed steps of the angle to the gradient (all parameters), NaN if none. */
    double medianAngle() {
        return median(diagnostics().stream().mapToDouble(StepDiagnostics::angle));
    }

    double medianAngleRecurrent() {
        return median(diagnostics().stream().mapToDouble(StepDiagnostics::angleRecurrent));
    }

    /** Smallest sigma_min(I - G_i W) seen over every diagnosed step and sample, NaN if none. */
    double minSigma() {
        return diagnostics().stream().mapToDouble(StepDiagnostics::sigmaMin).filter(Double::isFinite).min()
                .orElse(Double.NaN);
    }

    /** Median median over the diagnosed steps of sigma_min(I - G_i W). */
    double medianSigma() {
        return median(diagnostics().stream().mapToDouble(StepDiagnostics::sigmaMedian));
    }

    /** Median of the finite values, NaN if there is none. */
    static double median(java.util.stream.DoubleStream values) {
        double[] v = values.filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }

    double medianIterations() {
        double[] v = steps.stream().mapToDouble(StepRecord::iterationsMedian).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }

    /** What summary.json says about this run. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", spec.rule());
        m.put("lr", spec.lr());
        m.put("outcome", outcome);
        m.put("diverged", diverged());
        m.put("divergence", divergence);
        m.put("steps_done", stepsDone);
        m.put("total_steps", totalSteps);
        EvalRecord f = finalTest();
        m.put("final_test_loss", f == null ? Double.NaN : f.loss());
        m.put("final_test_acc", f == null ? Double.NaN : f.accuracy());
        m.put("best_test_batch_acc", bestTestBatchAccuracy());
        m.put("initial_train_loss", steps.isEmpty() ? Double.NaN : steps.getFirst().trainLoss());
        m.put("final_train_loss", steps.isEmpty() ? Double.NaN : steps.getLast().trainLoss());
        m.put("median_iterations", medianIterations());
        m.put("best_full_test_acc", bestFullTestAccuracy());
        m.put("end_train_loss", endTrainLoss());
        m.put("loss_diverged", divergedByLoss());
        List<StepDiagnostics> diag = diagnostics();
        m.put("diagnosed_steps", diag.size());
        m.put("median_angle", medianAngle());
        m.put("median_angle_recurrent", medianAngleRecurrent());
        m.put("steps_angle_above_90", diag.stream().filter(d -> d.angle() > 90).count());
        m.put("min_sigma", minSigma());
        m.put("median_sigma", medianSigma());
        m.put("sigma_method", diag.isEmpty() ? null : diag.getLast().sigmaMethod());
        m.put("steps_not_all_converged", steps.stream().filter(s -> s.notConverged() > 0).count());
        // Safety policy (train.on_nonconverged, max_direction_norm): steps without an update, and
        // training samples that did not converge (counted only when solver.tol > 0: with tol = 0,
        // e.g. fixed-step Euler, convergence is not checked and this is null).
        m.put("refused_steps", steps.stream().filter(s -> s.refused() != null).count());
        m.put("skipped_steps", steps.stream().filter(s -> s.skipped() != null).count());
        boolean checked = convergenceChecked();
        m.put("convergence_checked", checked);
        m.put("not_converged_samples", checked ? steps.stream().mapToLong(StepRecord::notConverged).sum() : null);
        List<Object> ev = new ArrayList<>();
        for (EvalRecord e : evals) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("step", e.step());
            x.put("epoch", e.epoch());
            x.put("loss", e.loss());
            x.put("accuracy", e.accuracy());
            ev.add(x);
        }
        m.put("full_test", ev);
        if (eigenvalues != null) {
            double radius = 0;
            double maxRe = Double.NEGATIVE_INFINITY;
            for (double[] e : eigenvalues) {
                radius = Math.max(radius, Math.hypot(e[0], e[1]));
                maxRe = Math.max(maxRe, e[0]);
            }
            m.put("spectral_radius_W", radius);
            m.put("max_real_eigenvalue_W", maxRe);
        }
        m.put("wall_seconds", seconds);
        m.put("weights", "weights/" + spec.id() + ".safetensors");
        return m;
    }

    static Path jsonFile(Path runsDir, RunSpec spec) {
        return runsDir.resolve(spec.id() + ".json");
    }

    static Path metricsFile(Path runsDir, RunSpec spec) {
        return runsDir.resolve(spec.id() + ".metrics.jsonl");
    }

    /** Writes the metrics, then the record (whose presence marks the run done). */
    void save(Path runsDir) throws IOException {
        AtomicFiles.write(metricsFile(runsDir, spec), joinLines(lines).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Object> m = summary();
        m.put("settings", Json.parse(settings, "settings"));
        List<Object> eig = new ArrayList<>();
        if (eigenvalues != null) {
            for (double[] e : eigenvalues) {
                eig.add(e);
            }
        }
        m.put("eigenvalues_W", eig);
        AtomicFiles.write(jsonFile(runsDir, spec), Json.pretty(m).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The saved run, or null if it has not finished. */
    static RunResult load(Path runsDir, RunSpec spec) throws IOException {
        Path jf = jsonFile(runsDir, spec);
        if (!Files.isRegularFile(jf)) {
            return null;
        }
        if (!(Json.parse(Files.readString(jf), jf.toString()) instanceof Map<?, ?> m)) {
            throw new FormatException(jf, "is not a JSON object");
        }
        List<String> lines = Files.readAllLines(metricsFile(runsDir, spec)).stream().filter(l -> !l.isBlank()).toList();
        List<?> eig = m.get("eigenvalues_W") instanceof List<?> l ? l : List.of();
        double[][] e = eig.isEmpty() ? null : new double[eig.size()][];
        for (int i = 0; i < eig.size(); i++) {
            List<?> p = (List<?>) eig.get(i);
            e[i] = new double[] {num(p.get(0)), num(p.get(1))};
        }
        return new RunResult(spec, Json.write(m.get("settings")), String.valueOf(m.get("outcome")),
                m.get("divergence") == null ? null : String.valueOf(m.get("divergence")),
                (int) num(m.get("steps_done")), (int) num(m.get("total_steps")), lines, num(m.get("wall_seconds")), e);
    }

    /** The settings a saved run was made with, or null if there is none. */
    static String savedSettings(Path runsDir, RunSpec spec) throws IOException {
        Path jf = jsonFile(runsDir, spec);
        if (!Files.isRegularFile(jf)) {
            return null;
        }
        if (!(Json.parse(Files.readString(jf), jf.toString()) instanceof Map<?, ?> m)) {
            throw new FormatException(jf, "is not a JSON object");
        }
        return Json.write(m.get("settings"));
    }

    static String joinLines(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    @Override
    public String toString() {
        return spec.label() + ": " + outcome + ", " + stepsDone + " of " + totalSteps + " steps";
    }
}
