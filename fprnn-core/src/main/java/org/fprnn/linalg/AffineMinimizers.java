package org.fprnn.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Anderson's mixing coefficients of several samples at once (MATH section 6 fact 7), one sample per
 * lane of a double vector: per sample the bits of {@link Decompositions#affineMinimizer}, whose
 * operations (max, products, differences, quotients and square roots, each rounded once, none fused)
 * every lane performs in the same order. One sample's solve is a chain of dependent divisions and
 * square roots; here 8 samples (AVX-512; 4 with AVX2) share each chain's instructions.
 *
 * <p>Shapes: sample i's hist x hist Gram matrix is read at gram[i m m + r m + c] (lower triangle,
 * c <= r < hist), its coefficients go to coef[i m .. i m + hist), and ok[i] becomes 1 if they were
 * solved, 0 if {@link Decompositions#affineMinimizer} would return false (then coef is not
 * written). An instance holds the lanes' scratch for one memory m: one per thread, nothing allocated
 * per call.
 */
public final class AffineMinimizers {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Samples per vector. */
    public static final int LANES = DS.length();
    /** The ridge of {@link Decompositions#affineMinimizer}, relative to the largest diagonal entry. */
    private static final double RIDGE = Decompositions.AFFINE_RIDGE;

    private final int m;
    /** Lane-major scratch: the Gram matrix's lower triangle, then L, then 1 / L_rr, then y. */
    private final double[] a;
    private final double[] l;
    private final double[] diag;
    private final double[] y;
    /** Per lane: the scale, the sum of y and its reciprocal (entries SCALE, SUM, INV_SUM). */
    private final double[] checks = new double[3 * LANES];
    /** Per lane: where its sample's Gram matrix starts. */
    private final int[] starts = new int[LANES];
    private static final int SCALE = 0;
    private static final int SUM = 1;
    private static final int INV_SUM = 2;

    /** Scratch for memory m (at least 1). */
    public AffineMinimizers(int m) {
        if (m < 1) {
            throw new IllegalArgumentException("Anderson memory must be at least 1, got " + m);
        }
        this.m = m;
        a = new double[m * m * LANES];
        l = new double[m * m * LANES];
        diag = new double[m * LANES];
        y = new double[m * LANES];
    }

    /** The memory m this scratch is for. */
    public int memory() {
        return m;
    }

    /**
     * Solves the samples rows[0 .. count) (the Gram matrices' memory is {@link #memory()}, hist of
     * its entries in use, 1 <= hist <= m).
     */
    public void solve(double[] gram, int hist, int[] rows, int count, double[] coef, int[] ok) {
        if (hist < 1 || hist > m) {
            throw new IllegalArgumentException("history length " + hist + " outside 1 .. " + m);
        }
        for (int g = 0; g < count; g += LANES) {
            int lanes = Math.min(LANES, count - g);
            load(gram, hist, rows, g, lanes);
            long solved = lanes(hist);
            for (int q = 0; q < lanes; q++) {
                int i = rows[g + q];
                boolean good = (solved >>> q & 1) != 0;
                ok[i] = good ? 1 : 0;
                if (good) {
                    for (int j = 0; j < hist; j++) {
                        coef[i * m + j] = y[j * LANES + q];
                    }
                }
            }
        }
    }

    /**
     * The lower triangles of samples rows[g .. g + lanes) into a, lane-major, one gather per entry;
     * unused lanes repeat the last sample.
     */
    private void load(double[] gram, int hist, int[] rows, int g, int lanes) {
        int mm = m * m;
        for (int q = 0; q < LANES; q++) {
            starts[q] = rows[g + Math.min(q, lanes - 1)] * mm;
        }
        for (int r = 0; r < hist; r++) {
            for (int c = 0; c <= r; c++) {
                int e = r * m + c;
                DoubleVector.fromArray(DS, gram, e, starts, 0).intoArray(a, e * LANES);
            }
        }
    }

    /**
     * The solve on the loaded lanes, y the coefficients; returns the lanes solved, as bits. The
     * checks of {@link Decompositions#affineMinimizer} are made per lane afterwards, on values kept
     * in the scratch (a pivot v > 0 exactly when 1 / sqrt(v) is finite), so no vector mask is carried
     * through the loops (C2 then boxes it: an allocation per iteration).
     */
    private long lanes(int hist) {
        DoubleVector one = DoubleVector.broadcast(DS, 1.0);
        DoubleVector scale = DoubleVector.zero(DS);
        for (int j = 0; j < hist; j++) {
            scale = scale.lanewise(VectorOperators.MAX, at(a, j * m + j));
        }
        scale.intoArray(checks, SCALE * LANES);
        DoubleVector inv = one.div(scale);
        // Cholesky of H / scale + ridge I, as Decompositions.cholesky: L's strict lower triangle, 1 / L_rr
        for (int r = 0; r < hist; r++) {
            for (int c = 0; c < r; c++) {
                DoubleVector v = at(a, r * m + c).mul(inv);
                for (int p = 0; p < c; p++) {
                    v = v.sub(at(l, r * m + p).mul(at(l, c * m + p)));
                }
                v.mul(at(diag, c)).intoArray(l, (r * m + c) * LANES);
            }
            DoubleVector v = at(a, r * m + r).mul(inv).add(RIDGE);
            for (int p = 0; p < r; p++) {
                DoubleVector lp = at(l, r * m + p);
                v = v.sub(lp.mul(lp));
            }
            one.div(v.sqrt()).intoArray(diag, r * LANES);
        }
        // L L^T y = 1, as Decompositions.choleskySolve
        for (int r = 0; r < hist; r++) {
            DoubleVector v = one;
            for (int p = 0; p < r; p++) {
                v = v.sub(at(l, r * m + p).mul(at(y, p)));
            }
            v.mul(at(diag, r)).intoArray(y, r * LANES);
        }
        for (int r = hist - 1; r >= 0; r--) {
            DoubleVector v = at(y, r);
            for (int p = r + 1; p < hist; p++) {
                v = v.sub(at(l, p * m + r).mul(at(y, p)));
            }
            v.mul(at(diag, r)).intoArray(y, r * LANES);
        }
        DoubleVector sum = DoubleVector.zero(DS);
        for (int j = 0; j < hist; j++) {
            sum = sum.add(at(y, j));
        }
        sum.intoArray(checks, SUM * LANES);
        one.div(sum).intoArray(checks, INV_SUM * LANES);
        for (int j = 0; j < hist; j++) {
            at(y, j).mul(at(checks, INV_SUM)).intoArray(y, j * LANES);
        }
        long good = 0;
        for (int q = 0; q < LANES; q++) {
            double sc = checks[SCALE * LANES + q];
            double su = checks[SUM * LANES + q];
            boolean ok = sc > 0 && Double.isFinite(sc) && su != 0 && Double.isFinite(su);
            for (int j = 0; j < hist && ok; j++) {
                ok = Double.isFinite(diag[j * LANES + q]) && Double.isFinite(y[j * LANES + q]);
            }
            good |= ok ? 1L << q : 0;
        }
        return good;
    }

    private static DoubleVector at(double[] lanes, int entry) {
        return DoubleVector.fromArray(DS, lanes, entry * LANES);
    }
}
