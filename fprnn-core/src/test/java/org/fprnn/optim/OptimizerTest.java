package org.fprnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.Params;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    private static Params one(double v) {
        DMatrix m = new DMatrix(1, 2);
        m.data[0] = v;
        m.data[1] = -v;
        return new Params().put("W", m);
    }

    @Test
    void plainSgdSubtractsLrTimesDirection() {
        Params p = one(1.0);
        Params d = one(0.5);
        Sgd.plain(0.1).step(p, d);
        assertEquals(1.0 - 0.05, p.get("W").getFlat(0), 1e-15);
        assertEquals(-1.0 + 0.05, p.get("W").getFlat(1), 1e-15);
        assertEquals(0.5, d.get("W").getFlat(0), 0.0, "directions must not change");
    }

    @Test
    void momentumFollowsHeavyBallRecurrence() {
        Params p = one(0.0);
        Params d = one(1.0);
        Sgd sgd = new Sgd(0.1, 0.9, 0, false);
        sgd.step(p, d);   // v = 1, p = -0.1
        sgd.step(p, d);   // v = 1.9, p = -0.29
        assertEquals(-0.29, p.get("W").getFlat(0), 1e-12);
    }

    @Test
    void weightDecayShrinksWithoutDirection() {
        Params p = one(2.0);
        Params d = one(0.0);
        new Sgd(0.1, 0, 0.5, false).step(p, d);
        assertEquals(2.0 * (1 - 0.05), p.get("W").getFlat(0), 1e-12);
        Params q = one(2.0);
        new Sgd(0.1, 0.5, 0.5, false).step(q, d);
        assertEquals(2.0 - 0.1 * 0.5 * 2.0, q.get("W").getFlat(0), 1e-12);
    }

    @Test
    void adamFirstStepHasSizeLr() {
        Params p = one(1.0);
        Params d = one(123.0);
        new Adam(0.01, 0.9, 0.999, 1e-12, 0).step(p, d);
        assertEquals(1.0 - 0.01, p.get("W").getFlat(0), 1e-9);
        assertEquals(-1.0 + 0.01, p.get("W").getFlat(1), 1e-9);
    }

    @Test
    void adamStateRoundTripContinuesIdentically() {
        Params p1 = one(1.0);
        Params p2 = one(1.0);
        Adam a = new Adam(0.01, 0.9, 0.999, 1e-8, 0.01);
        a.step(p1, one(0.3));
        p2.copyFrom(p1);
        Adam b = new Adam(0.01, 0.9, 0.999, 1e-8, 0.01);
        b.restore(a.state());
        a.step(p1, one(-0.7));
        b.step(p2, one(-0.7));
        assertEquals(p1.get("W").getFlat(0), p2.get("W").getFlat(0), 0.0);
    }

    @Test
    void floatParametersAreUpdatedInFloat() {
        FMatrix w = new FMatrix(1, 1, new float[] {1f});
        FMatrix d = new FMatrix(1, 1, new float[] {0.25f});
        Sgd.plain(0.5).step(new Params().put("W", w), new Params().put("W", d));
        assertEquals(0.875f, w.data[0], 0f);
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sgd.plain(0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 1.0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 1.0, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.parse("rmsprop", 0.1, 0, 0));
    }
}
