package org.fprnn.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fprnn.linalg.Matrix;

/**
 * Reads and writes numpy's .npy format.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0; dtypes float32, float64, int32, int64 in
 * either byte order ({@code <f4 >f4 <f8 >f8 <i4 >i4 <i8 >i8}) and uint8 ({@code |u1}); C order
 * and Fortran order (always returned in C order); any number of dimensions, including 0-d. The
 * file must hold exactly the bytes its header announces. Anything else (object or structured
 * arrays, other dtypes, a malformed header, truncated or extra data) throws a
 * {@link FormatException} naming the file, the problem, and what is allowed.
 *
 * <p>Writing produces version 1.0 (2.0 when the header is longer than 65535 bytes), C order,
 * little-endian, with the header padded so the data starts at a multiple of 64 bytes, and replaces
 * the target atomically ({@link AtomicFiles}).
 */
public final class Npy {
    private Npy() {
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String ALLOWED_DTYPES =
            "float32 (<f4), float64 (<f8), int32 (<i4), int64 (<i8), either byte order, or uint8 (|u1)";
    private static final int ALIGN = 64;

    // ---------------------------------------------------------------- reading

    /** Reads an .npy file. */
    public static NdArray read(Path file) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such NPY file");
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new FormatException(file, "is " + size
                    + " bytes; fprnn reads NPY files of at most 2 GiB");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses the bytes of an .npy file.
     *
     * @param source the name used in error messages (normally the file name)
     */
    public static NdArray parse(byte[] bytes, String source) throws FormatException {
        if (bytes.length < MAGIC.length || !startsWith(bytes, MAGIC)) {
            String hint = bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K'
                    ? " (it looks like a zip archive, such as numpy's .npz: extract the .npy arrays from it)"
                    : "";
            throw new FormatException(source, "not an NPY file: it does not start with the NPY magic "
                    + "bytes \\x93NUMPY" + hint);
        }
        if (bytes.length < 8) {
            throw new FormatException(source, "truncated NPY file: it ends inside the version bytes");
        }
        int major = bytes[6] & 0xFF;
        int minor = bytes[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new FormatException(source, "unsupported NPY format version " + major + "." + minor
                    + "; fprnn reads versions 1.0, 2.0 and 3.0");
        }
        int lenBytes = major == 1 ? 2 : 4;
        if (bytes.length < 8 + lenBytes) {
            throw new FormatException(source, "truncated NPY file: it ends inside the header length");
        }
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = major == 1 ? le.getShort(8) & 0xFFFF : le.getInt(8) & 0xFFFFFFFFL;
        long dataStart = 8 + lenBytes + headerLen;
        if (dataStart > bytes.length) {
            throw new FormatException(source, "truncated NPY file: the header announces " + headerLen
                    + " bytes but the file ends after " + (bytes.length - 8 - lenBytes));
        }
        String headerText = new String(bytes, 8 + lenBytes, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = parseHeader(headerText, source);

        long n = NdArray.elementCount(h.shape);
        if (n < 0) {
            throw new FormatException(source, "shape " + NdArray.shapeString(h.shape)
                    + " holds more elements than fprnn can read into one array ("
                    + NdArray.MAX_ELEMENTS + ")");
        }
        long need = n * h.dtype.size;
        long have = bytes.length - dataStart;
        if (have != need) {
            throw new FormatException(source, (have < need ? "truncated NPY file: " : "")
                    + "shape " + NdArray.shapeString(h.shape) + " of " + h.dtype + " needs " + need
                    + " bytes of data but the file holds " + have
                    + (have > need ? " (the extra bytes mean a corrupt file or a file that is not a single array)"
                    : ""));
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, (int) dataStart, (int) need).slice().order(h.order);
        Object data = decode(buf, h.dtype, (int) n);
        if (h.fortranOrder && h.shape.length > 1 && n > 0) {
            data = fortranToC(data, h.shape);
        }
        return new NdArray(source, h.dtype, h.shape, data);
    }

    /** Decodes n elements of dtype from buf (whose byte order is set). */
    static Object decode(ByteBuffer buf, DType dtype, int n) {
        return switch (dtype) {
            case FLOAT32 -> {
                float[] a = new float[n];
                buf.asFloatBuffer().get(a);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                buf.asDoubleBuffer().get(a);
                yield a;
            }
            case INT32 -> {
                int[] a = new int[n];
                buf.asIntBuffer().get(a);
                yield a;
            }
            case INT64 -> {
                long[] a = new long[n];
                buf.asLongBuffer().get(a);
                yield a;
            }
            case UINT8 -> {
                byte[] a = new byte[n];
                buf.get(a);
                yield a;
            }
        };
    }

    /** Reorders Fortran-order (first index fastest) elements into C order (last index fastest). */
    static Object fortranToC(Object src, long[] shape) {
        int n = (int) NdArray.elementCount(shape);
        FortranIndex it = new FortranIndex(shape);
        switch (src) {
            case float[] s -> {
                float[] d = new float[n];
                for (int i = 0; i < n; i++) {
                    d[i] = s[it.next()];
                }
                return d;
            }
            case double[] s -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = s[it.next()];
                }
                return d;
            }
            case int[] s -> {
                int[] d = new int[n];
                for (int i = 0; i < n; i++) {
                    d[i] = s[it.next()];
                }
                return d;
            }
            case long[] s -> {
                long[] d = new long[n];
                for (int i = 0; i < n; i++) {
                    d[i] = s[it.next()];
                }
                return d;
            }
            case byte[] s -> {
                byte[] d = new byte[n];
                for (int i = 0; i < n; i++) {
                    d[i] = s[it.next()];
                }
                return d;
            }
            default -> throw new IllegalArgumentException(src.getClass().toString());
        }
    }

    /**
     * Walks the elements in C order (last index fastest) and yields each one's position in
     * Fortran-order storage, where index k has stride d0 * ... * d(k-1).
     */
    private static final class FortranIndex {
        private final int[] dims;
        private final int[] strides;
        private final int[] idx;
        private int pos;
        private boolean first = true;

        FortranIndex(long[] shape) {
            int k = shape.length;
            dims = new int[k];
            strides = new int[k];
            idx = new int[k];
            int s = 1;
            for (int i = 0; i < k; i++) {
                dims[i] = (int) shape[i];
                strides[i] = s;
                s *= dims[i];
            }
        }

        int next() {
            if (first) {
                first = false;
                return 0;
            }
            for (int k = dims.length - 1; k >= 0; k--) {
                if (++idx[k] < dims[k]) {
                    pos += strides[k];
                    return pos;
                }
                pos -= strides[k] * (idx[k] - 1);
                idx[k] = 0;
            }
            throw new IllegalStateException("past the end");
        }
    }

    // ---------------------------------------------------------------- header

    private record Header(DType dtype, ByteOrder order, boolean fortranOrder, long[] shape) {
    }

    private static Header parseHeader(String text, String source) throws FormatException {
        Object value;
        try {
            PyLiteral p = new PyLiteral(text);
            value = p.value();
            p.skipSpace();
            if (!p.atEnd()) {
                throw p.error("unexpected text after the header dict");
            }
        } catch (PyLiteral.SyntaxError e) {
            throw new FormatException(source, "malformed NPY header (" + e.getMessage() + "): "
                    + quote(text));
        }
        if (!(value instanceof Map<?, ?> dict)) {
            throw new FormatException(source, "the NPY header is not a dict: " + quote(text)
                    + "; it must be a dict with keys 'descr', 'fortran_order' and 'shape'");
        }
        Set<String> allowed = Set.of("descr", "fortran_order", "shape");
        for (Object k : dict.keySet()) {
            if (!allowed.contains(k)) {
                throw new FormatException(source, "the NPY header has the unexpected key " + repr(k)
                        + "; allowed keys are 'descr', 'fortran_order' and 'shape'");
            }
        }
        for (String k : allowed) {
            if (!dict.containsKey(k)) {
                throw new FormatException(source, "the NPY header lacks the key '" + k
                        + "'; it must have 'descr', 'fortran_order' and 'shape': " + quote(text));
            }
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String d)) {
            throw new FormatException(source, "structured or record arrays (descr " + repr(descr)
                    + ") are not supported; allowed dtypes: " + ALLOWED_DTYPES);
        }
        if (d.startsWith("|O") || d.startsWith("O")) {
            throw new FormatException(source, "object arrays (dtype '" + d + "') cannot be read: "
                    + "they hold pickled Python objects; save a numeric array instead, one of "
                    + ALLOWED_DTYPES);
        }
        char orderChar = d.isEmpty() ? '?' : d.charAt(0);
        String code = "<>|=".indexOf(orderChar) >= 0 ? d.substring(1) : d;
        DType dtype = DType.fromNpyCode(code);
        boolean orderOk = dtype != null && (dtype.size == 1 || orderChar != '|');
        if (dtype == null || !orderOk) {
            throw new FormatException(source, "unsupported dtype '" + d + "'; allowed dtypes: "
                    + ALLOWED_DTYPES);
        }
        ByteOrder order = switch (orderChar) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            default -> ByteOrder.nativeOrder();
        };
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new FormatException(source, "'fortran_order' in the NPY header is "
                    + repr(dict.get("fortran_order")) + " but must be True or False");
        }
        if (!(dict.get("shape") instanceof PyLiteral.Tuple tuple)) {
            throw new FormatException(source, "'shape' in the NPY header is "
                    + repr(dict.get("shape")) + " but must be a tuple of non-negative integers, "
                    + "such as (3, 4), (5,) or ()");
        }
        long[] shape = new long[tuple.items().size()];
        for (int i = 0; i < shape.length; i++) {
            Object dim = tuple.items().get(i);
            if (!(dim instanceof Long v) || v < 0) {
                throw new FormatException(source, "'shape' in the NPY header is "
                        + repr(tuple) + "; each dimension must be a non-negative integer");
            }
            shape[i] = v;
        }
        return new Header(dtype, order, fortran, shape);
    }

    private static String quote(String header) {
        String s = header.strip();
        if (s.length() > 200) {
            s = s.substring(0, 200) + "...";
        }
        return "\"" + s + "\"";
    }

    private static String repr(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> "'" + s + "'";
            case Boolean b -> b ? "True" : "False";
            case List<?> l -> l.toString();
            case PyLiteral.Tuple t -> t.toString();
            default -> o.toString();
        };
    }

    /**
     * A parser for the Python literals an NPY header may hold: dicts, tuples, lists, strings,
     * integers (with an optional Python 2 'L' suffix), True, False and None.
     */
    static final class PyLiteral {
        record Tuple(List<Object> items) {
            @Override
            public String toString() {
                StringBuilder b = new StringBuilder("(");
                for (int i = 0; i < items.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(items.get(i)));
                }
                return b.append(items.size() == 1 ? ",)" : ")").toString();
            }
        }

        static final class SyntaxError extends Exception {
            private static final long serialVersionUID = 1L;

            SyntaxError(String message) {
                super(message);
            }
        }

        private final String s;
        private int i;
        private int depth;

        PyLiteral(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        SyntaxError error(String what) {
            return new SyntaxError(what + " at character " + i);
        }

        Object value() throws SyntaxError {
            skipSpace();
            if (atEnd()) {
                throw error("unexpected end of header");
            }
            if (++depth > 32) {
                throw error("nesting too deep");
            }
            try {
                char c = s.charAt(i);
                return switch (c) {
                    case '{' -> dict();
                    case '(' -> tupleOrParens();
                    case '[' -> new ArrayList<>(sequence('[', ']'));
                    case '\'', '"' -> string();
                    default -> {
                        if (c == '-' || c == '+' || Character.isDigit(c)) {
                            yield integer();
                        }
                        yield word();
                    }
                };
            } finally {
                depth--;
            }
        }

        private Map<Object, Object> dict() throws SyntaxError {
            i++;
            Map<Object, Object> m = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (atEnd()) {
                    throw error("unterminated dict");
                }
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                Object k = value();
                skipSpace();
                if (atEnd() || s.charAt(i) != ':') {
                    throw error("expected ':' in dict");
                }
                i++;
                Object v = value();
                if (m.containsKey(k)) {
                    throw error("duplicate key " + repr(k));
                }
                m.put(k, v);
                skipSpace();
                if (atEnd()) {
                    throw error("unterminated dict");
                }
                char c = s.charAt(i);
                if (c == ',') {
                    i++;
                } else if (c != '}') {
                    throw error("expected ',' or '}' in dict");
                }
            }
        }

        private Object tupleOrParens() throws SyntaxError {
            int start = i;
            i++;
            skipSpace();
            if (!atEnd() && s.charAt(i) == ')') {
                i++;
                return new Tuple(List.of());
            }
            Object first = value();
            skipSpace();
            if (!atEnd() && s.charAt(i) == ')') {
                i++;
                return first; // (x) is x in Python, not a tuple
            }
            i = start;
            return new Tuple(sequence('(', ')'));
        }

        private List<Object> sequence(char open, char close) throws SyntaxError {
            i++;
            List<Object> items = new ArrayList<>();
            while (true) {
                skipSpace();
                if (atEnd()) {
                    throw error("unterminated " + open + "..." + close);
                }
                if (s.charAt(i) == close) {
                    i++;
                    return items;
                }
                items.add(value());
                skipSpace();
                if (atEnd()) {
                    throw error("unterminated " + open + "..." + close);
                }
                char c = s.charAt(i);
                if (c == ',') {
                    i++;
                } else if (c != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() throws SyntaxError {
            char q = s.charAt(i++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == q) {
                    return b.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        throw error("unterminated string");
                    }
                    char e = s.charAt(i++);
                    b.append(switch (e) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        case 'r' -> '\r';
                        case '0' -> '\0';
                        default -> e;
                    });
                } else {
                    b.append(c);
                }
            }
        }

        private Long integer() throws SyntaxError {
            int start = i;
            if (s.charAt(i) == '-' || s.charAt(i) == '+') {
                i++;
            }
            int digits = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (i == digits) {
                throw error("expected a number");
            }
            String num = s.substring(start, i).replace("_", "");
            if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                i++; // Python 2 long suffix, written by old numpy versions
            }
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                throw error("expected an integer, not a float");
            }
            try {
                return Long.parseLong(num);
            } catch (NumberFormatException e) {
                throw error("integer " + num + " out of range");
            }
        }

        private Object word() throws SyntaxError {
            int start = i;
            while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
                i++;
            }
            String w = s.substring(start, i);
            return switch (w) {
                case "True" -> Boolean.TRUE;
                case "False" -> Boolean.FALSE;
                case "None" -> null;
                default -> {
                    i = start;
                    throw error("unexpected " + (w.isEmpty() ? "'" + s.charAt(i) + "'" : "'" + w + "'"));
                }
            };
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes a matrix as a 2-d array: float32 for FMatrix, float64 for DMatrix. */
    public static void write(Path file, Matrix m) throws IOException {
        write(file, NdArray.of(m));
    }

    public static void write1d(Path file, float[] v) throws IOException {
        write(file, NdArray.vector(v));
    }

    public static void write1d(Path file, double[] v) throws IOException {
        write(file, NdArray.vector(v));
    }

    public static void write1d(Path file, int[] v) throws IOException {
        write(file, NdArray.vector(v));
    }

    public static void write1d(Path file, long[] v) throws IOException {
        write(file, NdArray.vector(v));
    }

    /** Writes a 0-d float64 array. */
    public static void writeScalar(Path file, double v) throws IOException {
        write(file, NdArray.scalar(v));
    }

    /** Writes any array (C order, little-endian) atomically. */
    public static void write(Path file, NdArray a) throws IOException {
        AtomicFiles.write(file, out -> writeTo(out, a));
    }

    /** The complete bytes of an .npy file holding the array. */
    public static byte[] toBytes(NdArray a) {
        var out = new java.io.ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
                a.byteSize() + 128));
        try {
            writeTo(out, a);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** Writes the array in .npy format to a stream. */
    public static void writeTo(OutputStream out, NdArray a) throws IOException {
        out.write(header(a));
        writeData(out, a);
    }

    /** The magic, version, header length and padded header dict. */
    static byte[] header(NdArray a) {
        String dict = "{'descr': '" + a.dtype().npyDescr() + "', 'fortran_order': False, 'shape': "
                + NdArray.shapeString(a.shape()) + ", }";
        int major = 1;
        int prefix = 10;
        int total = pad(prefix + dict.length() + 1);
        if (total - prefix > 0xFFFF) {
            major = 2;
            prefix = 12;
            total = pad(prefix + dict.length() + 1);
        }
        int headerLen = total - prefix;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) headerLen);
        } else {
            b.putInt(headerLen);
        }
        b.put(dict.getBytes(StandardCharsets.ISO_8859_1));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    private static int pad(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Writes the elements little-endian, in chunks. */
    static void writeData(OutputStream out, NdArray a) throws IOException {
        if (a.data() instanceof byte[] bytes) {
            out.write(bytes);
            return;
        }
        int n = a.size();
        int per = (1 << 16) / a.dtype().size;
        ByteBuffer buf = ByteBuffer.allocate(per * a.dtype().size).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < n; from += per) {
            int len = Math.min(per, n - from);
            buf.clear();
            switch (a.data()) {
                case float[] f -> buf.asFloatBuffer().put(f, from, len);
                case double[] d -> buf.asDoubleBuffer().put(d, from, len);
                case int[] v -> buf.asIntBuffer().put(v, from, len);
                case long[] v -> buf.asLongBuffer().put(v, from, len);
                default -> throw new IllegalStateException();
            }
            out.write(buf.array(), 0, len * a.dtype().size);
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        for (int k = 0; k < prefix.length; k++) {
            if (bytes[k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }
}
