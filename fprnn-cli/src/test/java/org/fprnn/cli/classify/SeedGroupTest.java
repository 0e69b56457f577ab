package org.fprnn.cli.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.io.FormatException;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.junit.jupiter.api.Test;

/** Issue 13 item 1: the mean and standard deviation over seeds, on numbers checked by hand. */
class SeedGroupTest {

    /** A run of 4 steps ending with a full-test accuracy {@code acc}, or diverged after 2 steps. */
    private static RunResult run(String rule, double lr, long seed, double acc, String outcome) throws FormatException {
        RunSpec spec = new RunSpec(rule, lr, seed, seed != 1);
        List<String> lines = new ArrayList<>();
        int steps = outcome.equals("completed") ? 4 : 2;
        for (int k = 0; k < steps; k++) {
            lines.add(MetricsLines.step(rule, lr, seed, new StepRecord(k, 0, 2.0 - 0.1 * k, 0.5, 2.0, 0.5, 10, 8, 0,
                    0.01, null, null)));
        }
        if (outcome.equals("completed")) {
            lines.add(MetricsLines.eval(rule, lr, seed, new EvalRecord(4, 0, 0.5, acc, 8, 0)));
        }
        return new RunResult(spec, "{}", outcome, outcome.equals("completed") ? null : "step 1: norm too large", steps,
                4, lines, 10.0 * seed, null, null);
    }

    @Test
    void meanAndSampleStandardDeviationOfKnownNumbers() {
        // 0.8, 0.9, 1.0: mean 0.9; squared deviations 0.01 + 0 + 0.01 over n - 1 = 2 gives 0.01, sd 0.1.
        SeedGroup.Stats s = SeedGroup.Stats.of(new double[] {0.8, 0.9, 1.0});
        assertEquals(3, s.n());
        assertEquals(0.9, s.mean(), 1e-15);
        assertEquals(0.1, s.sd(), 1e-15);
        assertEquals("90.00 \u00b1 10.00%", s.percent());
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, 32 / 7 = 4.5714..., sd 2.13809...
        SeedGroup.Stats t = SeedGroup.Stats.of(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
        assertEquals(5.0, t.mean(), 1e-15);
        assertEquals(Math.sqrt(32.0 / 7), t.sd(), 1e-15);
        SeedGroup.Stats one = SeedGroup.Stats.of(new double[] {0.25});
        assertEquals(0.25, one.mean());
        assertTrue(Double.isNaN(one.sd()), "one value has no spread");
        assertEquals("25.00%", one.percent());
        assertEquals(0, SeedGroup.Stats.of(new double[0]).n());
    }

    @Test
    void groupsBySettingInPlanOrderAndNamesTheSeedThatDiverged() throws FormatException {
        List<RunSpec> plan = new ArrayList<>();
        List<RunResult> results = new ArrayList<>();
        double[][] acc = {{0.8, 0.9, 1.0}, {0.5, 0.6, 0.7}};
        for (long seed = 1; seed <= 3; seed++) {
            for (int k = 0; k < 2; k++) {
                double lr = k == 0 ? 0.1 : 0.01;
                boolean diverges = k == 1 && seed == 2;
                RunResult r = run("linearized", lr, seed, acc[k][(int) seed - 1], diverges ? "diverged" : "completed");
                plan.add(r.spec);
                results.add(r);
            }
        }
        List<SeedGroup> groups = SeedGroup.of(plan, results);
        assertEquals(2, groups.size());
        SeedGroup a = groups.get(0);
        assertEquals(0.1, a.lr());
        assertEquals(List.of(1L, 2L, 3L), a.runs().stream().map(r -> r.spec.seed()).toList());
        assertEquals(0.9, a.finalAccuracy().mean(), 1e-15);
        assertEquals(0.1, a.finalAccuracy().sd(), 1e-15);
        assertEquals("lr 0.1: 90.00 \u00b1 10.00% (n = 3)", a.cell());
        assertEquals(20.0, a.seconds().mean(), 1e-12);

        // Seed 2 diverged at lr 0.01: the aggregate is over seeds 1 and 3 (0.5, 0.7: mean 0.6, sd
        // sqrt(0.02) = 0.1414...), and the cell names seed 2.
        SeedGroup b = groups.get(1);
        assertEquals(2, b.finalAccuracy().n());
        assertEquals(0.6, b.finalAccuracy().mean(), 1e-15);
        assertEquals(Math.sqrt(0.02), b.finalAccuracy().sd(), 1e-15);
        assertEquals("lr 0.01: 60.00 \u00b1 14.14% (n = 2); seed 2 diverged at step 2", b.cell());
        Map<String, Object> s = b.summary();
        assertEquals(List.of(1L, 3L), s.get("completed_seeds"));
        assertEquals(List.of(2L), s.get("diverged_seeds"));
        assertEquals(List.of("seed 2 diverged at step 2"), s.get("not_completed"));
        // the figures' legend: nothing when every seed completed, else the count of those that did not
        assertEquals("", ClassificationFigures.label(a));
        assertEquals(" (1 of 3 diverged)", ClassificationFigures.label(b));
    }
    /**
     * A seed whose run failed with an error (outcome "failed", no final test) is left out of the
     * aggregate and named, beside one that diverged.
     */
    @Test
    void aSeedThatFailedIsNamedAndLeftOutOfTheAggregate() throws FormatException {
        List<RunSpec> plan = new ArrayList<>();
        List<RunResult> results = new ArrayList<>();
        String[] outcome = {"completed", "failed", "diverged", "completed"};
        double[] acc = {0.7, 0, 0, 0.9};
        for (long seed = 1; seed <= 4; seed++) {
            RunResult r = run("gradient", 0.1, seed, acc[(int) seed - 1], outcome[(int) seed - 1]);
            plan.add(r.spec);
            results.add(r);
        }
        SeedGroup g = SeedGroup.of(plan, results).getFirst();
        assertEquals(2, g.finalAccuracy().n());
        assertEquals(0.8, g.finalAccuracy().mean(), 1e-15);
        assertEquals(List.of("seed 2 failed", "seed 3 diverged at step 2"), g.notCompleted());
        assertTrue(g.cell().contains("seed 2 failed") && g.cell().contains("(n = 2)"), g.cell());
        assertEquals(List.of(1L, 4L), g.summary().get("completed_seeds"));
        assertEquals(" (1 of 4 diverged, 1 of 4 failed)", ClassificationFigures.label(g));
    }
}
