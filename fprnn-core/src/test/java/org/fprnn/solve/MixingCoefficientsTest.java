package org.fprnn.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.fprnn.linalg.RowKernels;
import org.junit.jupiter.api.Test;

/**
 * Anderson's mixing coefficients solved several samples at once in vector lanes
 * ({@link RowKernels#mixingCoefficients}) have the bits of the one-sample solve
 * ({@link AndersonSolver#solveCoefficients}), and fail on exactly the same samples: Gram matrices of
 * random residuals of mixed scales, rank-deficient ones, zero ones, ones with NaN or infinity, and
 * indefinite ones, for every history length up to the memory.
 */
class MixingCoefficientsTest {
    private static final double RIDGE = 1e-10;

    @Test
    void lanesGiveTheBitsOfTheOneSampleSolve() {
        SplittableRandom rnd = new SplittableRandom(13);
        int lanes = RowKernels.coefficientLanes();
        int failures = 0;
        int solved = 0;
        for (int m : new int[] {5, 7}) {
            int b = 3 * lanes + 1;
            for (int hist = 1; hist <= m; hist++) {
                for (int trial = 0; trial < 40; trial++) {
                    double[] gram = new double[b * m * m];
                    for (int s = 0; s < b; s++) {
                        fill(gram, s * m * m, m, hist, rnd, (s + trial) % 9);
                    }
                    double[] want = new double[b * m];
                    double[] sys = new double[b * m * m];
                    boolean[] wantOk = new boolean[b];
                    for (int s = 0; s < b; s++) {
                        wantOk[s] = AndersonSolver.solveCoefficients(gram, s * m * m, m, hist, sys, want, s * m);
                    }
                    // the samples in a scattered order, in groups of every size up to the lane count
                    int[] order = new int[b];
                    for (int s = 0; s < b; s++) {
                        order[s] = s;
                    }
                    for (int s = b - 1; s > 0; s--) {
                        int t = rnd.nextInt(s + 1);
                        int o = order[s];
                        order[s] = order[t];
                        order[t] = o;
                    }
                    double[] got = new double[b * m];
                    int[] ok = new int[b];
                    double[] scratch = new double[(2 * m * m + 2 * m) * lanes];
                    int[] at = new int[lanes];
                    for (int from = 0, size = 1; from < b; from += size, size = size % lanes + 1) {
                        int count = Math.min(size, b - from);
                        System.arraycopy(order, from, at, 0, count);
                        RowKernels.mixingCoefficients(gram, at, count, m, hist, RIDGE, got, ok, scratch);
                    }
                    for (int s = 0; s < b; s++) {
                        assertEquals(wantOk[s] ? 1 : 0, ok[s], "m " + m + ", hist " + hist + ", sample " + s);
                        if (wantOk[s]) {
                            solved++;
                            for (int j = 0; j < hist; j++) {
                                assertEquals(Double.doubleToLongBits(want[s * m + j]),
                                        Double.doubleToLongBits(got[s * m + j]), "coefficient " + j);
                            }
                        } else {
                            failures++;
                        }
                    }
                }
            }
        }
        assertTrue(failures > 1000 && solved > 1000, failures + " failures, " + solved + " solved: both kinds must be checked");
    }

    /** The Gram matrix of hist residual rows of one of several kinds (kind 0 to 8). */
    private static void fill(double[] gram, int g0, int m, int hist, SplittableRandom rnd, int kind) {
        int n = 12;
        double[][] f = new double[hist][n];
        double scale = Math.exp(rnd.nextDouble(-30, 5));
        for (int j = 0; j < hist; j++) {
            for (int k = 0; k < n; k++) {
                f[j][k] = scale * rnd.nextDouble(-1, 1);
            }
        }
        if (kind == 1 && hist > 1) {
            f[hist - 1] = f[0].clone(); // rank-deficient: the ridge keeps it definite
        }
        for (int r = 0; r < hist; r++) {
            for (int c = 0; c < hist; c++) {
                double d = 0;
                for (int k = 0; k < n; k++) {
                    d += f[r][k] * f[c][k];
                }
                gram[g0 + r * m + c] = kind == 2 ? 0 : d;
            }
        }
        if (kind == 3) {
            gram[g0 + (hist - 1) * m + (hist - 1)] = Double.NaN;
        } else if (kind == 4) {
            gram[g0] = Double.POSITIVE_INFINITY;
        } else if (kind == 5 && hist > 1) {
            gram[g0 + m + 1] = -gram[g0 + m + 1]; // indefinite
        } else if (kind == 6 && hist > 1) {
            gram[g0 + m] = 3 * gram[g0 + m + 1] + 3 * gram[g0]; // far off the diagonal
            gram[g0 + 1] = gram[g0 + m];
        }
    }
}
