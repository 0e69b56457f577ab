package org.fprnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The log-log slope of the scaling benchmark, on synthetic power laws. */
class LogLogTest {

    @Test
    void exactPowerLawsGiveTheirExponent() {
        double[] n = {300, 1000, 3000};
        double[] t = new double[3];
        for (double k : new double[] {1, 2, 3, 0.5, -1}) {
            for (int i = 0; i < 3; i++) {
                t[i] = 4e-9 * Math.pow(n[i], k);
            }
            assertEquals(k, LogLog.slope(n, t), 1e-12);
        }
    }

    @Test
    void noisyDataGivesTheLeastSquaresSlope() {
        // Multiplicative noise of a few percent moves the slope of y = x^2 over two decades only a little.
        Random rng = new Random(1);
        double[] x = new double[20];
        double[] y = new double[20];
        for (int i = 0; i < x.length; i++) {
            x[i] = 10 * Math.pow(100, i / 19.0);
            y[i] = x[i] * x[i] * Math.exp(0.03 * rng.nextGaussian());
        }
        assertEquals(2, LogLog.slope(x, y), 0.03);
        // Two points: the slope through them, here log(8) / log(2) = 3.
        assertEquals(3, LogLog.slope(new double[] {2, 4}, new double[] {1, 8}), 1e-12);
        // A fit that is not a line: y = x^1 for small x and x^3 for large, fitted in between.
        double s = LogLog.slope(new double[] {1, 2, 4, 8}, new double[] {1, 2, 32, 256});
        assertEquals(2.8, s, 1e-12, "least squares over log2 x = 0..3, log2 y = 0, 1, 5, 8: 14 / 5");
    }

    @Test
    void degenerateInputsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LogLog.slope(new double[] {1}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> LogLog.slope(new double[] {1, 2}, new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> LogLog.slope(new double[] {3, 3}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> LogLog.slope(new double[] {1, 2}, new double[] {1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> LogLog.slope(new double[] {1, 2}, new double[] {1}));
    }
}
