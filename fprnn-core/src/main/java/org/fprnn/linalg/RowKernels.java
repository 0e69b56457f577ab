package org.fprnn.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-row (per-sample) kernels on the Vector API for Anderson's bookkeeping: dot products
 * accumulated in double, the history update (residual, damped step, largest residual) and the mixing
 * step.
 *
 * <p>They allocate nothing once compiled: no vector crosses a method boundary (a vector passed to
 * or returned from a method that C2 does not inline is boxed, and whether it inlines depends on
 * everything else the process has compiled), and lane sums go through a caller's scratch array.
 *
 * <p>They give the same bits interpreted and JIT-compiled: only exactly rounded lane operations
 * are used; sums have a fixed order (four vector accumulators over consecutive vectors of the row,
 * added as (a0 + a1) + (a2 + a3), lanes then added in order, then the tail one element at a time);
 * the Vector API's add reductions (whose order is unspecified) are not used, only its max
 * reduction, whose result does not depend on the order. A result depends only on the row's values
 * and length, not on where the row sits in its array, so a sample's result does not depend on the
 * other samples of its batch (MATH section 6 fact 7).
 */
public final class RowKernels {
    private RowKernels() {
    }

    // The species of VectorMath; FH has as many lanes as DS (float rows are widened to double lanes).
    private static final VectorSpecies<Double> DS = VectorMath.DS;
    private static final VectorSpecies<Float> FH = VectorMath.FH;
    private static final VectorSpecies<Float> FS = VectorMath.FS;
    private static final int L = DS.length();
    private static final int FL = FS.length();
    private static final VectorOperators.Conversion<Float, Double> F2D = VectorOperators.F2D;

    /** A scratch array for the lane sums of the dot products (one per thread of use). */
    public static double[] laneScratch() {
        return new double[L];
    }

    /**
     * sum_j x[xOff + j] * y[yOff + j] over j < len in double, y widened from float (if x holds
     * float values widened to double, every product is exact). {@code lanes} is a
     * {@link #laneScratch()} array.
     */
    public static double dot(double[] x, int xOff, float[] y, int yOff, int len, double[] lanes) {
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int j = 0;
        for (int end = len - 4 * L; j <= end; j += 4 * L) {
            DoubleVector y0 = (DoubleVector) FloatVector.fromArray(FH, y, yOff + j).convertShape(F2D, DS, 0);
            DoubleVector y1 = (DoubleVector) FloatVector.fromArray(FH, y, yOff + j + L).convertShape(F2D, DS, 0);
            DoubleVector y2 = (DoubleVector) FloatVector.fromArray(FH, y, yOff + j + 2 * L).convertShape(F2D, DS, 0);
            DoubleVector y3 = (DoubleVector) FloatVector.fromArray(FH, y, yOff + j + 3 * L).convertShape(F2D, DS, 0);
            a0 = DoubleVector.fromArray(DS, x, xOff + j).fma(y0, a0);
            a1 = DoubleVector.fromArray(DS, x, xOff + j + L).fma(y1, a1);
            a2 = DoubleVector.fromArray(DS, x, xOff + j + 2 * L).fma(y2, a2);
            a3 = DoubleVector.fromArray(DS, x, xOff + j + 3 * L).fma(y3, a3);
        }
        for (int end = len - L; j <= end; j += L) {
            DoubleVector y0 = (DoubleVector) FloatVector.fromArray(FH, y, yOff + j).convertShape(F2D, DS, 0);
            a0 = DoubleVector.fromArray(DS, x, xOff + j).fma(y0, a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        double s = lanes[0];
        for (int l = 1; l < L; l++) {
            s += lanes[l];
        }
        for (; j < len; j++) {
            s = Math.fma(x[xOff + j], y[yOff + j], s);
        }
        return s;
    }

    /**
     * sum_j x[xOff + j] * y[yOff + j] over j < len, each step a fused multiply-add. {@code lanes} is
     * a {@link #laneScratch()} array.
     */
    public static double dot(double[] x, int xOff, double[] y, int yOff, int len, double[] lanes) {
        DoubleVector a0 = DoubleVector.zero(DS);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        int j = 0;
        for (int end = len - 4 * L; j <= end; j += 4 * L) {
            a0 = DoubleVector.fromArray(DS, x, xOff + j).fma(DoubleVector.fromArray(DS, y, yOff + j), a0);
            a1 = DoubleVector.fromArray(DS, x, xOff + j + L).fma(DoubleVector.fromArray(DS, y, yOff + j + L), a1);
            a2 = DoubleVector.fromArray(DS, x, xOff + j + 2 * L)
                    .fma(DoubleVector.fromArray(DS, y, yOff + j + 2 * L), a2);
            a3 = DoubleVector.fromArray(DS, x, xOff + j + 3 * L)
                    .fma(DoubleVector.fromArray(DS, y, yOff + j + 3 * L), a3);
        }
        for (int end = len - L; j <= end; j += L) {
            a0 = DoubleVector.fromArray(DS, x, xOff + j).fma(DoubleVector.fromArray(DS, y, yOff + j), a0);
        }
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        double s = lanes[0];
        for (int l = 1; l < L; l++) {
            s += lanes[l];
        }
        for (; j < len; j++) {
            s = Math.fma(x[xOff + j], y[yOff + j], s);
        }
        return s;
    }

    /**
     * One Anderson history entry from a state row s and its image p: f = p - s (rounded to float) and
     * y = s + beta f (one fused multiply-add), at offset off, for j < len, and f widened to double into
     * wide[0, len) (for {@link #dot(double[], int, float[], int, int, double[])}); returns
     * max_j |f| (NaN if any is NaN).
     */
    public static double residualStep(float[] p, float[] s, float[] f, float[] y, float beta, double[] wide,
                                      int off, int len) {
        FloatVector mx0 = FloatVector.zero(FS);
        FloatVector mx1 = mx0;
        FloatVector bv = FloatVector.broadcast(FS, beta);
        int j = 0;
        for (int end = len - 2 * FL; j <= end; j += 2 * FL) {
            FloatVector s0 = FloatVector.fromArray(FS, s, off + j);
            FloatVector s1 = FloatVector.fromArray(FS, s, off + j + FL);
            FloatVector f0 = FloatVector.fromArray(FS, p, off + j).sub(s0);
            FloatVector f1 = FloatVector.fromArray(FS, p, off + j + FL).sub(s1);
            f0.intoArray(f, off + j);
            f1.intoArray(f, off + j + FL);
            for (int part = 0; part < FL / L; part++) {
                ((DoubleVector) f0.convertShape(F2D, DS, part)).intoArray(wide, j + part * L);
                ((DoubleVector) f1.convertShape(F2D, DS, part)).intoArray(wide, j + FL + part * L);
            }
            f0.fma(bv, s0).intoArray(y, off + j);
            f1.fma(bv, s1).intoArray(y, off + j + FL);
            mx0 = mx0.max(f0.abs());
            mx1 = mx1.max(f1.abs());
        }
        float m = mx0.max(mx1).reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            float v = p[off + j] - s[off + j];
            f[off + j] = v;
            wide[j] = v;
            y[off + j] = Math.fma(v, beta, s[off + j]);
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * {@link #residualStep(float[], float[], float[], float[], float, double[], int, int)} and the
     * residual's dot products with four other rows in the same pass over the row, with the same bits
     * as that step followed by {@link #dot(double[], int, float[], int, int, double[])} of the widened
     * residual with itself and with each row: f = p - s, y = s + beta f at offset off for j < len,
     * dots[0] = f . f and dots[1 + c] = f . r_c (r_c at offset off, c < 4), each summed in double in
     * dot's order (four vector accumulators, (a0 + a1) + (a2 + a3), the lanes in order, then the
     * tail). One pass instead of six: the residual stays in registers, each history row is read once.
     * A row not needed may be any array of the length (its dot is computed and ignored).
     * {@code lanes} is a {@link #laneScratch()} array.
     *
     * @return max_j |f| (NaN if any is NaN)
     */
    public static double residualGram(float[] p, float[] s, float[] f, float[] y, float beta, float[] r0,
                                      float[] r1, float[] r2, float[] r3, double[] dots, int off, int len,
                                      double[] lanes) {
        FloatVector mx0 = FloatVector.zero(FS);
        FloatVector mx1 = mx0;
        FloatVector bv = FloatVector.broadcast(FS, beta);
        DoubleVector z = DoubleVector.zero(DS);
        DoubleVector e0 = z, e1 = z, e2 = z, e3 = z;
        DoubleVector a0 = z, a1 = z, a2 = z, a3 = z;
        DoubleVector b0 = z, b1 = z, b2 = z, b3 = z;
        DoubleVector c0 = z, c1 = z, c2 = z, c3 = z;
        DoubleVector d0 = z, d1 = z, d2 = z, d3 = z;
        int j = 0;
        // 4 L = 2 FL elements per step: the four double vectors of dot's four accumulators
        for (int end = len - 4 * L; j <= end; j += 4 * L) {
            int o = off + j;
            FloatVector s0 = FloatVector.fromArray(FS, s, o);
            FloatVector s1 = FloatVector.fromArray(FS, s, o + FL);
            FloatVector f0 = FloatVector.fromArray(FS, p, o).sub(s0);
            FloatVector f1 = FloatVector.fromArray(FS, p, o + FL).sub(s1);
            f0.intoArray(f, o);
            f1.intoArray(f, o + FL);
            f0.fma(bv, s0).intoArray(y, o);
            f1.fma(bv, s1).intoArray(y, o + FL);
            mx0 = mx0.max(f0.abs());
            mx1 = mx1.max(f1.abs());
            DoubleVector w0 = (DoubleVector) f0.convertShape(F2D, DS, 0);
            DoubleVector w1 = (DoubleVector) f0.convertShape(F2D, DS, 1);
            DoubleVector w2 = (DoubleVector) f1.convertShape(F2D, DS, 0);
            DoubleVector w3 = (DoubleVector) f1.convertShape(F2D, DS, 1);
            e0 = w0.fma(w0, e0);
            e1 = w1.fma(w1, e1);
            e2 = w2.fma(w2, e2);
            e3 = w3.fma(w3, e3);
            a0 = w0.fma((DoubleVector) FloatVector.fromArray(FH, r0, o).convertShape(F2D, DS, 0), a0);
            a1 = w1.fma((DoubleVector) FloatVector.fromArray(FH, r0, o + L).convertShape(F2D, DS, 0), a1);
            a2 = w2.fma((DoubleVector) FloatVector.fromArray(FH, r0, o + 2 * L).convertShape(F2D, DS, 0), a2);
            a3 = w3.fma((DoubleVector) FloatVector.fromArray(FH, r0, o + 3 * L).convertShape(F2D, DS, 0), a3);
            b0 = w0.fma((DoubleVector) FloatVector.fromArray(FH, r1, o).convertShape(F2D, DS, 0), b0);
            b1 = w1.fma((DoubleVector) FloatVector.fromArray(FH, r1, o + L).convertShape(F2D, DS, 0), b1);
            b2 = w2.fma((DoubleVector) FloatVector.fromArray(FH, r1, o + 2 * L).convertShape(F2D, DS, 0), b2);
            b3 = w3.fma((DoubleVector) FloatVector.fromArray(FH, r1, o + 3 * L).convertShape(F2D, DS, 0), b3);
            c0 = w0.fma((DoubleVector) FloatVector.fromArray(FH, r2, o).convertShape(F2D, DS, 0), c0);
            c1 = w1.fma((DoubleVector) FloatVector.fromArray(FH, r2, o + L).convertShape(F2D, DS, 0), c1);
            c2 = w2.fma((DoubleVector) FloatVector.fromArray(FH, r2, o + 2 * L).convertShape(F2D, DS, 0), c2);
            c3 = w3.fma((DoubleVector) FloatVector.fromArray(FH, r2, o + 3 * L).convertShape(F2D, DS, 0), c3);
            d0 = w0.fma((DoubleVector) FloatVector.fromArray(FH, r3, o).convertShape(F2D, DS, 0), d0);
            d1 = w1.fma((DoubleVector) FloatVector.fromArray(FH, r3, o + L).convertShape(F2D, DS, 0), d1);
            d2 = w2.fma((DoubleVector) FloatVector.fromArray(FH, r3, o + 2 * L).convertShape(F2D, DS, 0), d2);
            d3 = w3.fma((DoubleVector) FloatVector.fromArray(FH, r3, o + 3 * L).convertShape(F2D, DS, 0), d3);
        }
        float m = mx0.max(mx1).reduceLanes(VectorOperators.MAX);
        int rest = j;
        // dot's single-vector steps into its first accumulator (residualStep does these elements one by one)
        for (int end = len - L; j <= end; j += L) {
            int o = off + j;
            DoubleVector w = (DoubleVector) FloatVector.fromArray(FH, p, o).sub(FloatVector.fromArray(FH, s, o))
                    .convertShape(F2D, DS, 0);
            e0 = w.fma(w, e0);
            a0 = w.fma((DoubleVector) FloatVector.fromArray(FH, r0, o).convertShape(F2D, DS, 0), a0);
            b0 = w.fma((DoubleVector) FloatVector.fromArray(FH, r1, o).convertShape(F2D, DS, 0), b0);
            c0 = w.fma((DoubleVector) FloatVector.fromArray(FH, r2, o).convertShape(F2D, DS, 0), c0);
            d0 = w.fma((DoubleVector) FloatVector.fromArray(FH, r3, o).convertShape(F2D, DS, 0), d0);
        }
        e0.add(e1).add(e2.add(e3)).intoArray(lanes, 0);
        double se = laneSum(lanes);
        a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
        double sa = laneSum(lanes);
        b0.add(b1).add(b2.add(b3)).intoArray(lanes, 0);
        double sb = laneSum(lanes);
        c0.add(c1).add(c2.add(c3)).intoArray(lanes, 0);
        double sc = laneSum(lanes);
        d0.add(d1).add(d2.add(d3)).intoArray(lanes, 0);
        double sd = laneSum(lanes);
        for (int k = rest; k < len; k++) {
            int o = off + k;
            float v = p[o] - s[o];
            f[o] = v;
            y[o] = Math.fma(v, beta, s[o]);
            m = Math.max(m, Math.abs(v));
            if (k >= j) { // dot's scalar tail
                double w = v;
                se = Math.fma(w, w, se);
                sa = Math.fma(w, r0[o], sa);
                sb = Math.fma(w, r1[o], sb);
                sc = Math.fma(w, r2[o], sc);
                sd = Math.fma(w, r3[o], sd);
            }
        }
        dots[0] = se;
        dots[1] = sa;
        dots[2] = sb;
        dots[3] = sc;
        dots[4] = sd;
        return m;
    }

    /** lanes[0] + lanes[1] + ... in order (dot's lane sum). */
    private static double laneSum(double[] lanes) {
        double s = lanes[0];
        for (int l = 1; l < L; l++) {
            s += lanes[l];
        }
        return s;
    }

    /**
     * out = (float) (p - s) at offset off for j < len (the difference in double, rounded once to
     * float); returns max_j |p - s| in double (NaN if any is NaN). The residual of a double iterate,
     * handed to a float solve (mixed-precision refinement).
     */
    public static double residualToFloat(double[] p, double[] s, float[] out, int off, int len) {
        DoubleVector mx = DoubleVector.zero(DS);
        int j = 0;
        for (int end = len - L; j <= end; j += L) {
            DoubleVector d = DoubleVector.fromArray(DS, p, off + j).sub(DoubleVector.fromArray(DS, s, off + j));
            mx = mx.max(d.abs());
            ((FloatVector) d.convertShape(VectorOperators.D2F, FH, 0)).intoArray(out, off + j);
        }
        double m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            double d = p[off + j] - s[off + j];
            m = Math.max(m, Math.abs(d));
            out[off + j] = (float) d;
        }
        return m;
    }

    /** y += x (x widened to double, then one rounded add) at offset off for j < len. */
    public static void addWidened(double[] y, float[] x, int off, int len) {
        int j = 0;
        for (int end = len - L; j <= end; j += L) {
            DoubleVector.fromArray(DS, y, off + j)
                    .add((DoubleVector) FloatVector.fromArray(FH, x, off + j).convertShape(F2D, DS, 0))
                    .intoArray(y, off + j);
        }
        for (; j < len; j++) {
            y[off + j] += x[off + j];
        }
    }

    /**
     * The double version of {@link #residualStep(float[], float[], float[], float[], float, double[], int, int)},
     * without the widened copy.
     */
    public static double residualStep(double[] p, double[] s, double[] f, double[] y, double beta, int off,
                                      int len) {
        DoubleVector mx0 = DoubleVector.zero(DS);
        DoubleVector mx1 = mx0;
        DoubleVector bv = DoubleVector.broadcast(DS, beta);
        int j = 0;
        for (int end = len - 2 * L; j <= end; j += 2 * L) {
            DoubleVector s0 = DoubleVector.fromArray(DS, s, off + j);
            DoubleVector s1 = DoubleVector.fromArray(DS, s, off + j + L);
            DoubleVector f0 = DoubleVector.fromArray(DS, p, off + j).sub(s0);
            DoubleVector f1 = DoubleVector.fromArray(DS, p, off + j + L).sub(s1);
            f0.intoArray(f, off + j);
            f1.intoArray(f, off + j + L);
            f0.fma(bv, s0).intoArray(y, off + j);
            f1.fma(bv, s1).intoArray(y, off + j + L);
            mx0 = mx0.max(f0.abs());
            mx1 = mx1.max(f1.abs());
        }
        double m = mx0.max(mx1).reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            double v = p[off + j] - s[off + j];
            f[off + j] = v;
            y[off + j] = Math.fma(v, beta, s[off + j]);
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * One Euler (damped fixed-point) step of a row: next = s + alpha (p - s), as s + (alpha (p - s)) with
     * each operation rounded (alpha = 1 copies p exactly), at offset off for j < len; returns
     * max_j |p - s| (NaN if any is NaN).
     */
    public static double eulerStep(float[] p, float[] s, float[] next, float alpha, int off, int len) {
        FloatVector mx = FloatVector.zero(FS);
        FloatVector av = FloatVector.broadcast(FS, alpha);
        boolean copy = alpha == 1f;
        int j = 0;
        for (int end = len - FL; j <= end; j += FL) {
            FloatVector sv = FloatVector.fromArray(FS, s, off + j);
            FloatVector pv = FloatVector.fromArray(FS, p, off + j);
            FloatVector d = pv.sub(sv);
            (copy ? pv : d.mul(av).add(sv)).intoArray(next, off + j);
            mx = mx.max(d.abs());
        }
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            float d = p[off + j] - s[off + j];
            next[off + j] = copy ? p[off + j] : s[off + j] + alpha * d;
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    /**
     * {@link #eulerStep(float[], float[], float[], float, int, int)} with a step per column:
     * next_j = s_j + alpha[j] (p_j - s_j) (per-unit time constants, MATH section 1).
     */
    public static double eulerStep(float[] p, float[] s, float[] next, float[] alpha, int off, int len) {
        FloatVector mx = FloatVector.zero(FS);
        int j = 0;
        for (int end = len - FL; j <= end; j += FL) {
            FloatVector sv = FloatVector.fromArray(FS, s, off + j);
            FloatVector d = FloatVector.fromArray(FS, p, off + j).sub(sv);
            d.mul(FloatVector.fromArray(FS, alpha, j)).add(sv).intoArray(next, off + j);
            mx = mx.max(d.abs());
        }
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            float d = p[off + j] - s[off + j];
            next[off + j] = s[off + j] + alpha[j] * d;
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    /** The double version of {@link #eulerStep(float[], float[], float[], float, int, int)}. */
    public static double eulerStep(double[] p, double[] s, double[] next, double alpha, int off, int len) {
        DoubleVector mx = DoubleVector.zero(DS);
        DoubleVector av = DoubleVector.broadcast(DS, alpha);
        boolean copy = alpha == 1.0;
        int j = 0;
        for (int end = len - L; j <= end; j += L) {
            DoubleVector sv = DoubleVector.fromArray(DS, s, off + j);
            DoubleVector pv = DoubleVector.fromArray(DS, p, off + j);
            DoubleVector d = pv.sub(sv);
            (copy ? pv : d.mul(av).add(sv)).intoArray(next, off + j);
            mx = mx.max(d.abs());
        }
        double m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            double d = p[off + j] - s[off + j];
            next[off + j] = copy ? p[off + j] : s[off + j] + alpha * d;
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    /** The double version of {@link #eulerStep(float[], float[], float[], float[], int, int)}. */
    public static double eulerStep(double[] p, double[] s, double[] next, double[] alpha, int off, int len) {
        DoubleVector mx = DoubleVector.zero(DS);
        int j = 0;
        for (int end = len - L; j <= end; j += L) {
            DoubleVector sv = DoubleVector.fromArray(DS, s, off + j);
            DoubleVector d = DoubleVector.fromArray(DS, p, off + j).sub(sv);
            d.mul(DoubleVector.fromArray(DS, alpha, j)).add(sv).intoArray(next, off + j);
            mx = mx.max(d.abs());
        }
        double m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            double d = p[off + j] - s[off + j];
            next[off + j] = s[off + j] + alpha[j] * d;
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    /**
     * out[off + j] = sum over h < hist of a_h ys[h][off + j], with a_h = coef[c0 + h] and
     * sum_h a_h = 1, computed as ys[last] + sum over h != last, in order, of a_h (ys[h] - ys[last])
     * (one fused multiply-add per term; in float for float rows, the coefficient rounded to float):
     * Anderson's mixing step. Near convergence the rows are close and the coefficients may be large
     * with opposite signs; in this form the rounding error scales with the differences of the rows,
     * not with the rows themselves. For j < len; one pass over the row per term (it stays in L1).
     */
    public static void combine(float[] out, float[][] ys, int last, double[] coef, int c0, int hist, int off,
                               int len) {
        if (hist == 5) {
            combine4(out, ys, last, coef, c0, off, len);
            return;
        }
        int vend = len - len % FL;
        float[] yl = ys[last];
        System.arraycopy(yl, off, out, off, len);
        for (int h = 0; h < hist; h++) {
            if (h == last) {
                continue;
            }
            float a = (float) coef[c0 + h];
            float[] yh = ys[h];
            FloatVector ah = FloatVector.broadcast(FS, a);
            for (int j = 0; j < vend; j += FL) {
                FloatVector.fromArray(FS, yh, off + j).sub(FloatVector.fromArray(FS, yl, off + j))
                        .fma(ah, FloatVector.fromArray(FS, out, off + j)).intoArray(out, off + j);
            }
            for (int j = vend; j < len; j++) {
                out[off + j] = Math.fma(yh[off + j] - yl[off + j], a, out[off + j]);
            }
        }
    }

    /**
     * {@link #combine(float[], float[][], int, double[], int, int, int, int)} with five rows (four
     * terms), in one pass: each element goes through the same operations in the same order, so the
     * bits are the same, but the row is written once instead of read and written per term.
     */
    private static void combine4(float[] out, float[][] ys, int last, double[] coef, int c0, int off, int len) {
        // the four rows other than the last, in order, and their coefficients rounded to float
        int h0 = last == 0 ? 1 : 0;
        int h1 = h0 + 1 == last ? h0 + 2 : h0 + 1;
        int h2 = h1 + 1 == last ? h1 + 2 : h1 + 1;
        int h3 = h2 + 1 == last ? h2 + 2 : h2 + 1;
        float[] yl = ys[last];
        float[] y0 = ys[h0];
        float[] y1 = ys[h1];
        float[] y2 = ys[h2];
        float[] y3 = ys[h3];
        float q0 = (float) coef[c0 + h0];
        float q1 = (float) coef[c0 + h1];
        float q2 = (float) coef[c0 + h2];
        float q3 = (float) coef[c0 + h3];
        FloatVector v0 = FloatVector.broadcast(FS, q0);
        FloatVector v1 = FloatVector.broadcast(FS, q1);
        FloatVector v2 = FloatVector.broadcast(FS, q2);
        FloatVector v3 = FloatVector.broadcast(FS, q3);
        int vend = len - len % FL;
        for (int j = 0; j < vend; j += FL) {
            int o = off + j;
            FloatVector l = FloatVector.fromArray(FS, yl, o);
            FloatVector acc = FloatVector.fromArray(FS, y0, o).sub(l).fma(v0, l);
            acc = FloatVector.fromArray(FS, y1, o).sub(l).fma(v1, acc);
            acc = FloatVector.fromArray(FS, y2, o).sub(l).fma(v2, acc);
            FloatVector.fromArray(FS, y3, o).sub(l).fma(v3, acc).intoArray(out, o);
        }
        for (int j = vend; j < len; j++) {
            int o = off + j;
            float l = yl[o];
            float acc = Math.fma(y0[o] - l, q0, l);
            acc = Math.fma(y1[o] - l, q1, acc);
            acc = Math.fma(y2[o] - l, q2, acc);
            out[o] = Math.fma(y3[o] - l, q3, acc);
        }
    }

    /** The double version of {@link #combine(float[], float[][], int, double[], int, int, int, int)}. */
    public static void combine(double[] out, double[][] ys, int last, double[] coef, int c0, int hist, int off,
                               int len) {
        int vend = len - len % L;
        double[] yl = ys[last];
        System.arraycopy(yl, off, out, off, len);
        for (int h = 0; h < hist; h++) {
            if (h == last) {
                continue;
            }
            double a = coef[c0 + h];
            double[] yh = ys[h];
            DoubleVector ah = DoubleVector.broadcast(DS, a);
            for (int j = 0; j < vend; j += L) {
                DoubleVector.fromArray(DS, yh, off + j).sub(DoubleVector.fromArray(DS, yl, off + j))
                        .fma(ah, DoubleVector.fromArray(DS, out, off + j)).intoArray(out, off + j);
            }
            for (int j = vend; j < len; j++) {
                out[off + j] = Math.fma(yh[off + j] - yl[off + j], a, out[off + j]);
            }
        }
    }
}
