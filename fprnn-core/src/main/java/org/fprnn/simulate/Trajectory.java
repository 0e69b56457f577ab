package org.fprnn.simulate;

import org.fprnn.io.NdArray;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;

/**
 * The recorded rates of a simulation: T_rec records of a B x N batch.
 *
 * @param times time of each record (length T_rec)
 * @param steps step index of each record (0 for the initial state)
 * @param rates (T_rec * B) x N: row k * B + i holds sample i at record k; r = f(v) for current dynamics.
 *     Records after a divergence are NaN.
 * @param batch B
 * @param finalState the dynamics' state after the last step taken (r, or v for current dynamics),
 *     B x N: pass it as the initial state of a following run
 * @param stepsTaken steps actually taken (less than asked only after a divergence)
 * @param diverged a recorded state held a non-finite value; the run stopped there
 */
public record Trajectory(double[] times, long[] steps, Matrix rates, int batch, Matrix finalState, long stepsTaken,
                         boolean diverged) {

    /**
     * Bytes of the rates of a trajectory of this many records of a batch x units state in precision
     * p; a fixed-point path along it takes as many.
     */
    public static long bytes(long records, int batch, int units, Precision p) {
        return records * batch * units * p.bytes();
    }

    /**
     * True if a simulation may keep this many bytes of records: at most half the heap, the rest being
     * the network's and the solvers' own.
     */
    public static boolean fitsHalfHeap(long bytes) {
        return bytes <= Runtime.getRuntime().maxMemory() / 2;
    }

    /** Number of records T_rec. */
    public int records() {
        return times.length;
    }

    /** Number of units N. */
    public int units() {
        return rates.cols;
    }

    /** r_{i,j} at record k. */
    public double get(int k, int sample, int unit) {
        return rates.get(k * batch + sample, unit);
    }

    /** A copy of the rates at record k, B x N. */
    public Matrix ratesAt(int k) {
        Matrix m = rates.like(batch, rates.cols);
        for (int i = 0; i < batch; i++) {
            m.copyRow(rates, k * batch + i, i);
        }
        return m;
    }

    /**
     * The rates as an n-d array in the network's precision: (T_rec, B, N), or (T_rec, N) when
     * {@code squeeze} is set and B = 1.
     */
    public NdArray toNdArray(boolean squeeze) {
        long[] shape = squeeze && batch == 1 ? new long[] {records(), rates.cols}
                : new long[] {records(), batch, rates.cols};
        return switch (rates) {
            case FMatrix f -> NdArray.of(f.data, shape);
            case DMatrix d -> NdArray.of(d.data, shape);
        };
    }
}
