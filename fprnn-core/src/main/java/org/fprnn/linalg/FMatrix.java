package org.fprnn.linalg;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Row-major float matrix. */
public final class FMatrix extends Matrix {
    public final float[] data;
    /** {@link #data} as a heap memory segment, made on first use by the native matrix product. */
    private MemorySegment segment;

    public FMatrix(int rows, int cols) {
        super(rows, cols);
        this.data = new float[Math.multiplyExact(rows, cols)];
    }

    /** Wraps (does not copy) a row-major array. */
    public FMatrix(int rows, int cols, float[] data) {
        super(rows, cols);
        if (data.length != (long) rows * cols) {    // long: rows * cols may overflow an int
            throw new IllegalArgumentException("array of length " + data.length
                    + " does not hold a " + rows + " x " + cols + " matrix");
        }
        this.data = data;
    }

    @Override public Precision precision() { return Precision.FLOAT; }
    @Override public double get(int r, int c) { return data[r * cols + c]; }
    @Override public void set(int r, int c, double v) { data[r * cols + c] = (float) v; }
    @Override public double getFlat(int i) { return data[i]; }
    @Override public void setFlat(int i, double v) { data[i] = (float) v; }
    @Override public FMatrix copy() { return new FMatrix(rows, cols, data.clone()); }

    @Override
    public void copyFrom(Matrix src) {
        if (!sameShape(src)) {
            throw new IllegalArgumentException("shape " + src.shape() + " != " + shape());
        }
        switch (src) {
            case FMatrix f -> System.arraycopy(f.data, 0, data, 0, data.length);
            case DMatrix d -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) d.data[i];
                }
            }
        }
    }

    @Override
    public void copyRow(Matrix src, int srcRow, int dstRow) {
        if (src.cols != cols) {
            throw new IllegalArgumentException("a row of " + src.cols + " values into rows of " + cols);
        }
        switch (src) {
            case FMatrix f -> System.arraycopy(f.data, srcRow * cols, data, dstRow * cols, cols);
            case DMatrix d -> {
                for (int j = 0; j < cols; j++) {
                    data[dstRow * cols + j] = (float) d.data[srcRow * cols + j];
                }
            }
        }
    }

    @Override public void fill(double v) { Arrays.fill(data, (float) v); }

    @Override
    public DMatrix toDouble() {
        DMatrix d = new DMatrix(rows, cols);
        d.copyFrom(this);
        return d;
    }

    @Override
    public double[] toDoubleArray() {
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i];
        }
        return out;
    }

    @Override
    public boolean allFinite() {
        for (float v : data) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The data as a heap memory segment for {@link NativeBlas}, kept so that a product makes no
     * new one (a benign race: two threads may each make an equal segment).
     */
    @Override
    MemorySegment segment() {
        MemorySegment s = segment;
        if (s == null) {
            s = MemorySegment.ofArray(data);
            segment = s;
        }
        return s;
    }
}
