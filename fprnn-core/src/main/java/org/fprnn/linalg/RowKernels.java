package org.fprnn.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-row (per-sample) kernels on the Vector API for Anderson's bookkeeping: dot products (of float
 * rows in float lanes summed in double, of double rows in double), the history update (residual,
 * damped step, largest residual) and the mixing step.
 *
 * <p>They allocate nothing once compiled: no vector crosses a method boundary (a vector passed to
 * or returned from a method that C2 does not inline is boxed, and whether it inlines depends on
 * everything else the process has compiled), and lane sums go through a caller's scratch array.
 *
 * <p>They give the same bits interpreted and JIT-compiled: only exactly rounded lane operations
 * are used; sums have a fixed order (double rows: four vector accumulators over consecutive vectors
 * of the row, added as (a0 + a1) + (a2 + a3), lanes then added in order, then the tail one element at
 * a time; float rows: see {@link #dot(float[], int, float[], int, int, double[])});
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

    /**
     * A scratch array for the lane sums of the dot products (one per thread of use): room for the five
     * sums of {@link #residualGram}.
     */
    public static double[] laneScratch() {
        return new double[5 * FL];
    }

    /** max_j |x[off + j]| over j < len, 0 if len = 0 (NaN if any is NaN): a maximum, so exact in any order. */
    public static double maxAbs(float[] x, int off, int len) {
        FloatVector mx = FloatVector.zero(FS);
        int j = 0;
        for (int end = len - FL; j <= end; j += FL) {
            mx = mx.max(FloatVector.fromArray(FS, x, off + j).abs());
        }
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            m = Math.max(m, Math.abs(x[off + j]));
        }
        return m;
    }

    /**
     * max_j |x[xOff + j] - y[yOff + j]| over j < len, each difference rounded to float, 0 if len = 0
     * (NaN if any is NaN): a maximum, so exact in any order.
     */
    public static double maxAbsDiff(float[] x, int xOff, float[] y, int yOff, int len) {
        FloatVector mx = FloatVector.zero(FS);
        int j = 0;
        for (int end = len - FL; j <= end; j += FL) {
            mx = mx.max(FloatVector.fromArray(FS, x, xOff + j).sub(FloatVector.fromArray(FS, y, yOff + j)).abs());
        }
        float m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            m = Math.max(m, Math.abs(x[xOff + j] - y[yOff + j]));
        }
        return m;
    }

    /** The double version of {@link #maxAbs(float[], int, int)}. */
    public static double maxAbs(double[] x, int off, int len) {
        DoubleVector mx = DoubleVector.zero(DS);
        int j = 0;
        for (int end = len - L; j <= end; j += L) {
            mx = mx.max(DoubleVector.fromArray(DS, x, off + j).abs());
        }
        double m = mx.reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            m = Math.max(m, Math.abs(x[off + j]));
        }
        return m;
    }

    /**
     * sum_j x[xOff + j] * y[yOff + j] over j < len of two float rows, for Anderson's Gram matrix: over
     * each block of 2 FL elements, float fused multiply-adds into two accumulators of FL lanes (the
     * block's first and second vector); the accumulators added lane by lane, the FL lane sums widened
     * to double and added in order; then the tail's products (exact in double) added one by one in
     * double, each a fused multiply-add. Each lane sums about len / (2 FL) products, rounded to float
     * at every step: relative errors near 1e-7 per entry, where a sum in double of the widened rows
     * was exact to double's rounding, at a fraction of its cost (no widening of the rows). Measured on
     * P1-converged (N = 300, MNIST, trained by the linearized and the gradient rules for 360 steps,
     * each batch solved both ways on the same network): the same median iterations, the batch maximum
     * within 6% either way and the unconverged samples within 4 of 28 to 83, while the solve took 3
     * to 8% less time. {@code lanes} is a {@link #laneScratch()} array.
     */
    public static double dot(float[] x, int xOff, float[] y, int yOff, int len, double[] lanes) {
        FloatVector a0 = FloatVector.zero(FS);
        FloatVector a1 = a0;
        int j = 0;
        for (int end = len - 2 * FL; j <= end; j += 2 * FL) {
            a0 = FloatVector.fromArray(FS, x, xOff + j).fma(FloatVector.fromArray(FS, y, yOff + j), a0);
            a1 = FloatVector.fromArray(FS, x, xOff + j + FL).fma(FloatVector.fromArray(FS, y, yOff + j + FL), a1);
        }
        FloatVector t = a0.add(a1);
        for (int part = 0; part < FL / L; part++) { // inline: a vector passed to a method may be boxed
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, part * L);
        }
        double s = floatLaneSum(lanes);
        for (; j < len; j++) {
            s = Math.fma((double) x[xOff + j], (double) y[yOff + j], s);
        }
        return s;
    }

    /** lanes[0] + ... + lanes[FL - 1] in order: the FL lane sums of a float dot, widened to double. */
    private static double floatLaneSum(double[] lanes) {
        double s = lanes[0];
        for (int l = 1; l < FL; l++) {
            s += lanes[l];
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
     * y = s + beta f (one fused multiply-add), at offset off, for j < len; returns max_j |f| (NaN if
     * any is NaN).
     */
    public static double residualStep(float[] p, float[] s, float[] f, float[] y, float beta, int off, int len) {
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
            f0.fma(bv, s0).intoArray(y, off + j);
            f1.fma(bv, s1).intoArray(y, off + j + FL);
            mx0 = mx0.max(f0.abs());
            mx1 = mx1.max(f1.abs());
        }
        float m = mx0.max(mx1).reduceLanes(VectorOperators.MAX);
        for (; j < len; j++) {
            float v = p[off + j] - s[off + j];
            f[off + j] = v;
            y[off + j] = Math.fma(v, beta, s[off + j]);
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /**
     * {@link #residualStep(float[], float[], float[], float[], float, int, int)} and the residual's dot
     * products with four other rows in the same pass over the row, with the same bits as that step
     * followed by {@link #dot(float[], int, float[], int, int, double[])} of the residual with itself
     * and with each row: f = p - s, y = s + beta f at offset off for j < len, dots[0] = f . f and
     * dots[1 + c] = f . r_c (r_c at offset off, c < 4), each summed in dot's order. One pass instead of
     * six: the residual stays in registers, each history row is read once. A row not needed may be any
     * array of the length (its dot is computed and ignored). {@code lanes} is a {@link #laneScratch()}
     * array.
     *
     * @return max_j |f| (NaN if any is NaN)
     */
    public static double residualGram(float[] p, float[] s, float[] f, float[] y, float beta, float[] r0,
                                      float[] r1, float[] r2, float[] r3, double[] dots, int off, int len,
                                      double[] lanes) {
        FloatVector mx0 = FloatVector.zero(FS);
        FloatVector mx1 = mx0;
        FloatVector bv = FloatVector.broadcast(FS, beta);
        FloatVector z = FloatVector.zero(FS);
        FloatVector e0 = z, e1 = z, a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z;
        int j = 0;
        for (int end = len - 2 * FL; j <= end; j += 2 * FL) {
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
            e0 = f0.fma(f0, e0);
            e1 = f1.fma(f1, e1);
            a0 = f0.fma(FloatVector.fromArray(FS, r0, o), a0);
            a1 = f1.fma(FloatVector.fromArray(FS, r0, o + FL), a1);
            b0 = f0.fma(FloatVector.fromArray(FS, r1, o), b0);
            b1 = f1.fma(FloatVector.fromArray(FS, r1, o + FL), b1);
            c0 = f0.fma(FloatVector.fromArray(FS, r2, o), c0);
            c1 = f1.fma(FloatVector.fromArray(FS, r2, o + FL), c1);
            d0 = f0.fma(FloatVector.fromArray(FS, r3, o), d0);
            d1 = f1.fma(FloatVector.fromArray(FS, r3, o + FL), d1);
        }
        float m = mx0.max(mx1).reduceLanes(VectorOperators.MAX);
        // each sum's lanes widened into its part of the scratch here (a vector passed to a method may be
        // boxed), then the five lane sums side by side: each in lane order, as floatLaneSum adds them,
        // but five independent chains of additions instead of one after the other
        FloatVector t = e0.add(e1);
        for (int part = 0; part < FL / L; part++) {
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, part * L);
        }
        t = a0.add(a1);
        for (int part = 0; part < FL / L; part++) {
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, FL + part * L);
        }
        t = b0.add(b1);
        for (int part = 0; part < FL / L; part++) {
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, 2 * FL + part * L);
        }
        t = c0.add(c1);
        for (int part = 0; part < FL / L; part++) {
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, 3 * FL + part * L);
        }
        t = d0.add(d1);
        for (int part = 0; part < FL / L; part++) {
            ((DoubleVector) t.convertShape(F2D, DS, part)).intoArray(lanes, 4 * FL + part * L);
        }
        double se = lanes[0];
        double sa = lanes[FL];
        double sb = lanes[2 * FL];
        double sc = lanes[3 * FL];
        double sd = lanes[4 * FL];
        for (int l = 1; l < FL; l++) {
            se += lanes[l];
            sa += lanes[FL + l];
            sb += lanes[2 * FL + l];
            sc += lanes[3 * FL + l];
            sd += lanes[4 * FL + l];
        }
        for (; j < len; j++) { // the residual's and dot's tail, one element at a time
            int o = off + j;
            float v = p[o] - s[o];
            f[o] = v;
            y[o] = Math.fma(v, beta, s[o]);
            m = Math.max(m, Math.abs(v));
            double w = v;
            se = Math.fma(w, w, se);
            sa = Math.fma(w, r0[o], sa);
            sb = Math.fma(w, r1[o], sb);
            sc = Math.fma(w, r2[o], sc);
            sd = Math.fma(w, r3[o], sd);
        }
        dots[0] = se;
        dots[1] = sa;
        dots[2] = sb;
        dots[3] = sc;
        dots[4] = sd;
        return m;
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
        if (j < len) { // the tail as one masked vector: the same operations per element, so the same bits
            VectorMask<Float> in = FS.indexInRange(j, len);
            FloatVector sv = FloatVector.fromArray(FS, s, off + j, in);
            FloatVector pv = FloatVector.fromArray(FS, p, off + j, in);
            FloatVector d = pv.sub(sv);
            (copy ? pv : d.mul(av).add(sv)).intoArray(next, off + j, in);
            mx = mx.max(d.abs()); // the lanes past the row hold 0 - 0
        }
        return mx.reduceLanes(VectorOperators.MAX);
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
        if (j < len) { // the tail as one masked vector, as in the scalar-step version
            VectorMask<Float> in = FS.indexInRange(j, len);
            FloatVector sv = FloatVector.fromArray(FS, s, off + j, in);
            FloatVector d = FloatVector.fromArray(FS, p, off + j, in).sub(sv);
            d.mul(FloatVector.fromArray(FS, alpha, j, in)).add(sv).intoArray(next, off + j, in);
            mx = mx.max(d.abs());
        }
        return mx.reduceLanes(VectorOperators.MAX);
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
        if (vend < len) { // the tail as one masked vector: the same operations per element, so the same bits
            VectorMask<Float> in = FS.indexInRange(vend, len);
            int o = off + vend;
            FloatVector l = FloatVector.fromArray(FS, yl, o, in);
            FloatVector acc = FloatVector.fromArray(FS, y0, o, in).sub(l).fma(v0, l);
            acc = FloatVector.fromArray(FS, y1, o, in).sub(l).fma(v1, acc);
            acc = FloatVector.fromArray(FS, y2, o, in).sub(l).fma(v2, acc);
            FloatVector.fromArray(FS, y3, o, in).sub(l).fma(v3, acc).intoArray(out, o, in);
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
