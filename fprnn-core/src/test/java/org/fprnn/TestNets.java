package org.fprnn;

import java.util.Random;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;

/** Small random networks and batches for tests. */
public final class TestNets {
    private TestNets() {
    }

    public static DMatrix randn(int rows, int cols, double std, Random rng) {
        DMatrix m = new DMatrix(rows, cols);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = std * rng.nextGaussian();
        }
        return m;
    }

    /** The iterations of every sample added up (a solve's total work, in iterations). */
    public static long totalIterations(int[] iterations) {
        long t = 0;
        for (int i : iterations) {
            t += i;
        }
        return t;
    }

    /** Every entry's raw bits, as a double (+0 and -0 differ): for comparisons of bitwise equality. */
    public static long[] bits(Matrix m) {
        long[] b = new long[m.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = Double.doubleToRawLongBits(m.getFlat(i));
        }
        return b;
    }

    /** A tanh network with every parameter trained, W = scale * randn / sqrt(N). */
    public static FixedPointNetwork tanhNet(int nIn, int n, int nOut, double scale, Dynamics dyn, long seed) {
        return FixedPointNetwork.builder().inputs(nIn).units(n).outputs(nOut)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(dyn).precision(Precision.DOUBLE)
                .recurrentScale(scale).seed(seed)
                .trainInput(true).trainBias(true).trainReadout(true).readoutBias(true).build();
    }

    /** A labelled batch with inputs randn * std. */
    public static Batch labelled(int b, int nIn, int classes, double std, long seed) {
        Random rng = new Random(seed);
        Matrix x = randn(b, nIn, std, rng);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(classes);
        }
        return Batch.labelled(x, y);
    }

    /** A regression batch with inputs randn * std and targets randn * tstd. */
    public static Batch regression(int b, int nIn, int nOut, double std, double tstd, long seed) {
        Random rng = new Random(seed);
        return Batch.regression(randn(b, nIn, std, rng), randn(b, nOut, tstd, rng));
    }

    /** Largest relative difference ||a - b|| / max(||a||, ||b||, tiny) of two matrices. */
    public static double relErr(Matrix a, Matrix b) {
        double num = 0;
        double da = 0;
        double db = 0;
        for (int i = 0; i < a.size(); i++) {
            double x = a.getFlat(i);
            double y = b.getFlat(i);
            num += (x - y) * (x - y);
            da += x * x;
            db += y * y;
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(Math.max(da, db)), 1e-300);
    }

    /**
     * Central finite differences of {@code loss} with respect to every entry of the named parameters:
     * each entry is moved by +-step, the loss re-evaluated, and the entry restored.
     */
    public static org.fprnn.linalg.Params centralDifferences(org.fprnn.linalg.Params params, Iterable<String> names,
                                                            java.util.function.DoubleSupplier loss, double step) {
        org.fprnn.linalg.Params fd = params.zerosLike(names);
        for (String name : names) {
            Matrix p = params.get(name);
            for (int i = 0; i < p.size(); i++) {
                double v = p.getFlat(i);
                p.setFlat(i, v + step);
                double up = loss.getAsDouble();
                p.setFlat(i, v - step);
                double down = loss.getAsDouble();
                p.setFlat(i, v);
                fd.get(name).setFlat(i, (up - down) / (2 * step));
            }
        }
        return fd;
    }

    /** ||a - b|| / max(||a||, ||b||) over the parameters of a. */
    public static double relErr(org.fprnn.linalg.Params a, org.fprnn.linalg.Params b) {
        double num = 0;
        for (String n : a.names()) {
            Matrix x = a.get(n);
            Matrix y = b.get(n);
            for (int i = 0; i < x.size(); i++) {
                double d = x.getFlat(i) - y.getFlat(i);
                num += d * d;
            }
        }
        return Math.sqrt(num) / Math.max(Math.max(a.norm(), b.norm()), 1e-300);
    }
}
