package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Anderson's coefficients of several samples at once ({@link AffineMinimizers}) have, per sample,
 * the bits and the verdict of the one-sample solve ({@link Decompositions#affineMinimizer}): on Gram
 * matrices of random residuals, of nearly dependent ones, and on refused ones (zero, infinite, NaN,
 * not positive definite), for every history length, memories 5 and 6, any subset of rows in any
 * order, and counts that fill a vector, leave part of one or are zero.
 */
class AffineMinimizersTest {
    /** Sample i's m x m Gram matrix (both triangles) at gram[i m m]: kind 0 random, 1 nearly dependent, else refused. */
    static double[] grams(int samples, int m, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] gram = new double[samples * m * m];
        int len = 7;
        for (int i = 0; i < samples; i++) {
            double[][] f = new double[m][len];
            int kind = rnd.nextInt(8);
            double size = Math.exp(rnd.nextDouble(-20, 20));
            for (int j = 0; j < m; j++) {
                for (int t = 0; t < len; t++) {
                    f[j][t] = kind == 1 && j > 0 ? f[0][t] * (1 + 1e-9 * rnd.nextDouble(-1, 1)) : size * rnd.nextDouble(-1, 1);
                }
            }
            int g0 = i * m * m;
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < m; k++) {
                    double s = 0;
                    for (int t = 0; t < len; t++) {
                        s += f[j][t] * f[k][t];
                    }
                    gram[g0 + j * m + k] = s;
                }
            }
            switch (kind) {
                case 2 -> Arrays.fill(gram, g0, g0 + m * m, 0.0);
                case 3 -> gram[g0] = Double.POSITIVE_INFINITY;
                case 4 -> gram[g0 + m + 1 < g0 + m * m ? g0 + m + 1 : g0] = Double.NaN;
                case 5 -> gram[g0 + (m - 1) * m] = gram[g0 + m * m - 1] * 1e3; // indefinite where the history reaches it
                default -> { }
            }
        }
        return gram;
    }

    @Test
    void eachSampleHasTheBitsOfTheOneSampleSolve() {
        int samples = 3 * AffineMinimizers.LANES + 5;
        for (int m : new int[] {5, 6}) {
            double[] gram = grams(samples, m, 11 + m);
            AffineMinimizers lanes = new AffineMinimizers(m);
            SplittableRandom rnd = new SplittableRandom(m);
            for (int hist = 1; hist <= m; hist++) {
                for (int count : new int[] {0, 1, AffineMinimizers.LANES, samples - 3, samples}) {
                    int[] rows = new int[count];
                    int[] order = rnd.ints(0, samples).distinct().limit(count).toArray();
                    System.arraycopy(order, 0, rows, 0, count);
                    double[] coef = new double[samples * m];
                    Arrays.fill(coef, -7.0);
                    int[] ok = new int[samples];
                    Arrays.fill(ok, 5);
                    lanes.solve(gram, hist, rows, count, coef, ok);
                    double[] sys = new double[gram.length];
                    double[] one = new double[m];
                    for (int q = 0; q < count; q++) {
                        int i = rows[q];
                        boolean expected = Decompositions.affineMinimizer(gram, i * m * m, m, hist, sys, one, 0);
                        String where = "m " + m + ", hist " + hist + ", count " + count + ", sample " + i;
                        assertEquals(expected ? 1 : 0, ok[i], where);
                        for (int j = 0; j < hist; j++) {
                            assertEquals(expected ? Double.doubleToRawLongBits(one[j]) : Double.doubleToRawLongBits(-7.0),
                                    Double.doubleToRawLongBits(coef[i * m + j]), where + ", coefficient " + j);
                        }
                    }
                    long untouched = Arrays.stream(ok).filter(v -> v == 5).count();
                    assertEquals(samples - count, untouched, "only the rows given are solved");
                }
            }
        }
    }

    /** Both verdicts occur in the fixture, so the comparison above tests each. */
    @Test
    void theFixtureHoldsSolvedAndRefusedSamples() {
        int m = 5;
        int samples = 40;
        double[] gram = grams(samples, m, 16);
        int[] rows = java.util.stream.IntStream.range(0, samples).toArray();
        int[] ok = new int[samples];
        new AffineMinimizers(m).solve(gram, m, rows, samples, new double[samples * m], ok);
        int solved = Arrays.stream(ok).sum();
        org.junit.jupiter.api.Assertions.assertTrue(solved > 5 && solved < samples - 5, solved + " of " + samples + " solved");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AffineMinimizers(0));
        AffineMinimizers lanes = new AffineMinimizers(3);
        assertThrows(IllegalArgumentException.class, () -> lanes.solve(new double[9], 4, new int[] {0}, 1,
                new double[3], new int[1]));
        assertThrows(IllegalArgumentException.class, () -> lanes.solve(new double[9], 0, new int[] {0}, 1,
                new double[3], new int[1]));
    }
}
