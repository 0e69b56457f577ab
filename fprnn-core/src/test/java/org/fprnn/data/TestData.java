package org.fprnn.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Synthetic data files for the data tests. */
final class TestData {
    private TestData() {
    }

    /** Labels with the given count per class, classes interleaved round-robin while they last. */
    static byte[] labels(int[] counts) {
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        int[] left = counts.clone();
        byte[] y = new byte[n];
        int i = 0;
        while (i < n) {
            for (int c = 0; c < left.length && i < n; c++) {
                if (left[c] > 0) {
                    left[c]--;
                    y[i++] = (byte) c;
                }
            }
        }
        return y;
    }

    /**
     * MNIST-like IDX files (gzipped if gz) in dir: 28 x 28 images, all zero except the first pixel
     * of each, which is the image's label times 20.
     */
    static void writeIdxSet(Path dir, int[] trainCounts, int[] testCounts, boolean gz)
            throws IOException {
        for (Split s : Split.values()) {
            byte[] y = labels(s == Split.TRAIN ? trainCounts : testCounts);
            byte[] px = new byte[y.length * 784];
            for (int i = 0; i < y.length; i++) {
                px[i * 784] = (byte) (20 * y[i]);
            }
            String suffix = gz ? ".gz" : "";
            Idx.write(dir.resolve(IdxSource.imagesFile(s) + suffix), new int[] {y.length, 28, 28}, px, gz);
            Idx.write(dir.resolve(IdxSource.labelsFile(s) + suffix), new int[] {y.length}, y, gz);
        }
    }

    /**
     * CIFAR-10 records for the labels: pixel j of record r is (r * 31 + j + label) mod 256 if
     * patterned, else 0.
     */
    static byte[] cifarRecords(byte[] labels, boolean patterned) {
        byte[] b = new byte[labels.length * Cifar10.RECORD_BYTES];
        for (int r = 0; r < labels.length; r++) {
            int off = r * Cifar10.RECORD_BYTES;
            b[off] = labels[r];
            if (patterned) {
                for (int j = 0; j < Cifar10.IMAGE_BYTES; j++) {
                    b[off + 1 + j] = (byte) (r * 31 + j + labels[r]);
                }
            }
        }
        return b;
    }

    /** A full-size CIFAR-10 archive of zero images with 5000 / 1000 images per class. */
    static Map<String, byte[]> fullCifarEntries() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        int[] perBatch = new int[10];
        java.util.Arrays.fill(perBatch, 1000);
        entries.put(Cifar10.FOLDER + "/", null);
        for (String f : Cifar10.TRAIN_FILES) {
            entries.put(Cifar10.FOLDER + "/" + f, cifarRecords(labels(perBatch), false));
        }
        entries.put(Cifar10.FOLDER + "/batches.meta.txt", "airplane\n".getBytes(StandardCharsets.US_ASCII));
        entries.put(Cifar10.FOLDER + "/" + Cifar10.TEST_FILES.getFirst(), cifarRecords(labels(perBatch), false));
        return entries;
    }

    /**
     * Writes a ustar archive of the entries (a null value makes a directory), gzipped if gz. A
     * name longer than 100 bytes gets a GNU long-name entry.
     */
    static void writeTar(Path file, Map<String, byte[]> entries, boolean gz) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = gz ? new FastGzip(raw) : raw) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                String name = e.getKey();
                byte[] data = e.getValue();
                byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
                if (nameBytes.length > 100) {
                    byte[] longName = java.util.Arrays.copyOf(nameBytes, nameBytes.length + 1);
                    out.write(header("././@LongLink", longName.length, 'L'));
                    out.write(longName);
                    out.write(new byte[pad(longName.length)]);
                    name = name.substring(0, 100);
                }
                int size = data == null ? 0 : data.length;
                out.write(header(name, size, data == null ? '5' : '0'));
                if (data != null) {
                    out.write(data);
                    out.write(new byte[pad(size)]);
                }
            }
            out.write(new byte[1024]);
        }
    }

    private static int pad(int size) {
        return (512 - size % 512) % 512;
    }

    static byte[] header(String name, long size, char type) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, String.format("%07o", 0));
        put(h, 116, String.format("%07o", 0));
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 1_700_000_000L));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int k = 148; k < 156; k++) {
            h[k] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    /** Gzip at the fastest level: the synthetic data sets are large but mostly zeros. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
