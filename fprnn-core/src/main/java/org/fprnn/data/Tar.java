package org.fprnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.fprnn.io.FormatException;

/**
 * A small reader of tar archives (plain or gzipped, detected from the content): ustar and GNU
 * headers, GNU long names and pax path records; regular files only. Enough for
 * cifar-10-binary.tar.gz.
 */
final class Tar {
    private Tar() {
    }

    private static final int BLOCK = 512;

    /**
     * The regular files whose base name (the part after the last '/') the filter accepts, keyed
     * by base name, in archive order. The archive is read to its end, so corruption anywhere is
     * reported.
     */
    static Map<String, byte[]> read(Path archive, Predicate<String> wantedBaseName) throws IOException {
        String source = archive.toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            boolean gz = Idx.isGzip(raw);
            try (InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw) {
                return read(in, source, wantedBaseName);
            } catch (ZipException | EOFException e) {
                if (!gz) {
                    throw e;
                }
                throw new FormatException(source, "corrupt or truncated gzip data ("
                        + e.getMessage() + "); download the archive again");
            }
        }
    }

    private static Map<String, byte[]> read(InputStream in, String source, Predicate<String> wanted)
            throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        byte[] h = new byte[BLOCK];
        long offset = 0;
        String longName = null;
        while (true) {
            int got = in.readNBytes(h, 0, BLOCK);
            if (got == 0) {
                return out; // end without the two zero blocks: accepted, as GNU tar does
            }
            if (got < BLOCK) {
                throw new FormatException(source, "truncated tar archive: it ends inside the header "
                        + "at byte " + offset);
            }
            if (allZero(h)) {
                return out;
            }
            long sum = octal(h, 148, 8, source, offset, "checksum");
            if (sum != checksum(h)) {
                throw new FormatException(source, "corrupt tar archive: bad header checksum at byte "
                        + offset + (offset == 0 ? " (is it a tar archive?)" : ""));
            }
            long size = size(h, source, offset);
            char type = (char) h[156];
            String name = longName != null ? longName : name(h);
            longName = null;
            offset += BLOCK;
            long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
            boolean regular = type == '0' || type == '\0' || type == '7';
            if (type == 'L' || type == 'x') {
                byte[] meta = readExactly(in, size, source, name, offset);
                skipExactly(in, padded - size, source, name, offset);
                longName = type == 'L' ? cString(meta, 0, meta.length) : paxPath(meta);
            } else if (regular && wanted.test(baseName(name))) {
                byte[] data = readExactly(in, size, source, name, offset);
                skipExactly(in, padded - size, source, name, offset);
                out.putIfAbsent(baseName(name), data);
            } else {
                skipExactly(in, padded, source, name, offset);
            }
            offset += padded;
        }
    }

    private static byte[] readExactly(InputStream in, long size, String source, String name,
                                      long offset) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new FormatException(source, "tar entry " + name + " is " + size
                    + " bytes, larger than fprnn reads");
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) {
            throw new FormatException(source, "truncated tar archive: entry " + name + " (at byte "
                    + offset + ") should hold " + size + " bytes but the archive ends after "
                    + b.length);
        }
        return b;
    }

    private static void skipExactly(InputStream in, long n, String source, String name, long offset)
            throws IOException {
        long left = n;
        byte[] buf = new byte[8192];
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new FormatException(source, "truncated tar archive: it ends inside entry "
                        + name + " (at byte " + offset + ")");
            }
            left -= r;
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** Sum of the header's unsigned bytes, with the checksum field counted as spaces. */
    private static long checksum(byte[] h) {
        long s = 0;
        for (int k = 0; k < BLOCK; k++) {
            s += (k >= 148 && k < 156) ? ' ' : (h[k] & 0xFF);
        }
        return s;
    }

    private static long size(byte[] h, String source, long offset) throws FormatException {
        if ((h[124] & 0x80) != 0) { // GNU base-256 encoding
            long v = 0;
            for (int k = 125; k < 136; k++) {
                v = (v << 8) | (h[k] & 0xFF);
            }
            return v;
        }
        return octal(h, 124, 12, source, offset, "size");
    }

    private static long octal(byte[] h, int off, int len, String source, long offset, String field)
            throws FormatException {
        long v = 0;
        int k = off;
        int end = off + len;
        while (k < end && (h[k] == ' ' || h[k] == 0)) {
            k++;
        }
        boolean any = false;
        for (; k < end && h[k] >= '0' && h[k] <= '7'; k++) {
            v = v * 8 + (h[k] - '0');
            any = true;
        }
        for (; k < end; k++) {
            if (h[k] != ' ' && h[k] != 0) {
                throw new FormatException(source, "corrupt tar archive: bad " + field
                        + " field in the header at byte " + offset);
            }
        }
        if (!any) {
            throw new FormatException(source, "corrupt tar archive: empty " + field
                    + " field in the header at byte " + offset);
        }
        return v;
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a'
                && h[261] == 'r';
        if (ustar) {
            String prefix = cString(h, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** The "path" record of a pax extended header ("LEN path=VALUE\n"), or null. */
    private static String paxPath(byte[] meta) {
        String text = new String(meta, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.startsWith("path=", sp + 1)) {
                return line.substring(sp + 6);
            }
        }
        return null;
    }

    static String baseName(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return n.substring(n.lastIndexOf('/') + 1);
    }
}
