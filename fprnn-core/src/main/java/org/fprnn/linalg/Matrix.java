package org.fprnn.linalg;

/**
 * A dense row-major matrix of float or double. Rows are samples wherever a matrix holds a batch
 * (MATH section 3.6). The storage array is exposed on purpose: kernels and BLAS work on it in place.
 */
public sealed abstract class Matrix permits FMatrix, DMatrix {
    public final int rows;
    public final int cols;

    protected Matrix(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        }
        this.rows = rows;
        this.cols = cols;
    }

    public abstract Precision precision();

    public abstract double get(int r, int c);

    public abstract void set(int r, int c, double v);

    /** Element at flat row-major index. */
    public abstract double getFlat(int i);

    public abstract void setFlat(int i, double v);

    /** A new zero matrix of the same precision with the given shape. */
    public final Matrix like(int r, int c) {
        return precision().zeros(r, c);
    }

    /** A new zero matrix of the same precision and shape. */
    public final Matrix zerosLike() {
        return like(rows, cols);
    }

    public abstract Matrix copy();

    /** Copies src (any precision, same shape) into this matrix. */
    public abstract void copyFrom(Matrix src);

    /** Copies row srcRow of src into row dstRow of this matrix (same number of columns). */
    public abstract void copyRow(Matrix src, int srcRow, int dstRow);

    public abstract void fill(double v);

    public final int size() {
        return rows * cols;
    }

    public final boolean sameShape(Matrix o) {
        return rows == o.rows && cols == o.cols;
    }

    public final String shape() {
        return "(" + rows + ", " + cols + ")";
    }

    /** This matrix in double precision (a copy, or this matrix itself if already double). */
    public abstract DMatrix toDouble();

    /** This matrix in the given precision (a copy unless it already has it). */
    public final Matrix to(Precision p) {
        if (p == precision()) {
            return this;
        }
        Matrix m = p.zeros(rows, cols);
        m.copyFrom(this);
        return m;
    }

    /** Row-major values as a new double array. */
    public abstract double[] toDoubleArray();

    /** True if every element is finite. */
    public abstract boolean allFinite();

    /** The transpose, as a new matrix. */
    public final Matrix transpose() {
        Matrix t = like(cols, rows);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t.set(j, i, get(i, j));
            }
        }
        return t;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + shape();
    }

    /** The storage array as a heap memory segment for {@link NativeBlas}, kept by the matrix. */
    abstract java.lang.foreign.MemorySegment segment();

    /** A slice of {@link #segment()} and where it starts, in elements. */
    private record Slice(long offset, java.lang.foreign.MemorySegment segment) {
    }

    /** Slices made for the blocks of split products (few per matrix: the blocks are fixed by shape). */
    private Slice[] slices;
    /** Slots of {@link #slices} in use, and the next to replace once all {@link #MAX_SLICES} are. */
    private int used;
    private int replace;

    /** Most slices a matrix keeps; beyond it, the oldest is replaced. */
    private static final int MAX_SLICES = 256;

    /**
     * {@link #segment()} from element {@code offset} on, kept for the next call with the same offset
     * (a product split into blocks uses the same few offsets again and again, so steady-state
     * products make no new segment). The slices kept grow with the offsets a matrix is used at (a
     * block operator's column blocks times a product's row blocks), up to {@link #MAX_SLICES}. Races
     * between threads only cost an extra segment.
     */
    final java.lang.foreign.MemorySegment segmentAt(long offset) {
        if (offset == 0) {
            return segment();
        }
        Slice[] all = slices;
        int count = all == null ? 0 : Math.min(used, all.length);  // read once: a racing thread may grow them
        for (int i = 0; i < count; i++) {
            Slice s = all[i];
            if (s != null && s.offset == offset) {
                return s.segment;
            }
        }
        long bytes = offset * precision().bytes();
        Slice made = new Slice(offset, segment().asSlice(bytes));
        if (all == null || count == all.length && all.length < MAX_SLICES) {
            all = java.util.Arrays.copyOf(all == null ? new Slice[0] : all, all == null ? 8 : 2 * all.length);
            slices = all;
        }
        if (count < all.length) {
            all[count] = made;
            used = count + 1;
        } else {
            int at = replace % all.length;
            all[at] = made;
            replace = at + 1;
        }
        return made.segment;
    }
}
