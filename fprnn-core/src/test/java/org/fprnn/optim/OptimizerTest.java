package org.fprnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Params;
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

    /**
     * Two steps of every optimizer variant from P = 1 with directions 0.5 then -0.25, lr 0.1,
     * momentum 0.9, weight decay 0.2, against values worked out by hand from the class Javadocs
     * (the arithmetic is in each comment). P below is always the value before the step.
     */
    private static double[] twoSteps(Optimizer opt) {
        DMatrix w = new DMatrix(1, 1);
        w.data[0] = 1.0;
        Params p = new Params().put("W", w);
        double[] after = new double[2];
        double[] directions = {0.5, -0.25};
        for (int k = 0; k < 2; k++) {
            DMatrix d = new DMatrix(1, 1);
            d.data[0] = directions[k];
            opt.step(p, new Params().put("W", d));
            after[k] = w.data[0];
        }
        return after;
    }

    private static void assertSteps(double first, double second, Optimizer opt) {
        double[] got = twoSteps(opt);
        assertEquals(first, got[0], 1e-12, "after step 1");
        assertEquals(second, got[1], 1e-12, "after step 2");
    }

    @Test
    void plainSgdTwoSteps() {
        // 1 - 0.1*0.5 = 0.95;  0.95 + 0.1*0.25 = 0.975
        assertSteps(0.95, 0.975, new Sgd(0.1, 0, 0, false));
    }

    @Test
    void sgdWithWeightDecayTwoSteps() {
        // d1 = 0.5 + 0.2*1 = 0.7, P = 0.93;  d2 = -0.25 + 0.2*0.93 = -0.064, P = 0.93 + 0.0064
        assertSteps(0.93, 0.9364, new Sgd(0.1, 0, 0.2, false));
    }

    @Test
    void heavyBallTwoSteps() {
        // v1 = 0.5, P = 0.95;  v2 = 0.45 - 0.25 = 0.2, P = 0.95 - 0.02
        assertSteps(0.95, 0.93, new Sgd(0.1, 0.9, 0, false));
    }

    @Test
    void heavyBallWithWeightDecayTwoSteps() {
        // v1 = 0.7, P = 0.93;  d2 = -0.064, v2 = 0.63 - 0.064 = 0.566, P = 0.93 - 0.0566
        assertSteps(0.93, 0.8734, new Sgd(0.1, 0.9, 0.2, false));
    }

    @Test
    void nesterovTwoSteps() {
        // v1 = 0.5, P = 1 - 0.1*(0.5 + 0.45) = 0.905;  v2 = 0.2, P = 0.905 - 0.1*(-0.25 + 0.18) = 0.912
        assertSteps(0.905, 0.912, new Sgd(0.1, 0.9, 0, true));
    }

    @Test
    void nesterovWithWeightDecayTwoSteps() {
        // d1 = 0.7, v1 = 0.7, P = 1 - 0.1*(0.7 + 0.63) = 0.867;
        // d2 = -0.25 + 0.2*0.867 = -0.0766, v2 = 0.63 - 0.0766 = 0.5534,
        // P = 0.867 - 0.1*(-0.0766 + 0.9*0.5534) = 0.867 - 0.042146 = 0.824854
        // (decaying after the direction's step, as this class once did, gives 0.868 after step 1)
        assertSteps(0.867, 0.824854, new Sgd(0.1, 0.9, 0.2, true));
    }

    @Test
    void adamTwoSteps() {
        // t=1: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25, P = 1 - 0.1*0.5/(0.5 + 1e-8) = 0.900000002
        // t=2: m = 0.02, v = 0.00031225, m^ = 0.02/0.19, v^ = 0.00031225/0.001999,
        //      P = 0.900000002 - 0.1*m^/(sqrt(v^) + 1e-8) = 0.8733662987078463
        assertSteps(0.900000002, 0.8733662987078463, new Adam(0.1, 0.9, 0.999, 1e-8, 0));
    }

    @Test
    void adamWithDecoupledWeightDecayTwoSteps() {
        // t=1: P = 1 - 0.1*(0.99999998 + 0.2*1) = 0.880000002
        // t=2: P = 0.880000002 - 0.1*(m^/(sqrt(v^) + 1e-8) + 0.2*0.880000002) = 0.8357662986678464
        assertSteps(0.880000002, 0.8357662986678464, new Adam(0.1, 0.9, 0.999, 1e-8, 0.2));
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sgd.plain(0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 1.0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 1.0, 1e-8, 0));
    }
}
