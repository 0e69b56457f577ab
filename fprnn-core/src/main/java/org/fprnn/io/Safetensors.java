package org.fprnn.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
 * JSON header, then the tensors' bytes (little-endian, C order). The header maps each tensor name
 * to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the start of the
 * data), and may hold "__metadata__", a map of strings to strings.
 *
 * <p>Supported dtypes: F32, F64, I32, I64 and U8. Reading checks that every tensor's byte range
 * matches its shape and dtype and that the ranges tile the data exactly (no overlaps, gaps, or
 * extra bytes), as the reference implementation does; a violation throws a
 * {@link FormatException} naming the file.
 */
public final class Safetensors {
    private Safetensors() {
    }

    /** Largest header fprnn reads (the reference implementation's limit). */
    static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";

    /**
     * The tensors of a file, in header order, and its metadata.
     *
     * @param source the file they were read from
     */
    public record Contents(String source, Map<String, NdArray> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** The named tensor; a FormatException listing the names present if it is missing. */
        public NdArray get(String name) throws FormatException {
            NdArray a = tensors.get(name);
            if (a == null) {
                throw new FormatException(source, "holds no tensor named '" + name
                        + "'; it holds " + (tensors.isEmpty() ? "no tensors" : tensors.keySet()));
            }
            return a;
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes tensors atomically, in the map's iteration order (use a LinkedHashMap to choose it).
     *
     * @param tensors  name to Matrix (float32 for FMatrix, float64 for DMatrix), NdArray, or
     *                 float[], double[], int[], long[] (1-d)
     * @param metadata string pairs stored under "__metadata__"; null or empty for none
     */
    public static void write(Path file, Map<String, ?> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, NdArray>> list = normalize(tensors);
        byte[] header = header(list, metadata);
        AtomicFiles.write(file, out -> writeTo(out, header, list));
    }

    /** The complete bytes of a safetensors file. */
    public static byte[] toBytes(Map<String, ?> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, NdArray>> list = normalize(tensors);
        byte[] header = header(list, metadata);
        var out = new java.io.ByteArrayOutputStream();
        try {
            writeTo(out, header, list);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static List<Map.Entry<String, NdArray>> normalize(Map<String, ?> tensors) {
        List<Map.Entry<String, NdArray>> list = new ArrayList<>();
        for (Map.Entry<String, ?> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("invalid tensor name '" + name
                        + "': names must be non-empty and not " + METADATA);
            }
            list.add(Map.entry(name, NdArray.from(e.getValue())));
        }
        return list;
    }

    private static byte[] header(List<Map.Entry<String, NdArray>> list, Map<String, String> metadata) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null");
                }
            }
            h.put(METADATA, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, NdArray> e : list) {
            NdArray a = e.getValue();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", a.dtype().safetensorsName());
            info.put("shape", a.shape());
            long end = offset + a.byteSize();
            info.put("data_offsets", new long[] {offset, end});
            offset = end;
            h.put(e.getKey(), info);
        }
        byte[] json = Json.write(h).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int k = json.length; k < padded; k++) {
            out[k] = ' ';
        }
        return out;
    }

    private static void writeTo(OutputStream out, byte[] header, List<Map.Entry<String, NdArray>> list)
            throws IOException {
        byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).array();
        out.write(len);
        out.write(header);
        for (Map.Entry<String, NdArray> e : list) {
            Npy.writeData(out, e.getValue());
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads a safetensors file. */
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new FormatException(file, "is " + size
                    + " bytes; fprnn reads safetensors files of at most 2 GiB");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses the bytes of a safetensors file; source names it in error messages. */
    public static Contents parse(byte[] bytes, String source) throws FormatException {
        if (bytes.length < 8) {
            throw new FormatException(source, "truncated safetensors file: " + bytes.length
                    + " bytes, fewer than the 8-byte header length");
        }
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n < 0 || n > MAX_HEADER) {
            throw new FormatException(source, "not a safetensors file: the header length "
                    + Long.toUnsignedString(n) + " is not between 0 and " + MAX_HEADER + " bytes");
        }
        if (8 + n > bytes.length) {
            throw new FormatException(source, "truncated safetensors file: the header length is " + n
                    + " bytes but only " + (bytes.length - 8) + " bytes follow");
        }
        if (n < 2 || bytes[8] != '{') {
            throw new FormatException(source, "not a safetensors file: the header must be a JSON "
                    + "object starting with '{'");
        }
        String text = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        Object parsed = Json.parse(text, source);
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new FormatException(source, "the safetensors header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLen = bytes.length - dataStart;

        Map<String, String> metadata = new LinkedHashMap<>();
        record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new FormatException(source, "\"__metadata__\" must be an object mapping "
                            + "strings to strings");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw new FormatException(source, "metadata value of \"" + me.getKey()
                                + "\" is not a string; \"__metadata__\" may hold strings only");
                    }
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info)) {
                throw new FormatException(source, "tensor \"" + name + "\" must be described by an "
                        + "object with \"dtype\", \"shape\" and \"data_offsets\"");
            }
            for (Object k : info.keySet()) {
                if (!Set.of("dtype", "shape", "data_offsets").contains(k)) {
                    throw new FormatException(source, "tensor \"" + name + "\" has the unknown key \""
                            + k + "\"; allowed: \"dtype\", \"shape\", \"data_offsets\"");
                }
            }
            if (!(info.get("dtype") instanceof String dtypeName)) {
                throw new FormatException(source, "tensor \"" + name + "\" lacks a string \"dtype\"");
            }
            DType dtype = DType.fromSafetensors(dtypeName);
            if (dtype == null) {
                throw new FormatException(source, "tensor \"" + name + "\" has the unsupported dtype "
                        + dtypeName + "; allowed: " + DType.allowedSafetensors());
            }
            long[] shape = longs(info.get("shape"), source, name, "shape");
            long[] offsets = longs(info.get("data_offsets"), source, name, "data_offsets");
            if (offsets.length != 2 || offsets[0] > offsets[1]) {
                throw new FormatException(source, "tensor \"" + name + "\" has data_offsets "
                        + java.util.Arrays.toString(offsets) + "; it must be [begin, end] with begin <= end");
            }
            long count = NdArray.elementCount(shape);
            if (count < 0) {
                throw new FormatException(source, "tensor \"" + name + "\" has shape "
                        + NdArray.shapeString(shape) + ", too large for fprnn (at most "
                        + NdArray.MAX_ELEMENTS + " elements)");
            }
            long want = count * dtype.size;
            if (offsets[1] - offsets[0] != want) {
                throw new FormatException(source, "tensor \"" + name + "\" of shape "
                        + NdArray.shapeString(shape) + " and dtype " + dtypeName + " needs " + want
                        + " bytes but its data_offsets " + java.util.Arrays.toString(offsets)
                        + " span " + (offsets[1] - offsets[0]));
            }
            entries.add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
        }

        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        String prev = null;
        for (Entry e : sorted) {
            if (e.begin < pos) {
                throw new FormatException(source, "tensor \"" + e.name + "\" (bytes " + e.begin + " to "
                        + e.end + ") overlaps tensor \"" + prev + "\" (which ends at " + pos + ")");
            }
            if (e.begin > pos) {
                throw new FormatException(source, "gap of " + (e.begin - pos)
                        + " unused bytes before tensor \"" + e.name
                        + "\"; the tensors must cover the data contiguously");
            }
            pos = e.end;
            prev = e.name;
        }
        if (pos > dataLen) {
            throw new FormatException(source, "truncated safetensors file: the header says the data "
                    + "ends at byte " + pos + " but the file holds " + dataLen + " bytes of data");
        }
        if (pos < dataLen) {
            throw new FormatException(source, (dataLen - pos) + " bytes follow the last tensor's "
                    + "data; the file is corrupt or its header is wrong");
        }

        Map<String, NdArray> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            ByteBuffer buf = ByteBuffer.wrap(bytes, (int) (dataStart + e.begin), (int) (e.end - e.begin))
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
            Object data = Npy.decode(buf, e.dtype, (int) NdArray.elementCount(e.shape));
            tensors.put(e.name, new NdArray(source + " [" + e.name + "]", e.dtype, e.shape, data));
        }
        return new Contents(source, tensors, metadata);
    }

    private static long[] longs(Object v, String source, String name, String key)
            throws FormatException {
        if (!(v instanceof List<?> l)) {
            throw new FormatException(source, "tensor \"" + name + "\" lacks \"" + key
                    + "\", a list of non-negative integers");
        }
        long[] out = new long[l.size()];
        for (int k = 0; k < out.length; k++) {
            if (!(l.get(k) instanceof Long x) || x < 0) {
                throw new FormatException(source, "tensor \"" + name + "\" has " + key + " " + l
                        + "; it must be a list of non-negative integers");
            }
            out[k] = x;
        }
        return out;
    }
}
