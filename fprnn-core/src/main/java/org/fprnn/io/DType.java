package org.fprnn.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Element types fprnn reads and writes in NPY and safetensors files. Java arrays holding each
 * type: FLOAT32 float[], FLOAT64 double[], INT32 int[], INT64 long[], UINT8 byte[] (read as
 * unsigned).
 */
public enum DType {
    FLOAT32(4, 'f', "F32", "float32"),
    FLOAT64(8, 'f', "F64", "float64"),
    INT32(4, 'i', "I32", "int32"),
    INT64(8, 'i', "I64", "int64"),
    UINT8(1, 'u', "U8", "uint8");

    /** Bytes per element. */
    public final int size;
    private final char kind;
    private final String safetensorsName;
    private final String numpyName;

    DType(int size, char kind, String safetensorsName, String numpyName) {
        this.size = size;
        this.kind = kind;
        this.safetensorsName = safetensorsName;
        this.numpyName = numpyName;
    }

    public boolean isFloating() {
        return kind == 'f';
    }

    public boolean isInteger() {
        return !isFloating();
    }

    /** The numpy name, e.g. "float32". */
    public String numpyName() {
        return numpyName;
    }

    /** The descr fprnn writes into NPY headers (always little-endian), e.g. "&lt;f4" or "|u1". */
    public String npyDescr() {
        return size == 1 ? "|" + kind + size : "<" + kind + size;
    }

    /** The safetensors dtype name, e.g. "F32". */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The numpy type character and size without byte order, e.g. "f4". */
    String npyCode() {
        return "" + kind + size;
    }

    static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    static DType fromNpyCode(String code) {
        for (DType t : values()) {
            if (t.npyCode().equals(code)) {
                return t;
            }
        }
        return null;
    }

    static String allowedSafetensors() {
        return Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return numpyName.toLowerCase(Locale.ROOT);
    }
}
