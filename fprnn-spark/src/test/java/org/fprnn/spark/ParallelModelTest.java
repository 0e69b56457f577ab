package org.fprnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The arithmetic of SparkBench's cost model, on numbers worked out by hand. */
class ParallelModelTest {
    private static final double K = 1e-9;   // 1 ns per byte
    private static final double BW = 1e8;   // 100 MB/s: 10 ns per byte
    private final ParallelModel model = new ParallelModel(0.03, K);

    @Test
    void fitRecoversTheLineThroughExactPoints() {
        double[] bytes = {0, 1e6, 4e6, 16e6};
        double[] seconds = new double[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            seconds[i] = 0.03 + 2e-9 * bytes[i];
        }
        ParallelModel fit = ParallelModel.fit(bytes, seconds);
        assertEquals(0.03, fit.jobSeconds(), 1e-12);
        assertEquals(2e-9, fit.secondsPerByte(), 1e-18);
        assertEquals(0.03 + 2e-9 * 8e6, fit.overheadSeconds(8e6), 1e-12);
    }

    @Test
    void fitIsTheLeastSquaresLineOfNoisyPoints() {
        // Points (0, 1), (1, 2), (2, 2): slope 1/2, intercept 7/6 (normal equations worked by hand).
        ParallelModel fit = ParallelModel.fit(new double[] {0, 1, 2}, new double[] {1, 2, 2});
        assertEquals(0.5, fit.secondsPerByte(), 1e-15);
        assertEquals(7.0 / 6, fit.jobSeconds(), 1e-15);
    }

    @Test
    void fitNeedsTwoDifferentByteCounts() {
        assertThrows(IllegalArgumentException.class, () -> ParallelModel.fit(new double[] {5, 5}, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> ParallelModel.fit(new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void stepTimeIsComputeOverMachinesPlusJobPlusTraffic() {
        // 1.0 / 4 + 0.03 + 4 * 1e6 * (1e-9 + 1e-8) = 0.25 + 0.03 + 0.044
        assertEquals(0.324, model.stepSeconds(1.0, 4, 1e6, BW), 1e-12);
        assertEquals(1 / 0.324, model.speedUp(1.0, 4, 1e6, BW), 1e-9);
        // Without a network beyond the measured machine only k counts: 0.25 + 0.03 + 0.004.
        assertEquals(0.284, model.stepSeconds(1.0, 4, 1e6, Double.POSITIVE_INFINITY), 1e-12);
    }

    @Test
    void breakEvenComputeIsWhereTheSpeedUpIsOne() {
        // (0.03 + 2 * 1e6 * 1.1e-8) / (1 - 1/2) = 0.052 / 0.5
        double t = model.breakEvenCompute(2, 1e6, BW);
        assertEquals(0.104, t, 1e-12);
        assertEquals(1.0, model.speedUp(t, 2, 1e6, BW), 1e-12);
        assertTrue(model.speedUp(1.01 * t, 2, 1e6, BW) > 1);
        assertTrue(model.speedUp(0.99 * t, 2, 1e6, BW) < 1);
        assertThrows(IllegalArgumentException.class, () -> model.breakEvenCompute(1, 1e6, BW));
    }

    @Test
    void breakEvenSizeOfDenseNetworks() {
        // t_c = 1e-5 s and b = 16 bytes per unit of size: margin 1e-5 / 2 - 2 * 16 * 1.1e-8 = 4.648e-6.
        double s = model.breakEvenSize(2, 1e-5, 16, BW);
        assertEquals(0.03 / 4.648e-6, s, 1e-6);
        assertEquals(1.0, model.speedUp(1e-5 * s, 2, 16 * s, BW), 1e-12);
        // Traffic that grows faster than the compute it saves: never pays.
        assertEquals(Double.POSITIVE_INFINITY, model.breakEvenSize(8, 1e-7, 16, BW));
    }
}
