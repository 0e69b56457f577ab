package org.fprnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------ helpers

    /** An .npy file written by hand: magic, version, header length, header, data. */
    static byte[] npy(int major, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int lenBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + h.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    static byte[] doublesLE(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    Path resource(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream(name)) {
            return file(name, in.readAllBytes());
        }
    }

    /** Asserts that reading fails with a message naming the file and containing each fragment. */
    FormatException assertRejected(Path p, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertEquals(p.toString(), e.source());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }

    // ------------------------------------------------------------ round trips

    @Test
    void float32MatrixRoundTrip() throws IOException {
        FMatrix m = new FMatrix(2, 3, new float[] {1, -2.5f, 3e-8f, Float.MAX_VALUE, Float.NaN, -0f});
        Path p = dir.resolve("m.npy");
        Npy.write(p, m);
        NdArray a = Npy.read(p);
        assertEquals(DType.FLOAT32, a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        Matrix back = a.toMatrix(Precision.FLOAT);
        assertInstanceOf(FMatrix.class, back);
        assertArrayEquals(m.data, ((FMatrix) back).data);
        assertEquals(m.data[1], (float) a.toMatrix(Precision.DOUBLE).get(0, 1));
    }

    @Test
    void float64MatrixRoundTrip() throws IOException {
        DMatrix m = new DMatrix(3, 2, new double[] {Math.PI, -1e-300, 0, 7, Double.NEGATIVE_INFINITY, 1});
        Path p = dir.resolve("m.npy");
        Npy.write(p, m);
        NdArray a = Npy.read(p);
        assertEquals(DType.FLOAT64, a.dtype());
        assertArrayEquals(m.data, ((DMatrix) a.toMatrix(Precision.DOUBLE)).data);
        assertEquals((float) Math.PI, ((FMatrix) a.toMatrix(Precision.FLOAT)).data[0]);
    }

    @Test
    void int32AndInt64VectorsRoundTrip() throws IOException {
        int[] ints = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 9};
        Npy.write1d(dir.resolve("i.npy"), ints);
        NdArray a = Npy.read(dir.resolve("i.npy"));
        assertEquals(DType.INT32, a.dtype());
        assertArrayEquals(new long[] {5}, a.shape());
        assertArrayEquals(ints, a.toIntArray());

        long[] longs = {0, -1, Long.MAX_VALUE, 3};
        Npy.write1d(dir.resolve("l.npy"), longs);
        NdArray b = Npy.read(dir.resolve("l.npy"));
        assertEquals(DType.INT64, b.dtype());
        assertArrayEquals(longs, b.toLongArray());
        assertArrayEquals(new long[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 9},
                Npy.read(dir.resolve("i.npy")).toLongArray());
    }

    @Test
    void floatAndDoubleVectorsRoundTrip() throws IOException {
        float[] f = {1.5f, -2f};
        double[] d = {1e10, -3.25, 0.1};
        Npy.write1d(dir.resolve("f.npy"), f);
        Npy.write1d(dir.resolve("d.npy"), d);
        assertArrayEquals(f, Npy.read(dir.resolve("f.npy")).toFloatArray());
        assertArrayEquals(d, Npy.read(dir.resolve("d.npy")).toDoubleArray());
        assertArrayEquals(new double[] {1.5, -2}, Npy.read(dir.resolve("f.npy")).toDoubleArray());
    }

    @Test
    void uint8ThreeDimensionalScalarAndEmptyRoundTrip() throws IOException {
        NdArray u = NdArray.ofUnsigned(new byte[] {0, 1, (byte) 255, 7}, 2, 2);
        Npy.write(dir.resolve("u.npy"), u);
        NdArray ub = Npy.read(dir.resolve("u.npy"));
        assertEquals(u, ub);
        assertArrayEquals(new int[] {0, 1, 255, 7}, ub.toIntArray());

        double[] cube = new double[24];
        Arrays.setAll(cube, i -> i * 0.5);
        NdArray c = NdArray.of(cube, 2, 3, 4);
        Npy.write(dir.resolve("c.npy"), c);
        assertEquals(c, Npy.read(dir.resolve("c.npy")));

        Npy.writeScalar(dir.resolve("s.npy"), -4.25);
        NdArray s = Npy.read(dir.resolve("s.npy"));
        assertEquals(0, s.ndim());
        assertEquals(1, s.size());
        assertEquals("()", s.shapeString());
        assertEquals(-4.25, s.toDoubleArray()[0]);

        NdArray empty = NdArray.of(new float[0], 0, 3);
        Npy.write(dir.resolve("e.npy"), empty);
        Matrix em = Npy.read(dir.resolve("e.npy")).toMatrix(Precision.FLOAT);
        assertEquals(0, em.rows);
        assertEquals(3, em.cols);
    }

    @Test
    void writtenHeaderIsVersion1AlignedTo64AndEndsWithNewline() throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, new FMatrix(3, 4));
        byte[] b = Files.readAllBytes(p);
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int hlen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getShort(8);
        assertEquals(0, (10 + hlen) % 64);
        assertEquals('\n', b[10 + hlen - 1]);
        String header = new String(b, 10, hlen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"),
                header);
        assertEquals(10 + hlen + 48, b.length);
    }

    @Test
    void hugeHeaderIsWrittenAsVersion2AndReadBack() throws IOException {
        long[] shape = new long[30_000];
        Arrays.fill(shape, 1);
        shape[7] = 2;
        NdArray a = NdArray.of(new double[] {1.25, 2.5}, shape);
        Path p = dir.resolve("big-header.npy");
        Npy.write(p, a);
        byte[] b = Files.readAllBytes(p);
        assertEquals(2, b[6]);
        int hlen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        assertTrue(hlen > 65535);
        assertEquals(0, (12 + hlen) % 64);
        assertEquals(a, Npy.read(p));
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("w.npy");
        Npy.write1d(p, new double[] {1});
        Npy.write1d(p, new double[] {2, 3});
        assertArrayEquals(new double[] {2, 3}, Npy.read(p).toDoubleArray());
        // a failing writer leaves the previous file intact and removes its temporary file
        assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100]);
            throw new IOException("disk full");
        }));
        assertArrayEquals(new double[] {2, 3}, Npy.read(p).toDoubleArray());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
        // parent folders are created
        Path nested = dir.resolve("x/y/z.npy");
        Npy.write1d(nested, new int[] {4});
        assertArrayEquals(new int[] {4}, Npy.read(nested).toIntArray());
    }

    // ------------------------------------------------------------ layouts and versions

    @Test
    void fortranOrder2dWrittenByHandIsReadRowMajor() throws IOException {
        // the 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column
        Path p = file("f.npy", npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n",
                doublesLE(1, 4, 2, 5, 3, 6)));
        NdArray a = Npy.read(p);
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, a.toDoubleArray());
        Matrix m = a.toMatrix(Precision.DOUBLE);
        assertEquals(2, m.rows);
        assertEquals(3, m.cols);
        assertEquals(6, m.get(1, 2));
        assertEquals(3, m.get(0, 2));
    }

    @Test
    void fortranOrder3dWrittenByHandIsReadInCOrder() throws IOException {
        // element (i, j, k) of shape (2, 3, 4) has value 100 i + 10 j + k; Fortran order puts
        // i fastest, then j, then k
        ByteBuffer b = ByteBuffer.allocate(24 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 2; i++) {
                    b.putInt(100 * i + 10 * j + k);
                }
            }
        }
        Path p = file("f3.npy", npy(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 4), }",
                b.array()));
        int[] v = Npy.read(p).toIntArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(100 * i + 10 * j + k, v[(i * 3 + j) * 4 + k]);
                }
            }
        }
    }

    @Test
    void fortranOrderOf1dAndColumnAreTheSameAsCOrder() throws IOException {
        Path p = file("c.npy", npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 1), }",
                doublesLE(1, 2, 3)));
        assertArrayEquals(new double[] {1, 2, 3}, Npy.read(p).toDoubleArray());
        Matrix col = Npy.read(p).asColumnVector(Precision.DOUBLE);
        assertEquals(3, col.rows);
    }

    @Test
    void bigEndianWrittenByHand() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
        b.putLong(-5).putLong(1L << 40);
        Path p = file("be.npy", npy(1, "{'descr': '>i8', 'fortran_order': False, 'shape': (2,), }",
                b.array()));
        assertArrayEquals(new long[] {-5, 1L << 40}, Npy.read(p).toLongArray());
    }

    @Test
    void versions2And3WrittenByHand() throws IOException {
        Path v2 = file("v2.npy", npy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                doublesLE(1, 2)));
        assertArrayEquals(new double[] {1, 2}, Npy.read(v2).toDoubleArray());
        // version 3 headers are UTF-8; a non-ASCII character in a (harmless) padding comment is
        // not allowed in Python literals, so check only that the UTF-8 decoding path reads it
        Path v3 = file("v3.npy", npy(3, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1,)}",
                doublesLE(7)));
        assertArrayEquals(new double[] {7}, Npy.read(v3).toDoubleArray());
    }

    @Test
    void python2LongSuffixInShapeIsAccepted() throws IOException {
        Path p = file("py2.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }",
                doublesLE(1, 2)));
        assertArrayEquals(new long[] {2, 1}, Npy.read(p).shape());
    }

    @Test
    void filesWrittenByNumpyAreReadCorrectly() throws IOException {
        NdArray f = Npy.read(resource("f8_fortran_3x4.npy"));
        double[] expected = new double[12];
        Arrays.setAll(expected, i -> i);
        assertArrayEquals(expected, f.toDoubleArray());
        assertEquals(7.0, f.toMatrix(Precision.DOUBLE).get(1, 3));

        NdArray be = Npy.read(resource("f4_bigendian_2x3.npy"));
        assertEquals(DType.FLOAT32, be.dtype());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, be.toFloatArray());

        NdArray i3 = Npy.read(resource("i8_fortran_2x3x4.npy"));
        long[] seq = new long[24];
        Arrays.setAll(seq, i -> i);
        assertArrayEquals(seq, i3.toLongArray());
        assertArrayEquals(new long[] {2, 3, 4}, i3.shape());

        assertArrayEquals(new int[] {1, -2, 3, 4}, Npy.read(resource("i4_v2.npy")).toIntArray());
        assertArrayEquals(new float[] {0.5f, 1.5f}, Npy.read(resource("f4_v3.npy")).toFloatArray());

        NdArray s = Npy.read(resource("f8_scalar.npy"));
        assertEquals(0, s.ndim());
        assertEquals(3.5, s.toDoubleArray()[0]);

        assertArrayEquals(new int[] {0, 1, 255}, Npy.read(resource("u1_labels.npy")).toIntArray());
    }

    // ------------------------------------------------------------ conversions

    @Test
    void vectorsAsRowsAndColumns() throws IOException {
        Npy.write1d(dir.resolve("b.npy"), new double[] {1, 2, 3});
        NdArray b = Npy.read(dir.resolve("b.npy"));
        Matrix row = b.asRowVector(Precision.FLOAT);
        assertEquals(1, row.rows);
        assertEquals(3, row.cols);
        Matrix col = b.asColumnVector(Precision.DOUBLE);
        assertEquals(3, col.rows);
        assertEquals(1, col.cols);
        assertEquals(3.0, col.get(2, 0));
        FormatException e = assertThrows(FormatException.class, () -> b.toMatrix(Precision.FLOAT));
        assertTrue(e.getMessage().contains("b.npy") && e.getMessage().contains("2-d"), e.getMessage());

        Npy.write(dir.resolve("m.npy"), new DMatrix(2, 2));
        NdArray m = Npy.read(dir.resolve("m.npy"));
        FormatException e2 = assertThrows(FormatException.class, () -> m.asRowVector(Precision.FLOAT));
        assertTrue(e2.getMessage().contains("m.npy") && e2.getMessage().contains("(2, 2)"));
    }

    @Test
    void labelsMustBeIntegersAndFloatsMustBeFloats() throws IOException {
        Path f = dir.resolve("y-float.npy");
        Npy.write1d(f, new double[] {0, 1});
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(f).toIntArray());
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains("int32 or int64"),
                e.getMessage());

        Path i = dir.resolve("x-int.npy");
        Npy.write(i, NdArray.of(new int[] {1, 2, 3, 4}, 2, 2));
        FormatException e2 = assertThrows(FormatException.class,
                () -> Npy.read(i).toMatrix(Precision.DOUBLE));
        assertTrue(e2.getMessage().startsWith(i + ": ") && e2.getMessage().contains("float32 or float64"),
                e2.getMessage());

        Path big = dir.resolve("y-big.npy");
        Npy.write1d(big, new long[] {1, 1L << 33});
        FormatException e3 = assertThrows(FormatException.class, () -> Npy.read(big).toIntArray());
        assertTrue(e3.getMessage().contains("y-big.npy") && e3.getMessage().contains("element 1"));
    }

    // ------------------------------------------------------------ malformed input

    @Test
    void badMagicIsRejected() throws IOException {
        Path p = file("text.npy", "hello, this is not numpy".getBytes(StandardCharsets.US_ASCII));
        assertRejected(p, "not an NPY file", "\\x93NUMPY");
        Path zip = file("arrays.npy", new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertRejected(zip, "not an NPY file", ".npz");
        assertRejected(file("empty.npy", new byte[0]), "not an NPY file");
    }

    @Test
    void truncatedHeaderAndDataAreRejected() throws IOException {
        byte[] good = npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", doublesLE(1, 2));
        assertRejected(file("t1.npy", Arrays.copyOf(good, 7)), "truncated", "version");
        assertRejected(file("t2.npy", Arrays.copyOf(good, 9)), "truncated", "header length");
        assertRejected(file("t3.npy", Arrays.copyOf(good, 30)), "truncated", "header announces");
        assertRejected(file("t4.npy", Arrays.copyOf(good, good.length - 3)), "truncated",
                "needs 16 bytes", "holds 13");
        assertRejected(file("t5.npy", Arrays.copyOf(good, good.length + 8)), "needs 16 bytes",
                "holds 24");
    }

    @Test
    void unsupportedVersionIsRejected() throws IOException {
        byte[] b = npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", doublesLE(1));
        b[6] = 4;
        assertRejected(file("v4.npy", b), "version 4.0", "1.0, 2.0 and 3.0");
    }

    @Test
    void unsupportedDtypesAreRejectedWithTheAllowedList() throws IOException {
        assertRejected(resource("f2_half.npy"), "unsupported dtype '<f2'", "float32 (<f4)", "int64");
        assertRejected(file("c.npy", npy(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (0,), }",
                new byte[0])), "unsupported dtype '<c16'", "float64 (<f8)");
        assertRejected(file("bar.npy", npy(1, "{'descr': '|f8', 'fortran_order': False, 'shape': (0,), }",
                new byte[0])), "unsupported dtype '|f8'");
        assertRejected(file("rec.npy", npy(1,
                "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }",
                new byte[8])), "structured", "float32 (<f4)");
    }

    @Test
    void objectArraysAreRejected() throws IOException {
        assertRejected(resource("object.npy"), "object arrays", "pickled", "float32");
    }

    @Test
    void headersThatAreNotTheExpectedDictAreRejected() throws IOException {
        assertRejected(file("list.npy", npy(1, "[1, 2, 3]", new byte[0])), "not a dict",
                "'descr', 'fortran_order' and 'shape'");
        assertRejected(file("garbage.npy", npy(1, "{'descr': '<f8', 'fortran_order': Fals", new byte[0])),
                "malformed NPY header");
        assertRejected(file("missing.npy", npy(1, "{'descr': '<f8', 'shape': (1,), }", doublesLE(1))),
                "lacks the key 'fortran_order'");
        assertRejected(file("extra.npy", npy(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", doublesLE(1))),
                "unexpected key 'x'", "allowed keys");
        assertRejected(file("dup.npy", npy(1,
                "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", doublesLE(1))),
                "duplicate key");
        assertRejected(file("trailing.npy", npy(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", doublesLE(1))),
                "malformed NPY header");
    }

    @Test
    void badShapesAndFlagsAreRejected() throws IOException {
        assertRejected(file("neg.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
                new byte[0])), "non-negative");
        assertRejected(file("notuple.npy", npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3), }",
                doublesLE(1, 2, 3))), "'shape'", "must be a tuple");
        assertRejected(file("floatdim.npy", npy(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1.5,), }", new byte[0])),
                "malformed NPY header");
        assertRejected(file("flag.npy", npy(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }",
                doublesLE(1))), "'fortran_order'", "True or False");
        assertRejected(file("huge.npy", npy(1,
                "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[0])),
                "more elements than fprnn can read");
        assertRejected(file("mismatch.npy", npy(1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new byte[20])),
                "shape (2, 3) of float32 needs 24 bytes", "holds 20");
    }

    @Test
    void inMemoryParseNamesTheGivenSource() {
        FormatException e = assertThrows(FormatException.class,
                () -> Npy.parse(new byte[] {1, 2, 3}, "upload #3"));
        assertTrue(e.getMessage().startsWith("upload #3: "));
        byte[] bytes = Npy.toBytes(NdArray.vector(new int[] {5, 6}));
        assertEquals(128 + 8, bytes.length, "header padded to a multiple of 64 bytes, then 2 int32");
    }

    @Test
    void bytesWrittenEqualNumpyLayoutForTheSameArray() throws IOException {
        // numpy writes exactly this header for a (3, 4) float64 C-order array
        byte[] mine = Npy.toBytes(NdArray.of(new double[12], 3, 4));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
        expected.write(npy(1, dict + " ".repeat(118 - dict.length() - 1) + "\n", new byte[96]));
        assertArrayEquals(expected.toByteArray(), mine);
    }
}
