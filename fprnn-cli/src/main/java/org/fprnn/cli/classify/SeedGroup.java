package org.fprnn.cli.classify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.train.EvalRecord;

/**
 * The finished runs of one rule and learning rate over the seeds of a sweep, and what the results
 * pages say about them: the mean and standard deviation over the seeds whose run completed, and
 * which seeds did not (diverged or failed, named so that a mean over fewer seeds is never mistaken
 * for one over all).
 *
 * @param rule the rule
 * @param lr the learning rate
 * @param runs the finished runs of this setting, in seed order
 */
record SeedGroup(String rule, double lr, List<RunResult> runs) {

    /** Mean and sample standard deviation (n - 1 in the denominator; NaN when n < 2) of n values. */
    record Stats(int n, double mean, double sd) {
        static Stats of(double[] v) {
            if (v.length == 0) {
                return new Stats(0, Double.NaN, Double.NaN);
            }
            double s = 0;
            for (double x : v) {
                s += x;
            }
            double mean = s / v.length;
            if (v.length < 2) {
                return new Stats(1, mean, Double.NaN);
            }
            double q = 0;
            for (double x : v) {
                q += (x - mean) * (x - mean);
            }
            return new Stats(v.length, mean, Math.sqrt(q / (v.length - 1)));
        }

        /** A fraction as a percentage "85.51 ± 0.32%" ("85.51%" for one value, "-" for none). */
        String percent() {
            if (n == 0) {
                return "-";
            }
            return n == 1 ? String.format(Locale.ROOT, "%.2f%%", 100 * mean)
                    : String.format(Locale.ROOT, "%.2f \u00b1 %.2f%%", 100 * mean, 100 * sd);
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n);
            m.put("mean", mean);
            m.put("sd", sd);
            return m;
        }
    }

    /** The runs grouped by (rule, learning rate), in the order the plan first names each setting. */
    static List<SeedGroup> of(List<RunSpec> plan, List<RunResult> results) {
        List<SeedGroup> out = new ArrayList<>();
        for (RunSpec spec : plan) {
            if (out.stream().anyMatch(g -> g.rule.equals(spec.rule()) && g.lr == spec.lr())) {
                continue;
            }
            List<RunResult> runs = new ArrayList<>();
            for (RunSpec s : plan) {
                if (s.sameSetting(spec)) {
                    results.stream().filter(r -> r.spec.equals(s)).findFirst().ifPresent(runs::add);
                }
            }
            if (!runs.isEmpty()) {
                out.add(new SeedGroup(spec.rule(), spec.lr(), List.copyOf(runs)));
            }
        }
        return out;
    }

    /** Final full-test accuracy over the seeds whose run completed. */
    Stats finalAccuracy() {
        return Stats.of(runs.stream().map(RunResult::finalTest).filter(java.util.Objects::nonNull)
                .mapToDouble(EvalRecord::accuracy).toArray());
    }

    /** Best full-test accuracy over the seeds whose run completed. */
    Stats bestAccuracy() {
        return Stats.of(runs.stream().filter(r -> r.finalTest() != null).mapToDouble(RunResult::bestFullTestAccuracy)
                .filter(Double::isFinite).toArray());
    }

    /** Wall time per run, over every run of the setting. */
    Stats seconds() {
        return Stats.of(runs.stream().mapToDouble(r -> r.seconds).toArray());
    }

    /** The seeds whose run did not complete, as "seed 2 diverged at step 12", "seed 3 failed". */
    List<String> notCompleted() {
        List<String> out = new ArrayList<>();
        for (RunResult r : runs) {
            if (r.failed()) {
                out.add("seed " + r.spec.seed() + " failed");
            } else if (r.diverged()) {
                out.add("seed " + r.spec.seed() + " diverged at step " + r.stepsDone);
            } else if (r.finalTest() == null) {
                out.add("seed " + r.spec.seed() + " has no final test");
            }
        }
        return out;
    }

    /** Seeds whose run diverged in the sense of the results table (see {@link RunResult#divergedByLoss()}). */
    List<Long> divergedSeeds() {
        return runs.stream().filter(RunResult::divergedByLoss).map(r -> r.spec.seed()).toList();
    }

    /** The cell of the headline table: "lr 0.1: 85.51 ± 0.32% (n = 3)", naming seeds that did not complete. */
    String cell() {
        Stats f = finalAccuracy();
        String text = f.n() == 0 ? "no seed completed" : f.percent() + " (n = " + f.n() + ")";
        List<String> missing = notCompleted();
        return "lr " + ClassificationPlan.lrText(lr) + ": " + text + (missing.isEmpty() ? "" : "; " + String.join(", ", missing));
    }

    /** What summary.json says about this setting. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", rule);
        m.put("lr", lr);
        m.put("seeds", runs.stream().map(r -> r.spec.seed()).toList());
        m.put("completed_seeds", runs.stream().filter(r -> r.finalTest() != null).map(r -> r.spec.seed()).toList());
        m.put("not_completed", notCompleted());
        m.put("diverged_seeds", divergedSeeds());
        m.put("final_test_acc", finalAccuracy().json());
        m.put("best_full_test_acc", bestAccuracy().json());
        m.put("wall_seconds_per_run", seconds().json());
        return m;
    }
}
