package org.fprnn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.diag.StepDiagnostics;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;

/**
 * Lines of metrics.jsonl. A step line: rule, lr, (seed, written by fprnn run), step, epoch, train_loss, train_acc, test_loss,
 * test_acc, iterations_max, iterations_median, not_converged, seconds (test_* are on the test batch
 * drawn at that step, measured after the update). An evaluation line: rule, lr, eval ("full_test"),
 * step (steps done), epoch, full_test_loss, full_test_acc, iterations_median, not_converged.
 * A step whose update was not applied also has "refused" (why: non-finite loss or direction, a
 * direction norm above train.max_direction_norm, weights that would become non-finite) or
 * "skipped" (samples that did not converge, under train.on_nonconverged = "skip" or "stop"); its
 * test_* are null. A step measured by the diagnostics ([diagnostics] every) also has, after those:
 * angle and angle_recurrent (degrees between the rule's direction and the gradient rule's, over all
 * trained parameters and over the recurrent operator's), sigma_min and sigma_median (smallest and
 * median sigma_min(I - G_i W) over sigma_samples samples of the training batch, by sigma_method
 * "exact", "estimate" or "none") and diag_seconds (the measurement's time, not in seconds).
 * Non-finite numbers are written as null. Numbers round-trip exactly. Written by fprnn run
 * (fprnn-cli) and by fprnn-spark.
 */
public final class MetricsLines {
    private MetricsLines() {
    }

    public static String step(String rule, double lr, StepRecord s) {
        return step(rule, lr, null, s);
    }

    /** A step line of a run of a sweep over seeds: "seed" follows "lr" (null: no seed field). */
    public static String step(String rule, double lr, Long seed, StepRecord s) {
        Map<String, Object> m = head(rule, lr, seed);
        m.put("step", s.step());
        m.put("epoch", s.epoch());
        m.put("train_loss", s.trainLoss());
        m.put("train_acc", s.trainAccuracy());
        m.put("test_loss", s.testLoss());
        m.put("test_acc", s.testAccuracy());
        m.put("iterations_max", s.iterationsMax());
        m.put("iterations_median", s.iterationsMedian());
        m.put("not_converged", s.notConverged());
        m.put("seconds", s.seconds());
        if (s.refused() != null) {
            m.put("refused", s.refused());
        }
        if (s.skipped() != null) {
            m.put("skipped", s.skipped());
        }
        StepDiagnostics d = s.diagnostics();
        if (d != null) {
            m.put("angle", d.angle());
            m.put("angle_recurrent", d.angleRecurrent());
            m.put("sigma_min", d.sigmaMin());
            m.put("sigma_median", d.sigmaMedian());
            m.put("sigma_samples", d.sigmaSamples());
            m.put("sigma_method", d.sigmaMethod());
            m.put("diag_seconds", d.seconds());
        }
        return Json.write(m);
    }

    public static String eval(String rule, double lr, EvalRecord e) {
        return eval(rule, lr, null, e);
    }

    /** An evaluation line of a run of a sweep over seeds ("seed" follows "lr"; null: none). */
    public static String eval(String rule, double lr, Long seed, EvalRecord e) {
        Map<String, Object> m = head(rule, lr, seed);
        m.put("eval", "full_test");
        m.put("step", e.step());
        m.put("epoch", e.epoch());
        m.put("full_test_loss", e.loss());
        m.put("full_test_acc", e.accuracy());
        m.put("iterations_median", e.medianIterations());
        m.put("not_converged", e.notConverged());
        return Json.write(m);
    }

    private static Map<String, Object> head(String rule, double lr, Long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", rule);
        m.put("lr", lr);
        if (seed != null) {
            m.put("seed", seed);
        }
        return m;
    }

    /** A parsed line: a StepRecord or an EvalRecord. */
    public static Object parse(String line, String source) throws FormatException {
        if (!(Json.parse(line, source) instanceof Map<?, ?> m)) {
            throw new FormatException(source, "a metrics line is not a JSON object: " + line);
        }
        if (m.containsKey("eval")) {
            return new EvalRecord(i(m, "step"), i(m, "epoch"), d(m, "full_test_loss"), d(m, "full_test_acc"),
                    d(m, "iterations_median"), i(m, "not_converged"));
        }
        StepDiagnostics diag = m.containsKey("sigma_method")
                ? new StepDiagnostics(d(m, "angle"), d(m, "angle_recurrent"), d(m, "sigma_min"), d(m, "sigma_median"),
                        i(m, "sigma_samples"), str(m, "sigma_method"), d(m, "diag_seconds"))
                : null;
        return new StepRecord(i(m, "step"), i(m, "epoch"), d(m, "train_loss"), d(m, "train_acc"), d(m, "test_loss"),
                d(m, "test_acc"), i(m, "iterations_max"), d(m, "iterations_median"), i(m, "not_converged"),
                d(m, "seconds"), str(m, "refused"), str(m, "skipped"), diag);
    }

    private static String str(Map<?, ?> m, String k) {
        return m.get(k) == null ? null : String.valueOf(m.get(k));
    }

    private static double d(Map<?, ?> m, String k) {
        return m.get(k) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static int i(Map<?, ?> m, String k) {
        return m.get(k) instanceof Number n ? n.intValue() : -1;
    }
}
