package org.fprnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.FormatException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes, a type code,
 * the number of dimensions), each dimension as a big-endian int32, then the elements. fprnn
 * reads unsigned-byte files (type code 0x08): images (magic 0x00000803, dimensions count x rows x
 * cols) and labels (magic 0x00000801, dimension count). Files may be gzip-compressed, which is
 * detected from the content (bytes 1f 8b), whatever the file is called. The file must hold
 * exactly the bytes its dimensions announce.
 */
public final class Idx {
    private Idx() {
    }

    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    /**
     * The content of an IDX file of unsigned bytes.
     *
     * @param source the file it was read from
     * @param dims   dimensions, outermost first (count first)
     * @param data   the elements, row-major
     */
    public record IdxArray(String source, int[] dims, byte[] data) {
        /** The first dimension: the number of images or labels. */
        public int count() {
            return dims[0];
        }

        /** Elements per item (product of the dimensions after the first). */
        public int itemSize() {
            int n = 1;
            for (int k = 1; k < dims.length; k++) {
                n *= dims[k];
            }
            return n;
        }
    }

    /** Reads an image file: magic 0x00000803, dimensions (count, rows, cols). */
    public static IdxArray readImages(Path file) throws IOException {
        return read(file, IMAGES_MAGIC);
    }

    /** Reads a label file: magic 0x00000801, dimension (count). */
    public static IdxArray readLabels(Path file) throws IOException {
        return read(file, LABELS_MAGIC);
    }

    /** Reads an unsigned-byte IDX file of any rank (1 to 4). */
    public static IdxArray read(Path file) throws IOException {
        return read(file, 0);
    }

    private static IdxArray read(Path file, int wantMagic) throws IOException {
        return open(file, (in, source, gz) -> read(in, source, wantMagic, gz));
    }

    /** What is read from an IDX file's (decompressed) stream. */
    private interface StreamReader<T> {
        T read(InputStream in, String source, boolean gz) throws IOException;
    }

    /** Opens a plain or gzipped file and reads it; broken gzip data is a {@link FormatException}. */
    private static <T> T open(Path file, StreamReader<T> reader) throws IOException {
        String source = file.toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            boolean gz = isGzip(raw);
            try (InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return reader.read(in, source, gz);
            } catch (ZipException | EOFException e) {
                if (!gz) {
                    throw e;
                }
                throw new FormatException(source, "corrupt or truncated gzip data ("
                        + e.getMessage() + "); download or install the file again");
            }
        }
    }

    /** True if the stream starts with the gzip magic bytes 1f 8b; the stream is not consumed. */
    static boolean isGzip(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    /** True if the file starts with the gzip magic bytes. */
    public static boolean isGzip(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 2)) {
            return isGzip(in);
        }
    }

    /**
     * The dimensions an image file announces (count, rows, cols), from its header alone: the data
     * is neither read nor checked.
     */
    public static int[] readImageDims(Path file) throws IOException {
        return open(file, (in, source, gz) -> header(in, source, IMAGES_MAGIC, gz));
    }

    private static IdxArray read(InputStream in, String source, int wantMagic, boolean gz)
            throws IOException {
        String what = gz ? "the decompressed file" : "the file";
        int[] dims = header(in, source, wantMagic, gz);
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        byte[] data = in.readNBytes((int) n);
        if (data.length < n) {
            throw new FormatException(source, "truncated IDX file: dimensions "
                    + dimString(dims) + " need " + n + " bytes of data but " + what + " holds "
                    + data.length + "; download or install the file again");
        }
        byte[] rest = in.readNBytes(1 << 16);
        if (rest.length > 0) {
            long extra = rest.length + in.transferTo(OutputStream.nullOutputStream());
            throw new FormatException(source, what.substring(0, 1).toUpperCase() + what.substring(1)
                    + " holds " + extra + " more bytes than its dimensions " + dimString(dims)
                    + " announce (" + n + " bytes of data); it is corrupt or not a single IDX array");
        }
        return new IdxArray(source, dims, data);
    }

    /** Reads and checks the magic number and the dimensions; the stream is left at the data. */
    private static int[] header(InputStream in, String source, int wantMagic, boolean gz) throws IOException {
        String what = gz ? "the decompressed file" : "the file";
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new FormatException(source, "truncated IDX file: " + what + " holds only "
                    + head.length + " bytes, fewer than the 4-byte magic number");
        }
        int magic = ByteBuffer.wrap(head).getInt();
        int type = head[2] & 0xFF;
        int ndim = head[3] & 0xFF;
        if (head[0] != 0 || head[1] != 0) {
            throw new FormatException(source, "not an IDX file: it starts with bytes "
                    + hex(head) + printable(head) + "; IDX files start with two zero bytes, then "
                    + "a type code and the number of dimensions (images 00 00 08 03, labels 00 00 08 01)");
        }
        if (type != 0x08) {
            throw new FormatException(source, "IDX element type 0x" + Integer.toHexString(type)
                    + " is not supported; fprnn reads unsigned bytes (type 0x08)");
        }
        if (wantMagic != 0 && magic != wantMagic) {
            throw new FormatException(source, "expected an IDX " + (wantMagic == IMAGES_MAGIC
                    ? "image" : "label") + " file (magic " + String.format("0x%08X", wantMagic)
                    + ") but the magic number is " + String.format("0x%08X", magic)
                    + (magic == IMAGES_MAGIC ? " (an image file)" : magic == LABELS_MAGIC ? " (a label file)" : ""));
        }
        if (ndim < 1 || ndim > 4) {
            throw new FormatException(source, "IDX file with " + ndim
                    + " dimensions; fprnn reads 1 to 4");
        }
        byte[] dimBytes = in.readNBytes(4 * ndim);
        if (dimBytes.length < 4 * ndim) {
            throw new FormatException(source, "truncated IDX file: " + what
                    + " ends inside its list of " + ndim + " dimensions");
        }
        ByteBuffer db = ByteBuffer.wrap(dimBytes);
        int[] dims = new int[ndim];
        long n = 1;
        for (int k = 0; k < ndim; k++) {
            dims[k] = db.getInt();
        }
        // Every dimension is read before any is judged, so that the messages show them all.
        for (int k = 0; k < ndim; k++) {
            if (dims[k] < 0) {
                throw new FormatException(source, "IDX dimension " + k + " of " + dimString(dims)
                        + " is negative (" + dims[k] + "); the file is corrupt");
            }
            n *= dims[k];
            if (n > Integer.MAX_VALUE - 8) {
                throw new FormatException(source, "IDX dimensions " + dimString(dims)
                        + " announce more than 2 GiB of data; the file is corrupt");
            }
        }
        return dims;
    }

    private static String dimString(int[] dims) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < dims.length; k++) {
            b.append(k > 0 ? " x " : "").append(dims[k]);
        }
        return b.toString();
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(s.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }

    private static String printable(byte[] b) {
        for (byte x : b) {
            if (x < 0x20 || x > 0x7e) {
                return "";
            }
        }
        return " (\"" + new String(b, java.nio.charset.StandardCharsets.US_ASCII)
                + "\": text, such as an HTML error page?)";
    }

    // ---------------------------------------------------------------- writing

    /** The bytes of an unsigned-byte IDX file. */
    public static byte[] toBytes(int[] dims, byte[] data) {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n != data.length || dims.length < 1 || dims.length > 4) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dims) + " do not match "
                    + data.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(0x0800 | dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    /** Writes an unsigned-byte IDX file atomically, gzip-compressed if gzip is true. */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        byte[] bytes = toBytes(dims, data);
        if (!gzip) {
            AtomicFiles.write(file, bytes);
            return;
        }
        AtomicFiles.write(file, out -> {
            GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
            gz.write(bytes);
            gz.finish();
        });
    }
}
