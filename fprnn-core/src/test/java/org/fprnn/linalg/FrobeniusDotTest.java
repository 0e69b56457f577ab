package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Ops.dot, the Frobenius inner product of whole matrices (norms of directions, angles, the training
 * loop's refusal check): its documented order of four partial sums has the bits it gives, in float and
 * double, at every size from 0 to 41, and it is within double's rounding of the exact sum.
 */
class FrobeniusDotTest {
    @Test
    void dotHasTheBitsOfItsFourPartialSumsAndIsNearlyExact() {
        SplittableRandom rnd = new SplittableRandom(21);
        for (int n = 0; n <= 41; n++) {
            FMatrix xf = new FMatrix(1, n);
            FMatrix yf = new FMatrix(1, n);
            DMatrix xd = new DMatrix(1, n);
            DMatrix yd = new DMatrix(1, n);
            for (int i = 0; i < n; i++) {
                xd.data[i] = rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-6, 6));
                yd.data[i] = rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-6, 6));
                xf.data[i] = (float) xd.data[i];
                yf.data[i] = (float) yd.data[i];
            }
            double[] sf = new double[4];
            double[] sd = new double[4];
            BigDecimal exactF = BigDecimal.ZERO;
            BigDecimal exactD = BigDecimal.ZERO;
            double absF = 0;
            double absD = 0;
            for (int i = 0; i < n; i++) {
                int lane = i < n / 4 * 4 ? i % 4 : 0;
                sf[lane] += (double) xf.data[i] * yf.data[i];
                sd[lane] += xd.data[i] * yd.data[i];
                exactF = exactF.add(new BigDecimal(xf.data[i]).multiply(new BigDecimal(yf.data[i])));
                exactD = exactD.add(new BigDecimal(xd.data[i]).multiply(new BigDecimal(yd.data[i])));
                absF += Math.abs((double) xf.data[i] * yf.data[i]);
                absD += Math.abs(xd.data[i] * yd.data[i]);
            }
            double gotF = Ops.dot(xf, yf);
            double gotD = Ops.dot(xd, yd);
            assertEquals(Double.doubleToLongBits((sf[0] + sf[1]) + (sf[2] + sf[3])), Double.doubleToLongBits(gotF),
                    "float, " + n + " elements");
            assertEquals(Double.doubleToLongBits((sd[0] + sd[1]) + (sd[2] + sd[3])), Double.doubleToLongBits(gotD),
                    "double, " + n + " elements");
            double errF = Math.abs(gotF - exactF.round(MathContext.DECIMAL64).doubleValue());
            double errD = Math.abs(gotD - exactD.round(MathContext.DECIMAL64).doubleValue());
            assertTrue(errF <= (n + 1) * 0x1p-52 * absF, n + " float elements: error " + errF);
            assertTrue(errD <= (n + 1) * 0x1p-52 * absD, n + " double elements: error " + errD);
        }
        assertThrows(IllegalArgumentException.class, () -> Ops.dot(new FMatrix(2, 3), new FMatrix(3, 2)));
    }
}
