package org.fprnn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.Test;

/**
 * An optimizer's per-parameter state is held to its parameter: reused on a network of other shapes it
 * refuses the step (it used to update with the other network's moments, or fail deep inside), and
 * state of the other precision (a checkpoint of the other precision) is converted. Learning rates
 * must be finite and, once running, >= 0.
 */
class OptimizerChecksTest {
    private static Params filled(Precision p, int n, double value) {
        Matrix m = p.zeros(n, n);
        for (int i = 0; i < n * n; i++) {
            m.setFlat(i, value + 0.01 * i);
        }
        return new Params().put("W", m);
    }

    @Test
    void adamAndSgdRefuseStateOfAnotherShapeAndChangeNothing() {
        for (Optimizer opt : new Optimizer[] {new Adam(0.1, 0.9, 0.999, 1e-8, 0), new Sgd(0.1, 0.9, 0, false)}) {
            opt.step(filled(Precision.DOUBLE, 5, 1), filled(Precision.DOUBLE, 5, 0.5));
            Params before = opt.state();
            Params small = filled(Precision.DOUBLE, 3, 1);
            double[] weights = small.get("W").toDoubleArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.step(small, filled(Precision.DOUBLE, 3, -0.5)));
            assertTrue(e.getMessage().contains("is (5, 5) but the parameter W is (3, 3)")
                    && e.getMessage().contains("make a new one"), e.getMessage());
            assertArrayEquals(weights, small.get("W").toDoubleArray(), 0.0);
            assertEquals(before.names(), opt.state().names());
            for (String n : before.names()) {
                assertArrayEquals(before.get(n).toDoubleArray(), opt.state().get(n).toDoubleArray(), 0.0, n);
            }
        }
    }

    @Test
    void stateOfTheOtherPrecisionIsConvertedToTheParameters() {
        for (boolean adam : new boolean[] {true, false}) {
            // Two steps in float; the state, restored into an optimizer stepping a double network,
            // continues as a double optimizer given the same state in double.
            Optimizer f = adam ? new Adam(0.1, 0.9, 0.999, 1e-8, 0) : new Sgd(0.1, 0.9, 0, false);
            Params pf = filled(Precision.FLOAT, 3, 1);
            f.step(pf, filled(Precision.FLOAT, 3, 0.5));
            f.step(pf, filled(Precision.FLOAT, 3, -0.25));
            Params floatState = f.state();

            Optimizer mixed = adam ? new Adam(0.1, 0.9, 0.999, 1e-8, 0) : new Sgd(0.1, 0.9, 0, false);
            mixed.restore(floatState);
            Optimizer reference = adam ? new Adam(0.1, 0.9, 0.999, 1e-8, 0) : new Sgd(0.1, 0.9, 0, false);
            Params doubleState = new Params();
            for (String n : floatState.names()) {
                doubleState.put(n, floatState.get(n).to(Precision.DOUBLE));
            }
            reference.restore(doubleState);

            Params a = filled(Precision.DOUBLE, 3, 2);
            Params b = filled(Precision.DOUBLE, 3, 2);
            mixed.step(a, filled(Precision.DOUBLE, 3, 0.75));
            reference.step(b, filled(Precision.DOUBLE, 3, 0.75));
            assertArrayEquals(b.get("W").toDoubleArray(), a.get("W").toDoubleArray(), 0.0);
            for (String n : mixed.state().names()) {
                if (!n.equals("step")) {
                    assertTrue(mixed.state().get(n) instanceof DMatrix, n + " is double now");
                    assertTrue(mixed.liveState().get(n) instanceof DMatrix, n + " (live) is double now");
                }
            }
        }
    }

    @Test
    void learningRatesMustBeFiniteAndNotNegative() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1}) {
            assertThrows(IllegalArgumentException.class, () -> new Adam(bad, 0.9, 0.999, 1e-8, 0));
            assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 0.999, bad, 0));
            for (Optimizer opt : new Optimizer[] {new Adam(0.1, 0.9, 0.999, 1e-8, 0), Sgd.plain(0.1),
                new Scheduled(Sgd.plain(0.1), new LearningRateSchedule.Cosine(0))}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.setLearningRate(bad));
                assertTrue(e.getMessage().contains("finite and >= 0"), e.getMessage());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 0.999, 1e-8, Double.POSITIVE_INFINITY));
        Optimizer sgd = Sgd.plain(0.1);
        sgd.setLearningRate(0);    // where a schedule may end
        assertEquals(0, sgd.learningRate());
        assertThrows(NullPointerException.class, () -> new Scheduled(Sgd.plain(0.1), null));
    }

    @Test
    void stateIsRestoredOnlyIntoTheKindOfOptimizerThatSavedIt() {
        Optimizer adam = new Adam(0.1, 0.9, 0.999, 1e-8, 0);
        Optimizer sgd = new Sgd(0.1, 0.9, 0, false);
        adam.step(filled(Precision.DOUBLE, 3, 1), filled(Precision.DOUBLE, 3, 0.5));
        sgd.step(filled(Precision.DOUBLE, 3, 1), filled(Precision.DOUBLE, 3, 0.5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 0.9, 0, false)
                .restore(adam.state()));
        assertTrue(e.getMessage().contains("is not an Sgd's"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 0.9, 0.999, 1e-8, 0).restore(sgd.state()));
        assertTrue(e.getMessage().contains("is not an Adam's"), e.getMessage());
        new Adam(0.1, 0.9, 0.999, 1e-8, 0).restore(adam.state());
        new Sgd(0.1, 0.9, 0, false).restore(sgd.state());
    }
}
