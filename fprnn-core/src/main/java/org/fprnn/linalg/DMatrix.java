package org.fprnn.linalg;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Row-major double matrix. */
public final class DMatrix extends Matrix {
    public final double[] data;
    /** {@link #data} as a heap memory segment, made on first use by the native matrix product. */
    private MemorySegment segment;

    public DMatrix(int rows, int cols) {
        super(rows, cols);
        this.data = new double[Math.multiplyExact(rows, cols)];
    }

    /** Wraps (does not copy) a row-major array. */
    public DMatrix(int rows, int cols, double[] data) {
        super(rows, cols);
        if (data.length != (long) rows * cols) {    // long: rows * cols may overflow an int
            throw new IllegalArgumentException("array of length " + data.length
                    + " does not hold a " + rows + " x " + cols + " matrix");
        }
        this.data = data;
    }

    @Override public Precision precision() { return Precision.DOUBLE; }
    @Override public double get(int r, int c) { return data[r * cols + c]; }
    @Override public void set(int r, int c, double v) { data[r * cols + c] = v; }
    @Override public double getFlat(int i) { return data[i]; }
    @Override public void setFlat(int i, double v) { data[i] = v; }
    @Override public DMatrix copy() { return new DMatrix(rows, cols, data.clone()); }

    @Override
    public void copyFrom(Matrix src) {
        if (!sameShape(src)) {
            throw new IllegalArgumentException("shape " + src.shape() + " != " + shape());
        }
        switch (src) {
            case DMatrix d -> System.arraycopy(d.data, 0, data, 0, data.length);
            case FMatrix f -> {
                for (int i = 0; i < data.length; i++) {
                    data[i] = f.data[i];
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
            case DMatrix d -> System.arraycopy(d.data, srcRow * cols, data, dstRow * cols, cols);
            case FMatrix f -> {
                for (int j = 0; j < cols; j++) {
                    data[dstRow * cols + j] = f.data[srcRow * cols + j];
                }
            }
        }
    }

    @Override public void fill(double v) { Arrays.fill(data, v); }

    @Override
    public DMatrix toDouble() {
        return this;
    }

    @Override
    public double[] toDoubleArray() {
        return data.clone();
    }

    @Override
    public boolean allFinite() {
        for (double v : data) {
            if (!Double.isFinite(v)) {
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
