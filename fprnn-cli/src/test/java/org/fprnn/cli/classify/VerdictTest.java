package org.fprnn.cli.classify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.io.FormatException;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 7: the "diverged" verdict of a classification run ({@link RunResult#divergedByLoss()}).
 * A healthy short run whose batch losses only wobble is not diverged (the last-10-steps mean
 * against the first step's loss called it diverged); a run whose loss clearly rises is; a run none
 * of whose steps was applied is, whatever its losses; a run that blows up at its first step is,
 * though its first window is as high as its last.
 */
class VerdictTest {
    private static final RunSpec SPEC = new RunSpec("gradient", 0.1, 1);

    private static RunResult run(double[] losses, boolean refused) throws FormatException {
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < losses.length; k++) {
            lines.add(MetricsLines.step(SPEC.rule(), SPEC.lr(), new StepRecord(k, 0, losses[k], 0.5, Double.NaN,
                    Double.NaN, 10, 8, 0, 0.01, refused ? "the direction has norm 5 > 1e-30" : null, null)));
        }
        return new RunResult(SPEC, "{}", "completed", null, losses.length, losses.length, lines, 1.0, null, null);
    }

    @Test
    void aHealthyShortRunWhoseBatchLossesWobbleIsNotDiverged() throws FormatException {
        // The mean of these six is above the first: the old rule said "diverged".
        double[] wobble = {2.0, 2.4, 1.9, 2.2, 1.95, 2.1};
        assertFalse(run(wobble, false).divergedByLoss());
        double[] falling = {2.3, 2.2, 2.25, 2.0, 1.8, 1.9, 1.5, 1.4};
        assertFalse(run(falling, false).divergedByLoss());
        assertFalse(run(new double[] {2.3, 2.5}, false).divergedByLoss(), "two steps: too few to judge a rise");
    }

    @Test
    void aRunWhoseLossRisesIsDiverged() throws FormatException {
        double[] rising = {2.30, 2.31, 2.29, 2.30, 2.32, 3.0, 3.5, 4.0, 4.2, 4.5};
        assertTrue(run(rising, false).divergedByLoss());
        double[] longRise = new double[40];
        for (int k = 0; k < longRise.length; k++) {
            longRise[k] = 2.3 + 0.02 * k + 0.05 * Math.sin(7 * k);
        }
        assertTrue(run(longRise, false).divergedByLoss());
        assertTrue(run(new double[] {2.3, Double.NaN, 2.2}, false).divergedByLoss(), "a non-finite loss");
    }

    /**
     * Loss 2.27 at step 0, then 8.5 from step 1 on (accuracy below chance): the rise test compares with
     * the first 10 steps, nine of them as high as the end, and missed it.
     */
    @Test
    void aRunThatBlowsUpAtItsFirstStepIsDiverged() throws FormatException {
        double[] blowUp = new double[30];
        for (int k = 0; k < blowUp.length; k++) {
            blowUp[k] = k == 0 ? 2.27 : 8.55 + 0.3 * Math.sin(3 * k);
        }
        assertFalse(RunResult.lossRose(blowUp), "the rise test alone misses it");
        assertTrue(run(blowUp, false).divergedByLoss());
        assertTrue(run(new double[] {2.3, 8.5}, false).divergedByLoss(), "two steps are enough to see a blow-up");
        // A spike the run recovers from, and a run that learned nothing, did not blow up.
        double[] spike = {2.3, 9.0, 4.0, 2.0, 1.8, 1.7, 1.6, 1.5, 1.5, 1.4, 1.4, 1.3, 1.3};
        assertFalse(run(spike, false).divergedByLoss());
        double[] flat = {2.30, 2.35, 2.28, 2.40, 2.31, 2.29, 2.33, 2.27, 2.36, 2.30, 2.32, 2.31};
        assertFalse(RunResult.blewUp(flat));
    }

    @Test
    void aRunNoneOfWhoseStepsWasAppliedIsDiverged() throws FormatException {
        // Refused steps leave the weights as they were: the losses of the batches fall by chance.
        double[] chance = {2.31, 2.29, 2.30, 2.28, 2.27, 2.26};
        assertFalse(run(chance, false).divergedByLoss());
        assertTrue(run(chance, true).divergedByLoss());
    }
}
