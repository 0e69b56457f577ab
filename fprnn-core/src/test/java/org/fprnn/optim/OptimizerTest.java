package org.fprnn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Adam's live state follows a restore: the restored moments and step count, not the ones before. */
    @Test
    void adamLiveStateFollowsRestore() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        Params p = randomParams(true, new int[][] {{3, 5}, {2, 7}}, rnd);
        Adam adam = new Adam(0.01, 0.9, 0.999, 1e-8, 0);
        adam.step(p, randomDirections(p, rnd));
        adam.step(p, randomDirections(p, rnd));
        Params saved = adam.state();
        Params liveBefore = adam.liveState();
        adam.step(p, randomDirections(p, rnd));
        adam.restore(saved);
        Params live = adam.liveState();
        assertEquals(saved.names(), live.names());
        for (String n : saved.names()) {
            for (int i = 0; i < saved.get(n).size(); i++) {
                assertEquals(saved.get(n).getFlat(i), live.get(n).getFlat(i), n + " entry " + i);
            }
        }
        assertEquals(2.0, live.get("step").getFlat(0));
        assertTrue(liveBefore.get("m.P0") != live.get("m.P0"), "live state still views the moments before the restore");
    }

    /**
     * Adam's per-entry step (on the arrays, on row blocks over the cores) has the bits of its formula
     * through the matrices' accessors, for float and double parameters of several shapes, with weight
     * decay, over several steps, at 1 and 2 threads; its live state is its state.
     */
    @Test
    void adamHasTheBitsOfItsScalarFormula() {
        int before = org.fprnn.linalg.RowParallel.threads();
        try {
            for (boolean single : new boolean[] {true, false}) {
                for (int threads = 1; threads <= 2; threads++) {
                    org.fprnn.linalg.Blas.setThreads(threads);
                    java.util.SplittableRandom rnd = new java.util.SplittableRandom(threads);
                    Params p = randomParams(single, new int[][] {{1, 1}, {1, 7}, {3, 13}, {64, 300}, {9, 17}}, rnd);
                    Params ref = p.copy();
                    double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
                    Adam adam = new Adam(lr, b1, b2, eps, wd);
                    Params mRef = ref.zerosLike(ref.names());
                    Params vRef = ref.zerosLike(ref.names());
                    for (int t = 1; t <= 3; t++) {
                        Params d = randomDirections(ref, rnd);
                        adam.step(p, d);
                        Params copied = adam.state();
                        Params live = adam.liveState();
                        double c1 = 1 - Math.pow(b1, t);
                        double c2 = 1 - Math.pow(b2, t);
                        for (String n : d.names()) {
                            var pr = ref.get(n);
                            var dr = d.get(n);
                            var mr = mRef.get(n);
                            var vr = vRef.get(n);
                            for (int i = 0; i < dr.size(); i++) {
                                double g = dr.getFlat(i);
                                double mi = b1 * mr.getFlat(i) + (1 - b1) * g;
                                double vi = b2 * vr.getFlat(i) + (1 - b2) * g * g;
                                mr.setFlat(i, mi);
                                vr.setFlat(i, vi);
                                double pi = pr.getFlat(i);
                                pr.setFlat(i, pi - lr * ((mi / c1) / (Math.sqrt(vi / c2) + eps) + wd * pi));
                            }
                            String where = (single ? "float " : "double ") + n + ", step " + t + ", " + threads
                                    + " threads";
                            for (int i = 0; i < dr.size(); i++) {
                                assertEquals(Double.doubleToLongBits(pr.getFlat(i)),
                                        Double.doubleToLongBits(p.get(n).getFlat(i)), where + ", entry " + i);
                                assertEquals(Double.doubleToLongBits(mr.getFlat(i)),
                                        Double.doubleToLongBits(copied.get("m." + n).getFlat(i)), where);
                                assertEquals(Double.doubleToLongBits(vr.getFlat(i)),
                                        Double.doubleToLongBits(live.get("v." + n).getFlat(i)), where);
                            }
                        }
                        assertEquals(copied.names(), live.names());
                        assertEquals(t, live.get("step").getFlat(0));
                        assertEquals(t, copied.get("step").getFlat(0));
                    }
                }
            }
        } finally {
            org.fprnn.linalg.Blas.setThreads(before);
        }
    }

    /**
     * Adam with one second moment for all parameters: its per-entry step (on the arrays, on row blocks)
     * has the bits of its formula through the accessors, float and double, at 1 and 2 threads.
     */
    @Test
    void adamWithAGlobalSecondMomentHasTheBitsOfItsFormula() {
        int before = org.fprnn.linalg.RowParallel.threads();
        try {
            for (boolean single : new boolean[] {true, false}) {
                for (int threads = 1; threads <= 2; threads++) {
                    org.fprnn.linalg.Blas.setThreads(threads);
                    java.util.SplittableRandom rnd = new java.util.SplittableRandom(10 + threads);
                    Params p = randomParams(single, new int[][] {{1, 7}, {64, 300}, {9, 17}}, rnd);
                    Params ref = p.copy();
                    double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
                    Adam adam = new Adam(lr, b1, b2, eps, wd, true);
                    Params mRef = ref.zerosLike(ref.names());
                    double vRef = 0;
                    for (int t = 1; t <= 3; t++) {
                        Params d = randomDirections(ref, rnd);
                        long entries = 0;
                        for (String n : d.names()) {
                            entries += d.get(n).size();
                        }
                        adam.step(p, d);
                        vRef = b2 * vRef + (1 - b2) * (d.dot(d) / entries);
                        double c1 = 1 - Math.pow(b1, t);
                        double scale = 1 / (c1 * (Math.sqrt(vRef / (1 - Math.pow(b2, t))) + eps));
                        for (String n : d.names()) {
                            var pr = ref.get(n);
                            var dr = d.get(n);
                            var mr = mRef.get(n);
                            for (int i = 0; i < dr.size(); i++) {
                                double mi = b1 * mr.getFlat(i) + (1 - b1) * dr.getFlat(i);
                                mr.setFlat(i, mi);
                                double pi = pr.getFlat(i);
                                pr.setFlat(i, pi - lr * (mi * scale + wd * pi));
                                assertEquals(Double.doubleToLongBits(pr.getFlat(i)),
                                        Double.doubleToLongBits(p.get(n).getFlat(i)), (single ? "float " : "double ")
                                        + n + ", step " + t + ", " + threads + " threads, entry " + i);
                            }
                        }
                    }
                }
            }
        } finally {
            org.fprnn.linalg.Blas.setThreads(before);
        }
    }

    /** Parameters P0, P1, .. of the given shapes, float or double, entries uniform in (-1, 1). */
    private static Params randomParams(boolean single, int[][] shapes, java.util.SplittableRandom rnd) {
        Params p = new Params();
        for (int k = 0; k < shapes.length; k++) {
            org.fprnn.linalg.Matrix m = single ? new FMatrix(shapes[k][0], shapes[k][1])
                    : new DMatrix(shapes[k][0], shapes[k][1]);
            for (int i = 0; i < m.size(); i++) {
                m.setFlat(i, rnd.nextDouble(-1, 1));
            }
            p.put("P" + k, m);
        }
        return p;
    }

    /** Directions for every matrix of p, entries of magnitudes from e^-6 to e^2. */
    private static Params randomDirections(Params p, java.util.SplittableRandom rnd) {
        Params d = p.zerosLike(p.names());
        for (String n : d.names()) {
            for (int i = 0; i < d.get(n).size(); i++) {
                d.get(n).setFlat(i, rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-6, 2)));
            }
        }
        return d;
    }

    /** As Sgd, Adam refuses a direction whose precision or shape is not its parameter's, naming both. */
    @Test
    void adamRefusesADirectionOfAnotherPrecisionOrShape() {
        Params p = new Params().put("W", new FMatrix(2, 3));
        IllegalArgumentException precision = assertThrows(IllegalArgumentException.class,
                () -> new Adam(0.01, 0.9, 0.999, 1e-8, 0).step(p, new Params().put("W", new DMatrix(2, 3))));
        assertTrue(precision.getMessage().contains("DOUBLE") && precision.getMessage().contains("FLOAT"),
                precision.getMessage());
        Adam global = new Adam(0.01, 0.9, 0.999, 1e-8, 0, true);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> global.step(p, new Params().put("W", new FMatrix(3, 2))));
        assertTrue(shape.getMessage().contains("(3, 2)") && shape.getMessage().contains("(2, 3)"), shape.getMessage());
        // the refused step changed nothing: no moment, no step count; a right one then steps as usual
        assertTrue(!global.state().has("m.W") && !global.state().has(Adam.GLOBAL_V), global.state().names().toString());
        assertEquals(0, global.state().get("step").getFlat(0));
        global.step(p, new Params().put("W", new FMatrix(2, 3)));
        assertEquals(2, global.state().get("m.W").rows);
        assertThrows(IllegalArgumentException.class,
                () -> Sgd.plain(0.1).step(p, new Params().put("W", new DMatrix(2, 3))));
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

    /** Two parameters of other shapes with random entries (seeded): a direction, or parameters. */
    private static Params randomParams(java.util.SplittableRandom rng) {
        DMatrix a = new DMatrix(3, 4);
        DMatrix b = new DMatrix(1, 5);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = rng.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = 10 * rng.nextDouble(-1, 1);   // another scale than a: per-entry Adam would even them out
        }
        return new Params().put("A", a).put("B", b);
    }

    /** Every entry of every parameter, in the order of the names, as one vector. */
    private static double[] flat(Params params) {
        java.util.List<Double> u = new java.util.ArrayList<>();
        for (String n : params.names()) {
            for (int i = 0; i < params.get(n).size(); i++) {
                u.add(params.get(n).getFlat(i));
            }
        }
        return u.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The update P_before - P_after of every entry, as one vector. */
    private static double[] update(Params before, Params after) {
        double[] b = flat(before);
        double[] a = flat(after);
        for (int i = 0; i < b.length; i++) {
            b[i] -= a[i];
        }
        return b;
    }

    /**
     * Global second moment, worked out from the class Javadoc independently of the optimizer's loops:
     * m_k = b1 m_{k-1} + (1-b1) D_k per entry; v_k = b2 v_{k-1} + (1-b2) mean(D_k^2) over all 17 entries;
     * the update of step k is lr m_k / (1-b1^k) / (sqrt(v_k / (1-b2^k)) + eps) + lr wd P.
     */
    @Test
    void adamGlobalSecondMomentFollowsItsRecurrence() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        Params p = randomParams(rng);
        double lr = 0.01;
        double wd = 0.1;
        Adam adam = new Adam(lr, 0.9, 0.999, 1e-8, wd, true);
        double[] m = new double[17];
        double v = 0;
        for (int k = 1; k <= 4; k++) {
            Params d = randomParams(rng);
            double[] dv = flat(d);
            double[] pv = flat(p);
            double meanSq = 0;
            for (double x : dv) {
                meanSq += x * x / dv.length;
            }
            v = 0.999 * v + 0.001 * meanSq;
            double denom = Math.sqrt(v / (1 - Math.pow(0.999, k))) + 1e-8;
            Params before = p.copy();
            adam.step(p, d);
            double[] got = update(before, p);
            for (int i = 0; i < m.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * dv[i];
                double want = lr * (m[i] / (1 - Math.pow(0.9, k)) / denom) + lr * wd * pv[i];
                assertEquals(want, got[i], 1e-14, "step " + k + ", entry " + i);
            }
        }
    }

    /**
     * The point of the global second moment: the update keeps the direction's orientation across
     * parameters of different scales (here a constant direction, so m_hat = D), with root mean square
     * lr per entry; per-entry Adam turns it (every entry moves by lr on the first step).
     */
    @Test
    void adamGlobalSecondMomentKeepsTheDirection() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        Params d = randomParams(rng);
        double[] dv = flat(d);
        for (boolean global : new boolean[] {true, false}) {
            Params p = randomParams(rng);
            Adam adam = new Adam(0.01, 0.9, 0.999, 1e-12, 0, global);
            for (int k = 0; k < 3; k++) {
                Params before = p.copy();
                adam.step(p, d);
                double[] u = update(before, p);
                double cos = 0;
                double uu = 0;
                double dd = 0;
                for (int i = 0; i < u.length; i++) {
                    cos += u[i] * dv[i];
                    uu += u[i] * u[i];
                    dd += dv[i] * dv[i];
                }
                cos /= Math.sqrt(uu * dd);
                if (global) {
                    assertEquals(1.0, cos, 1e-12, "the update is parallel to the direction");
                    assertEquals(0.01, Math.sqrt(uu / u.length), 1e-9, "root mean square lr per entry");
                } else {
                    assertTrue(cos < 0.95, "per-entry Adam turns a direction with entries of unequal scale: cos " + cos);
                }
            }
        }
    }

    @Test
    void adamGlobalSecondMomentStateRoundTripContinuesIdentically() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        Params p1 = randomParams(rng);
        Adam a = new Adam(0.01, 0.9, 0.999, 1e-8, 0, true);
        a.step(p1, randomParams(rng));
        Params p2 = p1.copy();
        Adam b = new Adam(0.01, 0.9, 0.999, 1e-8, 0, true);
        b.restore(a.state());
        assertEquals(1, a.state().get(Adam.GLOBAL_V).size(), "one second moment for all parameters");
        Params d = randomParams(rng);
        a.step(p1, d);
        b.step(p2, d);
        for (String n : p1.names()) {
            for (int i = 0; i < p1.get(n).size(); i++) {
                assertEquals(p1.get(n).getFlat(i), p2.get(n).getFlat(i), 0.0);
            }
        }
    }

    @Test
    void aGlobalSecondMomentIsAdamsOnly() {
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create("sgd", 0.1, 0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.create("nesterov", 0.1, 0.9, 0, true));
        assertTrue(((Adam) Optimizers.create("adam", 0.1, 0, 0, true)).globalSecondMoment());
        assertFalse(((Adam) Optimizers.create("adam", 0.1, 0, 0)).globalSecondMoment());
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sgd.plain(0));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 1.0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 1.0, 1e-8, 0));
    }
}
