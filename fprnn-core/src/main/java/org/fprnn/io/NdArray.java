package org.fprnn.io;

import java.util.Arrays;
import java.util.Objects;
import java.util.StringJoiner;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;

/**
 * An n-dimensional array as read from or written to an NPY or safetensors file: an element type,
 * a shape, and the elements in row-major (C) order in a primitive array whose type matches the
 * dtype (see {@link DType}). A 0-d array (shape {@code []}) holds one element.
 *
 * <p>The conversion methods check dtype and shape and throw a {@link FormatException} that names
 * {@link #source()} (the file the array came from) when the array is not what the caller needs.
 *
 * @param source where the array came from (a file name), used in error messages
 * @param dtype  element type
 * @param shape  dimensions, each non-negative; the array is not copied
 * @param data   float[], double[], int[], long[] or byte[] matching dtype, in C order, of length
 *               equal to the product of shape; not copied
 */
public record NdArray(String source, DType dtype, long[] shape, Object data) {

    /** Source name of arrays built in memory. */
    public static final String IN_MEMORY = "<in-memory array>";

    public NdArray {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = elementCount(shape);
        if (n < 0) {
            throw new IllegalArgumentException("shape " + shapeString(shape)
                    + " has a negative dimension or more than " + MAX_ELEMENTS + " elements");
        }
        int len = switch (dtype) {
            case FLOAT32 -> data instanceof float[] a ? a.length : -1;
            case FLOAT64 -> data instanceof double[] a ? a.length : -1;
            case INT32 -> data instanceof int[] a ? a.length : -1;
            case INT64 -> data instanceof long[] a ? a.length : -1;
            case UINT8 -> data instanceof byte[] a ? a.length : -1;
        };
        if (len < 0) {
            throw new IllegalArgumentException("dtype " + dtype + " needs a "
                    + javaType(dtype) + " but got " + data.getClass().getSimpleName());
        }
        if (len != n) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " needs " + n
                    + " elements but the array holds " + len);
        }
    }

    // ---------------------------------------------------------------- factories

    public static NdArray of(float[] data, long... shape) {
        return new NdArray(IN_MEMORY, DType.FLOAT32, shape.clone(), data);
    }

    public static NdArray of(double[] data, long... shape) {
        return new NdArray(IN_MEMORY, DType.FLOAT64, shape.clone(), data);
    }

    public static NdArray of(int[] data, long... shape) {
        return new NdArray(IN_MEMORY, DType.INT32, shape.clone(), data);
    }

    public static NdArray of(long[] data, long... shape) {
        return new NdArray(IN_MEMORY, DType.INT64, shape.clone(), data);
    }

    /** A uint8 array (the bytes are read as unsigned). */
    public static NdArray ofUnsigned(byte[] data, long... shape) {
        return new NdArray(IN_MEMORY, DType.UINT8, shape.clone(), data);
    }

    /** A 2-d array sharing the matrix's storage: float32 for FMatrix, float64 for DMatrix. */
    public static NdArray of(Matrix m) {
        return switch (m) {
            case FMatrix f -> of(f.data, f.rows, f.cols);
            case DMatrix d -> of(d.data, d.rows, d.cols);
        };
    }

    /** A 1-d array of the values; shares the array. */
    public static NdArray vector(float[] v) {
        return of(v, v.length);
    }

    public static NdArray vector(double[] v) {
        return of(v, v.length);
    }

    public static NdArray vector(int[] v) {
        return of(v, v.length);
    }

    public static NdArray vector(long[] v) {
        return of(v, v.length);
    }

    /** A 0-d float64 array. */
    public static NdArray scalar(double v) {
        return of(new double[] {v});
    }

    /**
     * An NdArray from a Matrix, an NdArray, or a primitive array (float[], double[], int[], long[]
     * become 1-d arrays).
     *
     * @throws IllegalArgumentException for any other type
     */
    public static NdArray from(Object value) {
        return switch (value) {
            case NdArray a -> a;
            case Matrix m -> of(m);
            case float[] a -> vector(a);
            case double[] a -> vector(a);
            case int[] a -> vector(a);
            case long[] a -> vector(a);
            case null -> throw new IllegalArgumentException("null array");
            default -> throw new IllegalArgumentException("cannot store a "
                    + value.getClass().getSimpleName()
                    + ": use a Matrix, an NdArray, or a float[], double[], int[] or long[]");
        };
    }

    // ---------------------------------------------------------------- shape

    public int ndim() {
        return shape.length;
    }

    /** Number of elements. */
    public int size() {
        return (int) elementCount(shape);
    }

    /** Dimension i as an int (every dimension fits, since the element count does). */
    public int dim(int i) {
        return (int) shape[i];
    }

    /** The shape in numpy's notation, e.g. "(3, 4)", "(5,)" or "()". */
    public String shapeString() {
        return shapeString(shape);
    }

    /** Bytes of element data. */
    public long byteSize() {
        return (long) size() * dtype.size;
    }

    // ---------------------------------------------------------------- conversions

    /**
     * This 2-d float array as a matrix of the given precision (C order, rows x cols). A new
     * matrix is returned unless the array already has the precision, in which case the matrix
     * shares the array's storage.
     */
    public Matrix toMatrix(Precision precision) throws FormatException {
        requireFloating("a matrix");
        if (ndim() != 2) {
            throw new FormatException(source, "expected a 2-d array but found shape " + shapeString()
                    + (ndim() == 1 ? " (1-d arrays are read as a row or column vector only where "
                    + "one is expected)" : ""));
        }
        return matrix(dim(0), dim(1), precision);
    }

    /** A 1-d array (n,) or a 2-d array (1, n) as a 1 x n matrix. */
    public Matrix asRowVector(Precision precision) throws FormatException {
        requireFloating("a row vector");
        if (ndim() == 1 || (ndim() == 2 && shape[0] == 1)) {
            return matrix(1, size(), precision);
        }
        throw new FormatException(source, "expected a vector of shape (n,) or (1, n) but found shape "
                + shapeString());
    }

    /** A 1-d array (n,) or a 2-d array (n, 1) as an n x 1 matrix. */
    public Matrix asColumnVector(Precision precision) throws FormatException {
        requireFloating("a column vector");
        if (ndim() == 1 || (ndim() == 2 && shape[1] == 1)) {
            return matrix(size(), 1, precision);
        }
        throw new FormatException(source, "expected a vector of shape (n,) or (n, 1) but found shape "
                + shapeString());
    }

    /** The elements in C order as floats (float32 data is returned without copying). */
    public float[] toFloatArray() throws FormatException {
        requireFloating("float values");
        if (data instanceof float[] f) {
            return f;
        }
        double[] d = (double[]) data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /** The elements in C order as doubles (float64 data is returned without copying). */
    public double[] toDoubleArray() throws FormatException {
        requireFloating("double values");
        if (data instanceof double[] d) {
            return d;
        }
        float[] f = (float[]) data;
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * The elements in C order as ints, for labels and indices: int32, int64 (each value must fit
     * in an int) and uint8 are accepted; float arrays are rejected.
     */
    public int[] toIntArray() throws FormatException {
        return switch (data) {
            case int[] a -> a;
            case long[] a -> {
                int[] out = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    if (a[i] < Integer.MIN_VALUE || a[i] > Integer.MAX_VALUE) {
                        throw new FormatException(source, "element " + i + " is " + a[i]
                                + ", outside the int range");
                    }
                    out[i] = (int) a[i];
                }
                yield out;
            }
            case byte[] a -> {
                int[] out = new int[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = a[i] & 0xFF;
                }
                yield out;
            }
            default -> throw new FormatException(source, "holds " + dtype
                    + " values but integers are required here: save it as int32 or int64 "
                    + "(e.g. numpy's y.astype(np.int64))");
        };
    }

    /** The elements in C order as longs; accepts int32, int64 and uint8. */
    public long[] toLongArray() throws FormatException {
        return switch (data) {
            case long[] a -> a;
            case int[] a -> Arrays.stream(a).asLongStream().toArray();
            case byte[] a -> {
                long[] out = new long[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = a[i] & 0xFF;
                }
                yield out;
            }
            default -> throw new FormatException(source, "holds " + dtype
                    + " values but integers are required here: save it as int32 or int64");
        };
    }

    /** Element i (C order) as a double, for any dtype. */
    public double getDouble(int i) {
        return switch (data) {
            case float[] a -> a[i];
            case double[] a -> a[i];
            case int[] a -> a[i];
            case long[] a -> a[i];
            case byte[] a -> a[i] & 0xFF;
            default -> throw new IllegalStateException();
        };
    }

    private Matrix matrix(int rows, int cols, Precision precision) {
        if (precision == Precision.FLOAT) {
            return data instanceof float[] f ? new FMatrix(rows, cols, f)
                    : new DMatrix(rows, cols, (double[]) data).to(Precision.FLOAT);
        }
        return data instanceof double[] d ? new DMatrix(rows, cols, d)
                : new FMatrix(rows, cols, (float[]) data).to(Precision.DOUBLE);
    }

    private void requireFloating(String what) throws FormatException {
        if (!dtype.isFloating()) {
            throw new FormatException(source, "holds " + dtype + " values but " + what
                    + " of float32 or float64 values is required here");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Largest element count fprnn holds in one Java array. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Product of the dimensions, or -1 if a dimension is negative or the product is too large. */
    static long elementCount(long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
        }
        for (long d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        long n = 1;
        for (long d : shape) {
            if (d > MAX_ELEMENTS) {
                return -1;
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                return -1;
            }
        }
        return n;
    }

    static String shapeString(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringJoiner j = new StringJoiner(", ", "(", ")");
        for (long d : shape) {
            j.add(Long.toString(d));
        }
        return j.toString();
    }

    private static String javaType(DType t) {
        return switch (t) {
            case FLOAT32 -> "float[]";
            case FLOAT64 -> "double[]";
            case INT32 -> "int[]";
            case INT64 -> "long[]";
            case UINT8 -> "byte[]";
        };
    }

    // ---------------------------------------------------------------- value semantics

    /** Equal if dtype, shape and elements are equal (the source name is ignored). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NdArray other)) {
            return false;
        }
        return dtype == other.dtype && Arrays.equals(shape, other.shape)
                && Arrays.deepEquals(new Object[] {data}, new Object[] {other.data});
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.deepHashCode(new Object[] {data}));
    }

    @Override
    public String toString() {
        return "NdArray[" + dtype + " " + shapeString() + " from " + source + "]";
    }
}
