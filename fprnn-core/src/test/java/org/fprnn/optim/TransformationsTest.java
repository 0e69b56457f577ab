package org.fprnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Params;
import org.junit.jupiter.api.Test;

/** Learning-rate schedules and gradient-norm clipping, on numbers checked by hand. */
class TransformationsTest {

    private static DMatrix scalar(double v) {
        DMatrix m = new DMatrix(1, 1);
        m.data[0] = v;
        return m;
    }

    @Test
    void cosineScheduleAtGivenSteps() {
        LearningRateSchedule c = new LearningRateSchedule.Cosine(0);
        // T = 10: (1 + cos(pi t / 10)) / 2.
        assertEquals(1.0, c.factor(0, 10), 1e-15);
        assertEquals(0.5, c.factor(5, 10), 1e-15);                        // cos(pi / 2) = 0
        assertEquals((1 + Math.cos(Math.PI * 0.9)) / 2, c.factor(9, 10), 1e-15); // last step: 0.0245
        // Warm-up of 2 steps, T = 12: 0.5, 1, then the cosine over the 10 steps after.
        LearningRateSchedule w = new LearningRateSchedule.Cosine(2);
        assertEquals(0.5, w.factor(0, 12), 1e-15);
        assertEquals(1.0, w.factor(1, 12), 1e-15);
        assertEquals(1.0, w.factor(2, 12), 1e-15);
        assertEquals(0.5, w.factor(7, 12), 1e-15);
    }

    @Test
    void stepAndConstantSchedules() {
        LearningRateSchedule s = new LearningRateSchedule.StepDecay(0, 3, 0.5);
        double[] want = {1, 1, 1, 0.5, 0.5, 0.5, 0.25};
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t], s.factor(t, 100), 0.0, "step " + t);
        }
        LearningRateSchedule warm = new LearningRateSchedule.StepDecay(4, 3, 0.5);
        assertEquals(0.25, warm.factor(0, 100), 0.0);
        assertEquals(1.0, warm.factor(6, 100), 0.0);
        assertEquals(0.5, warm.factor(7, 100), 0.0);
        assertEquals(1.0, LearningRateSchedule.CONSTANT.factor(50, 100), 0.0);
        assertEquals(true, LearningRateSchedule.CONSTANT.isConstant());
        assertEquals(false, new LearningRateSchedule.Constant(3).isConstant());
        assertEquals(1.0 / 3, new LearningRateSchedule.Constant(3).factor(0, 100), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.StepDecay(0, 0, 0.5));
    }

    @Test
    void scheduledSgdTakesTheScheduledRateAtEachStep() {
        // P = 1, D = 1 every step, lr 0.1, cosine over T = 2: factors 1 and 0.5, so P = 0.9, then 0.85.
        Scheduled opt = new Scheduled(Sgd.plain(0.1), new LearningRateSchedule.Cosine(0));
        Params p = new Params().put("W", scalar(1));
        Params d = new Params().put("W", scalar(1));
        opt.beginStep(0, 2);
        opt.step(p, d);
        assertEquals(0.9, p.get("W").getFlat(0), 1e-15);
        opt.beginStep(1, 2);
        opt.step(p, d);
        assertEquals(0.85, p.get("W").getFlat(0), 1e-15);
        assertEquals(0.1, opt.learningRate(), 0.0, "the base rate is kept");
    }

    @Test
    void clippingScalesAKnownVectorToTheNorm() {
        // D = (A, B) = (3, 4): norm 5; clipped to 1 it is (0.6, 0.8), factor 0.2.
        Params d = new Params().put("A", scalar(3)).put("B", scalar(4));
        assertEquals(0.2, ClipByGlobalNorm.clip(d, 1.0), 1e-15);
        assertEquals(0.6, d.get("A").getFlat(0), 1e-15);
        assertEquals(0.8, d.get("B").getFlat(0), 1e-15);
        // Within the norm: unchanged.
        assertEquals(1.0, ClipByGlobalNorm.clip(d, 2.0), 0.0);
        assertEquals(0.6, d.get("A").getFlat(0), 1e-15);
        // Chained before plain SGD, lr 1: P = (0, 0) - (0.6, 0.8) after clipping (3, 4) to 1.
        Params p = new Params().put("A", scalar(0)).put("B", scalar(0));
        new ClipByGlobalNorm(Sgd.plain(1), 1.0).step(p, new Params().put("A", scalar(3)).put("B", scalar(4)));
        assertEquals(-0.6, p.get("A").getFlat(0), 1e-15);
        assertEquals(-0.8, p.get("B").getFlat(0), 1e-15);
    }
}
