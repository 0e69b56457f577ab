package org.fprnn.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Params;
import org.junit.jupiter.api.Test;

class DiagnosticsTest {

    @Test
    void iterativeSingularityEstimateAgreesWithTheSvd() {
        Random rng = new Random(9);
        int n = 80;
        DMatrix w = TestNets.randn(n, n, 0.9 / Math.sqrt(n), rng);
        DMatrix g = new DMatrix(3, n);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = 0.2 + 0.8 * rng.nextDouble();
        }
        double[] exact = Singularity.exact(w, g, 3);
        double[] est = Singularity.estimate(w, g, 3, 500, 1e-12);
        for (int s = 0; s < 3; s++) {
            assertEquals(exact[s], est[s], 1e-6 * exact[s], "sample " + s);
            assertTrue(exact[s] > 0 && exact[s] < 1.5);
        }
    }

    @Test
    void singularityDistanceIsZeroAtAnEigenvalueOne() {
        int n = 4;
        DMatrix w = new DMatrix(n, n);
        w.data[0] = 1.0;           // G W has eigenvalue 1 with G = I
        DMatrix g = new DMatrix(1, n);
        java.util.Arrays.fill(g.data, 1.0);
        assertEquals(0.0, Singularity.exact(w, g, 1)[0], 1e-15);
    }

    @Test
    void spectralRadiusAndAngles() {
        DMatrix d = new DMatrix(2, 2, new double[] {0, -2, 2, 0});   // eigenvalues +-2i
        assertEquals(2.0, Spectra.spectralRadius(d), 1e-12);
        assertEquals(0.0, Spectra.maxRealPart(d), 1e-12);
        Params a = new Params().put("W", new DMatrix(1, 2, new double[] {1, 0}));
        Params b = new Params().put("W", new DMatrix(1, 2, new double[] {1, 1}));
        assertEquals(45.0, Angles.degrees(a, b), 1e-12);
        Params c = new Params().put("W", new DMatrix(1, 2, new double[] {-1, 0}));
        assertEquals(180.0, Angles.degrees(a, c), 1e-12);
    }
}
