package org.fprnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file written by hand: header length, header, data. */
    static byte[] st(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    void assertRejected(Path p, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
    }

    @Test
    void roundTripOfEveryDtypeWithMetadataInOrder() throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>();
        FMatrix w = new FMatrix(2, 3, new float[] {1, 2, 3, 4, 5, -6.5f});
        DMatrix u = new DMatrix(3, 1, new double[] {0.1, 0.2, 0.3});
        tensors.put("W", w);
        tensors.put("U", u);
        tensors.put("labels", new int[] {3, 1, 4});
        tensors.put("steps", new long[] {1L << 40});
        tensors.put("b", new float[] {9});
        tensors.put("cube", NdArray.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2));
        tensors.put("scalar", NdArray.of(new double[] {2.5}));
        tensors.put("empty", NdArray.of(new float[0], 0, 4));
        tensors.put("pixels", NdArray.ofUnsigned(new byte[] {0, (byte) 255}, 2));
        Map<String, String> meta = Map.of("rule", "reparam", "lr", "0.01");
        Path p = dir.resolve("params.safetensors");
        Safetensors.write(p, tensors, meta);

        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(meta, c.metadata());
        assertArrayEquals(w.data, ((FMatrix) c.get("W").toMatrix(Precision.FLOAT)).data);
        assertArrayEquals(u.data, ((DMatrix) c.get("U").toMatrix(Precision.DOUBLE)).data);
        assertEquals(DType.INT32, c.get("labels").dtype());
        assertArrayEquals(new int[] {3, 1, 4}, c.get("labels").toIntArray());
        assertArrayEquals(new long[] {1L << 40}, c.get("steps").toLongArray());
        assertEquals(tensors.get("cube"), c.get("cube"));
        assertEquals(0, c.get("scalar").ndim());
        assertArrayEquals(new long[] {0, 4}, c.get("empty").shape());
        assertArrayEquals(new int[] {0, 255}, c.get("pixels").toIntArray());

        byte[] bytes = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"W\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"),
                header);
    }

    @Test
    void readsFileWrittenByTheReferenceImplementation() throws IOException {
        Path p;
        try (InputStream in = getClass().getResourceAsStream("reference.safetensors")) {
            p = file("reference.safetensors", in.readAllBytes());
        }
        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(Map.of("format", "np", "note", "fprnn fixture"), c.metadata());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, c.get("a").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, c.get("a").shape());
        assertArrayEquals(new long[] {1, -2}, c.get("b").toLongArray());
        assertArrayEquals(new long[] {0, 2}, c.get("c").shape());
        assertEquals(-8.0, c.get("d").toMatrix(Precision.DOUBLE).get(1, 0));
        assertArrayEquals(new int[] {3}, c.get("e").toIntArray());
        assertEquals(0, c.get("e").ndim());
    }

    @Test
    void missingTensorNamesTheFileAndTheTensorsPresent() throws IOException {
        Path p = dir.resolve("one.safetensors");
        Safetensors.write(p, Map.of("W", new FMatrix(1, 1)), null);
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.read(p).get("R"));
        assertTrue(e.getMessage().startsWith(p + ": ") && e.getMessage().contains("'R'")
                && e.getMessage().contains("[W]"), e.getMessage());
    }

    @Test
    void invalidNamesAreRefusedOnWrite() {
        Map<String, Object> bad = Map.of("__metadata__", new float[1]);
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x.safetensors"), bad, null));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(dir.resolve("x.safetensors"), Map.of("s", "text"), null));
    }

    @Test
    void corruptFilesAreRejectedWithTheFileName() throws IOException {
        byte[] f8 = new byte[8];
        assertRejected(file("short.safetensors", new byte[] {1, 2, 3}), "truncated", "8-byte");
        assertRejected(file("huge.safetensors", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(Long.MAX_VALUE).array()), "not a safetensors file", "header length");
        assertRejected(file("cut.safetensors", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(100).array()), "truncated", "100 bytes");
        assertRejected(file("nobrace.safetensors", st("[1,2]", new byte[0])), "must be a JSON object");
        assertRejected(file("badjson.safetensors", st("{\"a\": {\"dtype\": ", new byte[0])),
                "malformed JSON");
        assertRejected(file("dtype.safetensors",
                st("{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2])),
                "unsupported dtype BF16", "F32, F64, I32, I64");
        assertRejected(file("size.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", f8)),
                "needs 12 bytes", "span 8");
        assertRejected(file("overlap.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", f8)),
                "overlaps");
        assertRejected(file("gap.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", f8)),
                "gap of 4");
        assertRejected(file("trunc.safetensors",
                st("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", f8)),
                "truncated", "ends at byte 16", "holds 8");
        assertRejected(file("extra.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", f8)),
                "4 bytes follow");
        assertRejected(file("meta.safetensors",
                st("{\"__metadata__\":{\"epoch\":3}}", new byte[0])), "not a string");
        assertRejected(file("key.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new byte[4])),
                "unknown key \"x\"");
        assertRejected(file("nooffsets.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4])), "lacks \"data_offsets\"");
        assertRejected(file("negshape.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4])),
                "non-negative");
        assertRejected(file("reversed.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", new byte[4])),
                "begin <= end");
        assertRejected(file("dupkey.safetensors",
                st("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", new byte[0])),
                "duplicate key");
    }

    @Test
    void jsonWriterAndParserAgree() throws FormatException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t unicode é \u0001");
        m.put("n", 42L);
        m.put("x", -1.5e-3);
        m.put("l", List.of(true, false, "a"));
        m.put("z", null);
        Object back = Json.parse(Json.write(m), "test");
        assertEquals(m, back);
        assertEquals("\u00e9", Json.parse("\"\\u00e9\"", "t"));
    }
}
