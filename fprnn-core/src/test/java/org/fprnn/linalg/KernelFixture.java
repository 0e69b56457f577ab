package org.fprnn.linalg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fixed inputs and the outputs of every deterministic kernel on them, as raw bits (NaN made
 * canonical). {@link KernelHashMain} computes them in a child JVM run with -Xint, and
 * {@link KernelDeterminismTest} compares them with the same computation after C2 has compiled it.
 */
final class KernelFixture {
    /** 16,384 values per precision: the -Xint child needs about 15 s for all kernels on them. */
    static final int N = 16_384;

    private KernelFixture() {
    }

    static double[] doubleInputs() {
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
            Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL, Double.MAX_VALUE,
            -Double.MAX_VALUE, 1, -1, 0.5, 2, 709.78, 709.79, 710, 711, -745.1, -745.2, -746, -800, 22, -22,
            22.000001, 20, 36, 37, 38, -36, -37, 1e-300, -1e-300, 1e-8, -1e-8, Math.log(2), 0x1p-1022 * 3};
        double[] x = new double[N];
        System.arraycopy(specials, 0, x, 0, specials.length);
        SplittableRandom rnd = new SplittableRandom(20240611L);
        int i = specials.length;
        for (; i < N / 2; i++) {
            x[i] = -40 + 80.0 * i / (N / 2);
        }
        for (; i < 3 * N / 4; i++) {
            double mag = Math.pow(10, -310 + 618 * rnd.nextDouble());
            x[i] = rnd.nextBoolean() ? mag : -mag;
        }
        for (; i < N; i++) {
            x[i] = Double.longBitsToDouble(rnd.nextLong());
        }
        return x;
    }

    static float[] floatInputs() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1, -1,
            88.72f, 88.73f, 89f, -103.9f, -104f, -120f, 10f, -10f, 10.0001f, 9f, 1e-30f, -1e-30f};
        float[] x = new float[N];
        System.arraycopy(specials, 0, x, 0, specials.length);
        SplittableRandom rnd = new SplittableRandom(99L);
        int i = specials.length;
        for (; i < N / 2; i++) {
            x[i] = (float) (-20 + 40.0 * i / (N / 2));
        }
        for (; i < 3 * N / 4; i++) {
            float mag = (float) Math.pow(10, -45 + 83 * rnd.nextDouble());
            x[i] = rnd.nextBoolean() ? mag : -mag;
        }
        for (; i < N; i++) {
            x[i] = Float.intBitsToFloat(rnd.nextInt());
        }
        return x;
    }

    interface DKernel {
        void run(double[] x, int xOff, double[] out, int outOff, int len);
    }

    interface FKernel {
        void run(float[] x, int xOff, float[] out, int outOff, int len);
    }

    /** Every kernel's output bits on the fixed inputs, by name. */
    static Map<String, long[]> outputs() {
        double[] xd = doubleInputs();
        float[] xf = floatInputs();
        Map<String, long[]> m = new LinkedHashMap<>();
        putD(m, "tanh/double", VectorMath::tanh, xd);
        putF(m, "tanh/float", VectorMath::tanh, xf);
        putD(m, "exp/double", VectorMath::exp, xd);
        putF(m, "exp/float", VectorMath::exp, xf);
        putD(m, "log/double", VectorMath::log, xd);
        putF(m, "log/float", VectorMath::log, xf);
        putD(m, "softplus/double", VectorMath::softplus, xd);
        putF(m, "softplus/float", VectorMath::softplus, xf);
        putD(m, "sigmoid/double", VectorMath::sigmoid, xd);
        putF(m, "sigmoid/float", VectorMath::sigmoid, xf);
        putF(m, "sech2/float", VectorMath::sech2, xf);
        for (double n : new double[] {2, 3, 0.5, 1.7}) {
            putD(m, "powerLaw(n=" + n + ")/double", (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, n), xd);
            putF(m, "powerLaw(n=" + n + ")/float", (x, xo, o, oo, len) -> VectorMath.powerLaw(x, xo, o, oo, len, 0.7, n), xf);
        }
        float[] shift = new float[xf.length];
        for (int i = 0; i < shift.length; i++) {
            shift[i] = xf[(i * 7 + 3) % xf.length] * 0.5f;
        }
        putF(m, "tanhShifted/float", (x, xo, o, oo, len) -> VectorMath.tanhShifted(x, xo, shift, 0, o, oo, len), xf);
        gemm(m);
        rows(m);
        conv(m);
        return m;
    }

    private static void putD(Map<String, long[]> m, String name, DKernel k, double[] x) {
        double[] out = new double[x.length];
        k.run(x, 0, out, 0, x.length);
        long[] bits = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            bits[i] = Double.doubleToLongBits(out[i]);
        }
        m.put(name, bits);
    }

    private static void putF(Map<String, long[]> m, String name, FKernel k, float[] x) {
        float[] out = new float[x.length];
        k.run(x, 0, out, 0, x.length);
        long[] bits = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            bits[i] = Float.floatToIntBits(out[i]);
        }
        m.put(name, bits);
    }

    /**
     * The per-row kernels of the solvers ({@link RowKernels}) on rows of every length from 1 to 70 at
     * odd offsets: dot products, Anderson's history step and mixing.
     */
    private static void rows(Map<String, long[]> m) {
        SplittableRandom rnd = new SplittableRandom(17);
        int len = 300;
        double[] xd = new double[len];
        double[] yd = new double[len];
        float[] xf = new float[len];
        float[] yf = new float[len];
        float[][] hf = new float[4][len];
        double[][] hd = new double[4][len];
        for (int i = 0; i < len; i++) {
            xd[i] = rnd.nextDouble(-1, 1);
            yd[i] = rnd.nextDouble(-1, 1) * Math.exp(rnd.nextDouble(-5, 5));
            xf[i] = (float) xd[i];
            yf[i] = (float) yd[i];
            for (int h = 0; h < 4; h++) {
                hd[h][i] = xd[i] + 1e-3 * rnd.nextDouble(-1, 1);
                hf[h][i] = (float) hd[h][i];
            }
        }
        double[] coef = {2.5, -1.75, 0.125, 0.125};
        double[] lanes = RowKernels.laneScratch();
        int count = 70;
        long[] dots = new long[2 * count];
        long[] outF = new long[count * 2];
        long[] outD = new long[count * 2];
        // Ten rounds (the same results each time): 60 calls of outputs() then make some 40,000 calls of
        // each kernel, enough for C2 to compile them.
        for (int round = 0; round < 10; round++) {
            for (int n = 1; n <= count; n++) {
                int off = 3 + n;
                dots[2 * (n - 1)] = Double.doubleToLongBits(RowKernels.dot(xf, off, yf, off, n, lanes));
                dots[2 * (n - 1) + 1] = Double.doubleToLongBits(RowKernels.dot(xd, off, yd, off, n, lanes));
                float[] f = new float[len];
                float[] y = new float[len];
                double r = RowKernels.residualStep(xf, yf, f, y, 0.8f, off, n);
                float[] mixed = new float[len];
                RowKernels.combine(mixed, hf, n % 4, coef, 0, 4, off, n);
                double[] fd = new double[len];
                double[] ydd = new double[len];
                double rd = RowKernels.residualStep(xd, yd, fd, ydd, 0.8, off, n);
                double[] mixedD = new double[len];
                RowKernels.combine(mixedD, hd, n % 4, coef, 0, 4, off, n);
                long hF = Double.doubleToLongBits(r);
                long hD = Double.doubleToLongBits(rd);
                for (int j = 0; j < len; j++) {
                    hF = 31 * hF + Float.floatToIntBits(f[j]) + 7L * Float.floatToIntBits(y[j])
                            + 17L * Float.floatToIntBits(mixed[j]);
                    hD = 31 * hD + Double.doubleToLongBits(fd[j]) + 7L * Double.doubleToLongBits(ydd[j])
                            + 17L * Double.doubleToLongBits(mixedD[j]);
                }
                outF[2 * (n - 1)] = hF;
                outF[2 * (n - 1) + 1] = Float.floatToIntBits(mixed[off + n / 2]);
                outD[2 * (n - 1)] = hD;
                outD[2 * (n - 1) + 1] = Double.doubleToLongBits(mixedD[off + n / 2]);
            }
        }
        // Euler steps (scalar step, the exact-copy step alpha = 1, and a step per column)
        float[] alphaF = new float[len];
        double[] alphaD = new double[len];
        for (int j = 0; j < len; j++) {
            alphaD[j] = 0.01 + 0.5 * rnd.nextDouble();
            alphaF[j] = (float) alphaD[j];
        }
        long[] euler = new long[count];
        for (int round = 0; round < 10; round++) {
            for (int n = 1; n <= count; n++) {
                int off = 3 + n;
                float[] a = new float[len];
                float[] b = new float[len];
                float[] c = new float[len];
                double[] ad = new double[len];
                double[] bd = new double[len];
                double r1 = RowKernels.eulerStep(yf, xf, a, 0.01f, off, n);
                double r2 = RowKernels.eulerStep(yf, xf, b, 1f, off, n);
                double r3 = RowKernels.eulerStep(yf, xf, c, alphaF, off, n);
                double r4 = RowKernels.eulerStep(yd, xd, ad, 0.01, off, n);
                double r5 = RowKernels.eulerStep(yd, xd, bd, alphaD, off, n);
                long h = Double.doubleToLongBits(r1) + 3 * Double.doubleToLongBits(r2)
                        + 5 * Double.doubleToLongBits(r3) + 7 * Double.doubleToLongBits(r4)
                        + 11 * Double.doubleToLongBits(r5);
                for (int j = 0; j < len; j++) {
                    h = 31 * h + Float.floatToIntBits(a[j]) + 7L * Float.floatToIntBits(b[j])
                            + 13L * Float.floatToIntBits(c[j]) + 17L * Double.doubleToLongBits(ad[j])
                            + 19L * Double.doubleToLongBits(bd[j]);
                }
                euler[n - 1] = h;
            }
        }
        m.put("rowKernels/euler", euler);
        // the one-pass history step with its Gram row, and the one-pass mixing of five rows
        float[][] h5 = new float[5][len];
        for (int h = 0; h < 5; h++) {
            for (int i = 0; i < len; i++) {
                h5[h][i] = (float) (xd[i] + 1e-3 * rnd.nextDouble(-1, 1));
            }
        }
        double[] coef5 = {2.5, -1.75, 0.125, 0.125, 0.0};
        long[] fused = new long[count * 8];
        for (int round = 0; round < 10; round++) {
            for (int n = 1; n <= count; n++) {
                int off = 3 + n;
                float[] f = new float[len];
                float[] y = new float[len];
                double[] d = new double[5];
                double r = RowKernels.residualGram(xf, yf, f, y, 0.8f, h5[0], h5[1], h5[2], h5[3], d, off, n, lanes);
                float[] mixed = new float[len];
                RowKernels.combine(mixed, h5, n % 5, coef5, 0, 5, off, n);
                long h = Double.doubleToLongBits(r);
                for (int j = 0; j < len; j++) {
                    h = 31 * h + Float.floatToIntBits(f[j]) + 7L * Float.floatToIntBits(y[j])
                            + 17L * Float.floatToIntBits(mixed[j]);
                }
                fused[8 * (n - 1)] = h;
                for (int k = 0; k < 5; k++) {
                    fused[8 * (n - 1) + 1 + k] = Double.doubleToLongBits(d[k]);
                }
                fused[8 * (n - 1) + 6] = Float.floatToIntBits(mixed[off + n / 2]);
                fused[8 * (n - 1) + 7] = Float.floatToIntBits(mixed[off + n - 1]);
            }
        }
        m.put("rowKernels/fused", fused);
        // the rows of mixed-precision refinement: a double residual rounded to float, a float update
        long[] refine = new long[count * 2];
        for (int round = 0; round < 10; round++) {
            for (int n = 1; n <= count; n++) {
                int off = 3 + n;
                float[] rho = new float[len];
                double mx = RowKernels.residualToFloat(xd, yd, rho, off, n);
                double[] lam = xd.clone();
                RowKernels.addWidened(lam, yf, off, n);
                long h = Double.doubleToLongBits(mx);
                for (int j = 0; j < len; j++) {
                    h = 31 * h + Float.floatToIntBits(rho[j]) + 7L * Double.doubleToLongBits(lam[j]);
                }
                refine[2 * (n - 1)] = h;
                refine[2 * (n - 1) + 1] = Float.floatToIntBits(rho[off + n / 2]);
            }
        }
        m.put("rowKernels/refine", refine);
        m.put("rowKernels/dots", dots);
        m.put("rowKernels/float", outF);
        m.put("rowKernels/double", outD);
    }

    /**
     * The convolution stencil ({@link ConvKernels}) with 3 input and 5 output channels (a block of
     * four and a single one) over five shifted taps, on the fixed inputs (special values included).
     */
    private static void conv(Map<String, long[]> m) {
        int cin = 3;
        int cout = 5;
        int len = 5 * ConvKernels.tile(Precision.FLOAT);   // two float tiles and a one-vector tail
        int stride = len + 40;
        int[] base = {0, 1, 7, 19, 40};
        float[] xf = floatInputs();
        double[] xd = doubleInputs();
        float[] coefF = new float[base.length * cin * cout];
        double[] coefD = new double[coefF.length];
        SplittableRandom rnd = new SplittableRandom(8);
        for (int i = 0; i < coefF.length; i++) {
            coefD[i] = rnd.nextDouble(-1, 1);
            coefF[i] = (float) coefD[i];
        }
        long[] bitsF = new long[cout * len * 4];
        long[] bitsD = new long[cout * len * 4];
        float[] outF = new float[cout * len];
        double[] outD = new double[cout * len];
        // four windows of the inputs (the ramp, the wide magnitudes, the random bits), ten rounds with
        // the same results so that C2 compiles the stencil within the 60 calls of outputs()
        for (int round = 0; round < 10; round++) {
            for (int w = 0; w < 4; w++) {
                int off = w * (N / 4) + 5;
                ConvKernels.stencil(xf, off, stride, cin, outF, 0, len, cout, len, base, coefF, 0, base.length);
                ConvKernels.stencil(xd, off, stride, cin, outD, 0, len, cout, len, base, coefD, 0, base.length);
                for (int i = 0; i < outF.length; i++) {
                    bitsF[w * outF.length + i] = Float.floatToIntBits(outF[i]);
                    bitsD[w * outD.length + i] = Double.doubleToLongBits(outD[i]);
                }
            }
        }
        m.put("conv/float", bitsF);
        m.put("conv/double", bitsD);
    }

    /** The bits of r w^T for a w of n rows (r's columns each) holding the first values of src. */
    private static long[] packedBits(FMatrix r, float[] src, int n) {
        FMatrix w = new FMatrix(n, r.cols, java.util.Arrays.copyOf(src, n * r.cols));
        FMatrix out = new FMatrix(r.rows, n);
        PackedProduct p = new PackedProduct(n, r.cols);
        p.packTransposed(w);
        p.product(r, out, 1, 0);
        long[] bits = new long[out.data.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Float.floatToIntBits(out.data[i]);
        }
        return bits;
    }

    /** The pure-Java gemm in all transpose combinations, on a fixed odd-sized problem. */
    private static void gemm(Map<String, long[]> m) {
        int mm = 37, nn = 29, kk = 41;
        SplittableRandom rnd = new SplittableRandom(5);
        double[] a = new double[mm * kk], b = new double[kk * nn];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextDouble(-1, 1);
        }
        float[] af = new float[a.length], bf = new float[b.length];
        for (int i = 0; i < a.length; i++) {
            af[i] = (float) a[i];
        }
        for (int i = 0; i < b.length; i++) {
            bf[i] = (float) b[i];
        }
        JavaBlas blas = new JavaBlas(1);
        for (int t = 0; t < 4; t++) {
            boolean tA = (t & 1) != 0, tB = (t & 2) != 0;
            double[] c = new double[mm * nn];
            float[] cf = new float[mm * nn];
            for (int i = 0; i < c.length; i++) {
                c[i] = i * 0.01;
                cf[i] = (float) c[i];
            }
            blas.dgemm(tA, tB, mm, nn, kk, 0.9, a, 0, tA ? mm : kk, b, 0, tB ? kk : nn, 0.3, c, 0, nn);
            blas.sgemm(tA, tB, mm, nn, kk, 0.9f, af, 0, tA ? mm : kk, bf, 0, tB ? kk : nn, 0.3f, cf, 0, nn);
            long[] bits = new long[c.length];
            long[] fbits = new long[c.length];
            for (int i = 0; i < c.length; i++) {
                bits[i] = Double.doubleToLongBits(c[i]);
                fbits[i] = Float.floatToIntBits(cf[i]);
            }
            m.put("dgemm(tA=" + tA + ",tB=" + tB + ")", bits);
            m.put("sgemm(tA=" + tA + ",tB=" + tB + ")", fbits);
        }
        if (PackedProduct.supported()) {
            // the packed product r w^T (tiles of 8 rows and a padded tile of the last 5), plain and with alpha and beta
            FMatrix r = new FMatrix(mm, kk, af);
            FMatrix w = new FMatrix(nn, kk, java.util.Arrays.copyOf(bf, nn * kk));
            FMatrix out = new FMatrix(mm, nn);
            PackedProduct forward = new PackedProduct(nn, kk);
            forward.packTransposed(w);
            forward.product(r, out, 1, 0);
            FMatrix scaled = new FMatrix(mm, nn);
            for (int i = 0; i < scaled.data.length; i++) {
                scaled.data[i] = i * 0.01f;
            }
            forward.product(r, scaled, 0.9, 0.3);
            long[] pbits = new long[2 * out.data.length];
            for (int i = 0; i < out.data.length; i++) {
                pbits[i] = Float.floatToIntBits(out.data[i]);
                pbits[out.data.length + i] = Float.floatToIntBits(scaled.data[i]);
            }
            m.put("packedProduct", pbits);
            // a W of 13 rows: its only panel is 16 wide (the narrow tile)
            m.put("packedProduct/narrow", packedBits(r, bf, 13));
            // a W of 32 rows: one full panel, so the 37 rows run in tiles of 12, 12 and 8, then the padded 5
            m.put("packedProduct/rowsOf12", packedBits(r, af, 32));
        }
        // Anderson's coefficients, several samples per vector (solved and refused ones)
        int am = 5;
        int samples = 2 * AffineMinimizers.LANES + 3;
        double[] gram = AffineMinimizersTest.grams(samples, am, 3);
        int[] rows = new int[samples];
        for (int i = 0; i < samples; i++) {
            rows[i] = samples - 1 - i;
        }
        double[] coef = new double[samples * am];
        int[] ok = new int[samples];
        new AffineMinimizers(am).solve(gram, am, rows, samples, coef, ok);
        long[] abits = new long[coef.length + ok.length];
        for (int i = 0; i < coef.length; i++) {
            abits[i] = Double.doubleToLongBits(coef[i]);
        }
        for (int i = 0; i < ok.length; i++) {
            abits[coef.length + i] = ok[i];
        }
        m.put("affineMinimizers", abits);
        // Gauss-Jordan: blocks of 16 and a last one of 5, tiles of two vectors and of one, short row groups
        m.put("gaussJordan", gaussJordanBits(37, 21));
    }

    /** The bits of X from {@link GaussJordan} on a fixed well-conditioned n x n system with m right-hand sides. */
    static long[] gaussJordanBits(int n, int m) {
        FMatrix a = new FMatrix(n, n);
        FMatrix x = new FMatrix(n, m);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a.data[i * n + j] = (float) Math.sin(1.3 * i + 0.7 * j * j) / (float) Math.sqrt(n) + (i == j ? 1.5f : 0f);
            }
            for (int j = 0; j < m; j++) {
                x.data[i * m + j] = (float) Math.cos(0.9 * i - 0.4 * j);
            }
        }
        new GaussJordan().solve(a, x);
        long[] bits = new long[x.data.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Float.floatToIntBits(x.data[i]);
        }
        return bits;
    }
}
