package org.fprnn.simulate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.junit.jupiter.api.Test;

/**
 * The simulation's step loop allocates nothing: a run of 10,000 steps allocates no more than one of
 * 2,000 steps with the same number of records. Runs on native BLAS (Ops.gemm hands OpenBLAS the heap
 * segments the matrices keep, so a product makes no object) and once more on the pure-Java matrix
 * product (the without-native-blas test execution of fprnn-core).
 */
class SimulatorAllocationTest {

    @Test
    void theStepLoopAllocatesNothing() {
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DMatrix xa = TestNets.randn(4, 6, 1, new Random(1));
        DMatrix xb = TestNets.randn(4, 6, 1, new Random(2));
        for (Dynamics dyn : Dynamics.values()) {
            FixedPointNetwork d = TestNets.tanhNet(6, 32, 2, 0.8, dyn, 1);
            Simulator sd = new Simulator(d);
            Stimulus[] stims = {Stimulus.morph(xa, xb, 0, 50), Stimulus.ramp(xa, xb),
                Stimulus.sequence(new Matrix[] {xa, xb}, 1.0)};
            for (Stimulus st : stims) {
                sd.run(st, SimulationSettings.of(0.01, 1, 2000).withRecordEvery(200).withNoise(0.01, 1));
                // Code still warming up (the Vector API boxes vectors until compiled) allocates; of
                // up to twelve measurements, the smallest is the compiled loop's.
                double perStep = Double.POSITIVE_INFINITY;
                for (int rep = 0; rep < 12 && perStep >= 1; rep++) {
                    long a0 = bean.getCurrentThreadAllocatedBytes();
                    sd.run(st, SimulationSettings.of(0.01, 1, 2000).withRecordEvery(200).withNoise(0.01, 1));
                    long a1 = bean.getCurrentThreadAllocatedBytes();
                    sd.run(st, SimulationSettings.of(0.002, 1, 10000).withRecordEvery(1000).withNoise(0.01, 1));
                    long a2 = bean.getCurrentThreadAllocatedBytes();
                    perStep = Math.min(perStep, Math.max(0, (a2 - a1) - (a1 - a0)) / 8000.0);
                }
                System.out.printf(Locale.ROOT, "allocation: %s, %s: %.2f bytes per step%n", dyn.label(), st, perStep);
                assertTrue(perStep < 1, dyn + " " + st + ": " + perStep + " bytes per step");
            }
        }
    }
}
