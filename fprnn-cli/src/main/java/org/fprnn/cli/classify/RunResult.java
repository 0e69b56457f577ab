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
import org.fprnn.io.Checksums;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;

/**
 * A finished run of a sweep (completed, diverged or failed) with its metrics, as kept in
 * runs/ID.json and runs/ID.metrics.jsonl of the results folder. The .json file is written last, so
 * its presence means the run is done and a new invocation skips it. It records the SHA-256 of its
 * metrics file (metrics_sha256) and of its weights file (weights_sha256, as sha256sum prints it);
 * {@link #load} checks both, so a finished run whose weights were deleted or altered is refused,
 * not reported as finished. Records of earlier versions hold no checksums: their files are checked
 * for presence and form only ({@link #verified} false). A folder taken from git has no weights
 * (weights/ is too large to commit); told so (fprnn run --allow-missing-weights), {@link #load}
 * accepts a missing weights file and uses the run from its record and metrics, still checked.
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
    /** SHA-256 of weights/ID.safetensors, or null (a run that failed, or a record of an earlier version). */
    final String weightsSha256;
    /** True if this run was loaded from a record whose checksums were all checked (or was made now). */
    final boolean verified;
    /** False if weights/ID.safetensors was missing and the caller accepted that. */
    final boolean weightsPresent;

    RunResult(RunSpec spec, String settings, String outcome, String divergence, int stepsDone, int totalSteps,
              List<String> lines, double seconds, double[][] eigenvalues, String weightsSha256) throws FormatException {
        this(spec, settings, outcome, divergence, stepsDone, totalSteps, lines, seconds, eigenvalues, weightsSha256,
                true, true, spec.id() + " metrics");
    }

    private RunResult(RunSpec spec, String settings, String outcome, String divergence, int stepsDone, int totalSteps,
                      List<String> lines, double seconds, double[][] eigenvalues, String weightsSha256, boolean verified,
                      boolean weightsPresent, String linesSource) throws FormatException {
        this.spec = spec;
        this.settings = settings;
        this.outcome = outcome;
        this.divergence = divergence;
        this.stepsDone = stepsDone;
        this.totalSteps = totalSteps;
        this.lines = List.copyOf(lines);
        this.seconds = seconds;
        this.eigenvalues = eigenvalues;
        this.weightsSha256 = weightsSha256;
        this.verified = verified;
        this.weightsPresent = weightsPresent;
        for (String l : lines) {
            switch (MetricsLines.parse(l, linesSource)) {
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
     * Diverged in the sense of PROTOCOLS P3 ("non-finite loss or loss above its starting value at the
     * end"), made precise so that neither a run that never learned passes nor a healthy short run
     * fails. A run diverged if
     * <ul>
     *   <li>it ended as diverged or failed, or
     *   <li>a training-batch loss was not finite, or
     *   <li>no step's update was applied (every step refused or skipped), or
     *   <li>its loss rose: with n steps and w = min(10, n / 2) steps at each end (judged only when
     *       w >= 2), the mean training-batch loss of the last w steps exceeds the mean of the first w
     *       by more than twice the standard error of that difference, so that batch-to-batch noise
     *       is not taken for a rise, or
     *   <li>it blew up ({@link #blewUp}): the mean training-batch loss of its last min(10, n - 1)
     *       steps is more than twice the loss at step 0, the untrained network's. A blow-up in the
     *       first steps lifts the first window as much as the last, so the rise test misses it.
     * </ul>
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
        if (steps.stream().allMatch(StepRecord::withoutUpdate)) {
            return true;
        }
        double[] loss = steps.stream().mapToDouble(StepRecord::trainLoss).toArray();
        return lossRose(loss) || blewUp(loss);
    }

    /**
     * A run's end loss more than this many times its loss at start is a blow-up: far above the
     * batch-to-batch noise of a run that learned nothing, whose loss stays near where it started.
     */
    static final double BLOW_UP_FACTOR = 2;

    /**
     * The blow-up test of {@link #divergedByLoss()} on a run's training-batch losses (all finite): the
     * mean of the last min(10, n - 1) is more than {@link #BLOW_UP_FACTOR} times loss[0], the loss of
     * the untrained network (step 0's batch is measured before the first update); judged when n >= 2.
     */
    static boolean blewUp(double[] loss) {
        if (loss.length < 2) {
            return false;
        }
        int w = Math.min(END_WINDOW, loss.length - 1);
        return mean(java.util.Arrays.copyOfRange(loss, loss.length - w, loss.length)) > BLOW_UP_FACTOR * loss[0];
    }

    /** The rise test of {@link #divergedByLoss()} on a run's training-batch losses (all finite). */
    static boolean lossRose(double[] loss) {
        int w = Math.min(END_WINDOW, loss.length / 2);
        if (w < 2) {
            return false;
        }
        double[] first = java.util.Arrays.copyOfRange(loss, 0, w);
        double[] last = java.util.Arrays.copyOfRange(loss, loss.length - w, loss.length);
        double se = Math.sqrt((variance(first) + variance(last)) / w);
        return mean(last) - mean(first) > 2 * se;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample variance (n - 1 in the denominator). */
    private static double variance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return s / (v.length - 1);
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
        m.put("seed", spec.seed());
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
        m.put("weights_sha256", weightsSha256);
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
        byte[] metrics = joinLines(lines).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(metricsFile(runsDir, spec), metrics);
        Map<String, Object> m = summary();
        m.put("metrics_sha256", Checksums.of(metrics));
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

    /**
     * The saved run, or null if it has not finished. Checks the record, its metrics file and its
     * weights file (present, and matching their recorded checksums); a problem is a FormatException
     * naming the file.
     *
     * @param allowMissingWeights accept a missing weights file (a folder taken from git); a weights
     *     file that is present is still checked
     */
    static RunResult load(Path runsDir, RunSpec spec, boolean allowMissingWeights) throws IOException {
        Path jf = jsonFile(runsDir, spec);
        if (!Files.isRegularFile(jf)) {
            return null;
        }
        Map<?, ?> m = record(jf);
        String outcome = String.valueOf(m.get("outcome"));
        if (!List.of("completed", "diverged").contains(outcome)) {
            throw new FormatException(jf, "records the outcome " + m.get("outcome") + "; a finished run's is"
                    + " completed or diverged");
        }
        int stepsDone = count(m, "steps_done", jf);
        int totalSteps = count(m, "total_steps", jf);
        if (stepsDone > totalSteps) {
            throw new FormatException(jf, "records " + stepsDone + " steps done of " + totalSteps);
        }
        Path mf = metricsFile(runsDir, spec);
        if (!Files.isRegularFile(mf)) {
            throw new FormatException(mf, "is missing (the metrics of the finished run in " + jf.getFileName() + ")");
        }
        byte[] metricsBytes = Files.readAllBytes(mf);
        boolean verified = m.get("metrics_sha256") != null;
        if (verified && !Checksums.of(metricsBytes).equals(m.get("metrics_sha256"))) {
            throw new FormatException(mf, "does not match the SHA-256 recorded in " + jf.getFileName()
                    + ": the file was altered or damaged");
        }
        List<String> lines = new String(metricsBytes, java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> !l.isBlank()).toList();
        Path wf = runsDir.resolveSibling("weights").resolve(spec.id() + ".safetensors");
        boolean weightsPresent = Files.isRegularFile(wf);
        if (!weightsPresent && !allowMissingWeights) {
            throw new FormatException(wf, "is missing (the weights of the finished run in " + jf.getFileName() + ")."
                    + " If this folder came from git, which does not keep weights/, add --allow-missing-weights to"
                    + " use the run from its record and metrics");
        }
        String weightsSha = m.get("weights_sha256") instanceof String w ? w : null;
        if (weightsPresent && weightsSha != null && !weightsSha.equals(Checksums.ofFile(wf))) {
            throw new FormatException(wf, "does not match the SHA-256 recorded in " + jf.getFileName()
                    + ": the weights were altered or replaced");
        }
        verified &= weightsSha != null;
        List<?> eig = m.get("eigenvalues_W") instanceof List<?> l ? l : List.of();
        double[][] e = eig.isEmpty() ? null : new double[eig.size()][];
        for (int i = 0; i < eig.size(); i++) {
            if (!(eig.get(i) instanceof List<?> p) || p.size() != 2) {
                throw new FormatException(jf, "has an eigenvalue that is not a pair [re, im]: " + eig.get(i));
            }
            e[i] = new double[] {num(p.get(0)), num(p.get(1))};
        }
        return new RunResult(spec, Json.write(m.get("settings")), outcome,
                m.get("divergence") == null ? null : String.valueOf(m.get("divergence")),
                stepsDone, totalSteps, lines, num(m.get("wall_seconds")), e, weightsSha, verified, weightsPresent, mf.toString());
    }

    /** A run record's JSON object; a FormatException if it is not one. */
    private static Map<?, ?> record(Path jf) throws IOException {
        String text;
        try {
            text = Files.readString(jf);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new FormatException(jf, "is not UTF-8 text: the file was damaged");
        }
        if (!(Json.parse(text, jf.toString()) instanceof Map<?, ?> m)) {
            throw new FormatException(jf, "is not a JSON object");
        }
        return m;
    }

    private static int count(Map<?, ?> m, String key, Path jf) throws FormatException {
        if (!(m.get(key) instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() > Integer.MAX_VALUE) {
            throw new FormatException(jf, "has " + key + " = " + m.get(key) + "; it must be a whole number >= 0");
        }
        return n.intValue();
    }

    /** The settings a saved run was made with, or null if there is none. */
    static String savedSettings(Path runsDir, RunSpec spec) throws IOException {
        Path jf = jsonFile(runsDir, spec);
        if (!Files.isRegularFile(jf)) {
            return null;
        }
        return Json.write(record(jf).get("settings"));
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
