package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.fprnn.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    static byte[] pixels(int n) {
        byte[] p = new byte[n];
        for (int i = 0; i < n; i++) {
            p[i] = (byte) (i * 7);
        }
        return p;
    }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    void assertRejected(Path p, boolean images, String... fragments) {
        FormatException e = assertThrows(FormatException.class,
                () -> { if (images) { Idx.readImages(p); } else { Idx.readLabels(p); } });
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
        }
    }

    @Test
    void plainAndGzippedImagesAndLabelsReadBack() throws IOException {
        byte[] px = pixels(3 * 4 * 5);
        byte[] y = {0, 9, (byte) 200};
        Idx.write(dir.resolve("img"), new int[] {3, 4, 5}, px, false);
        Idx.write(dir.resolve("img.gz"), new int[] {3, 4, 5}, px, true);
        Idx.write(dir.resolve("lab.gz"), new int[] {3}, y, true);
        for (String name : new String[] {"img", "img.gz"}) {
            Idx.IdxArray a = Idx.readImages(dir.resolve(name));
            assertArrayEquals(new int[] {3, 4, 5}, a.dims());
            assertEquals(3, a.count());
            assertEquals(20, a.itemSize());
            assertArrayEquals(px, a.data());
        }
        Idx.IdxArray l = Idx.readLabels(dir.resolve("lab.gz"));
        assertArrayEquals(y, l.data());
        byte[] raw = Files.readAllBytes(dir.resolve("img"));
        assertArrayEquals(new byte[] {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5},
                Arrays.copyOf(raw, 16));
    }

    @Test
    void gzipIsDetectedFromTheContentNotTheName() throws IOException {
        byte[] idx = Idx.toBytes(new int[] {2}, new byte[] {1, 2});
        Path gzNoSuffix = file("labels-compressed", gzip(idx));
        Path plainWithSuffix = file("labels-plain.gz", idx);
        assertTrue(Idx.isGzip(gzNoSuffix));
        assertFalse(Idx.isGzip(plainWithSuffix));
        assertArrayEquals(new byte[] {1, 2}, Idx.readLabels(gzNoSuffix).data());
        assertArrayEquals(new byte[] {1, 2}, Idx.readLabels(plainWithSuffix).data());
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        byte[] idx = Idx.toBytes(new int[] {3, 2, 2}, pixels(12));
        assertRejected(file("short-data", Arrays.copyOf(idx, idx.length - 1)), true,
                "truncated", "3 x 2 x 2 need 12 bytes", "holds 11");
        assertRejected(file("short-dims", Arrays.copyOf(idx, 10)), true, "truncated", "dimensions");
        assertRejected(file("short-magic", new byte[] {0, 0}), true, "truncated", "magic");
        byte[] gz = gzip(idx);
        assertRejected(file("cut.gz", Arrays.copyOf(gz, gz.length - 12)), true,
                "corrupt or truncated gzip");
        byte[] gzData = gzip(Arrays.copyOf(idx, idx.length - 5));
        assertRejected(file("short-inside.gz", gzData), true, "truncated", "decompressed file",
                "holds 7");
    }

    @Test
    void corruptGzipIsRejected() throws IOException {
        byte[] gz = gzip(Idx.toBytes(new int[] {100}, new byte[100]));
        gz[gz.length - 6] ^= 0x55; // the CRC in the trailer
        assertRejected(file("crc.gz", gz), false, "corrupt or truncated gzip");
    }

    @Test
    void wrongMagicTypeAndTrailingBytesAreRejected() throws IOException {
        Path labels = file("labels", Idx.toBytes(new int[] {2}, new byte[] {1, 2}));
        assertRejected(labels, true, "expected an IDX image file (magic 0x00000803)",
                "0x00000801 (a label file)");
        Path images = file("images", Idx.toBytes(new int[] {1, 1, 1}, new byte[] {1}));
        assertRejected(images, false, "expected an IDX label file (magic 0x00000801)");
        assertRejected(file("page.html", "<!DOCTYPE html><html>".getBytes(StandardCharsets.US_ASCII)),
                true, "not an IDX file", "3c 21 44 4f", "HTML");
        assertRejected(file("floats", new byte[] {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0}), false,
                "element type 0xd", "unsigned bytes");
        byte[] extra = Arrays.copyOf(Idx.toBytes(new int[] {2}, new byte[] {1, 2}), 12);
        assertRejected(file("extra", extra), false, "2 more bytes");
        byte[] neg = Idx.toBytes(new int[] {2}, new byte[] {1, 2});
        neg[4] = (byte) 0xFF;
        assertRejected(file("negative", neg), false, "negative");
    }

    /** Issue 16 item 8: a count too large for memory is reported with every dimension, as the header has them. */
    @Test
    void hugeDimensionsAreReportedInFull() throws IOException {
        byte[] head = java.nio.ByteBuffer.allocate(16).putInt(0x00000803).putInt(1 << 30).putInt(28).putInt(28).array();
        assertRejected(file("huge", head), true, "IDX dimensions 1073741824 x 28 x 28", "more than 2 GiB");
        byte[] neg = java.nio.ByteBuffer.allocate(16).putInt(0x00000803).putInt(5).putInt(-28).putInt(28).array();
        assertRejected(file("neg", neg), true, "dimension 1 of 5 x -28 x 28 is negative");
    }
}
