package org.fprnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.linalg.FMatrix;
import org.junit.jupiter.api.Test;

class NonlinearityTest {
    /**
     * tanh's float derivative is sech^2 z to a few ulp of itself, also where tanh saturates and
     * 1 - tanh^2 in float keeps no correct digit (the gradient's adjoint needs the gains there).
     */
    @Test
    void floatTanhDerivativeIsAccurateRelativeToItselfAlsoWhereTanhSaturates() {
        int n = 200_001;
        FMatrix z = new FMatrix(1, n);
        for (int i = 0; i < n; i++) {
            z.data[i] = (float) (-40 + 80.0 * i / (n - 1));
        }
        FMatrix g = new FMatrix(1, n);
        Nonlinearity.parse("tanh").derivative(z, g);
        double worst = 0;
        float at = Float.NaN;
        for (int i = 0; i < n; i++) {
            double c = Math.cosh((double) z.data[i]);
            double exact = 1 / (c * c);
            double ulps = Math.abs(g.data[i] - exact) / Math.ulp((float) exact);
            if (ulps > worst) {
                worst = ulps;
                at = z.data[i];
            }
        }
        System.out.printf("tanh' in float: at most %.2f ulp of sech^2 (at z = %s)%n", worst, at);
        assertTrue(worst <= 4, "tanh' in float is " + worst + " ulp from sech^2 at z = " + at);
        // at z = 30, where 1 - tanh^2 gives 0 and f' is 4 exp(-60) / (1 + exp(-60))^2
        assertEquals(30f, z.data[175_000]);
        assertEquals(4 * Math.exp(-60), g.data[175_000], 4 * Math.exp(-60) * 1e-6);
        FMatrix inPlace = new FMatrix(1, n, z.data.clone());
        Nonlinearity.parse("tanh").derivative(inPlace, inPlace);
        assertArrayEquals(g.data, inPlace.data, 0f, "z and out the same matrix");
    }
}
