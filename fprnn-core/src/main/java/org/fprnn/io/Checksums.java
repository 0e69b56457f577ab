package org.fprnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 checksums for files that fprnn reads back and must not trust blindly (checkpoints, the
 * weights of finished runs). A safetensors file is stamped by {@link #stamp}: its metadata gains
 * {@code sha256.NAME} for every tensor (over the tensor's bytes as stored: little-endian, C order)
 * and {@code sha256.__metadata__} over every other metadata entry (sorted by key, as compact JSON),
 * so a changed byte anywhere in the file is found by {@link #verify} and named. A file's own
 * checksum ({@link #ofFile}) is what {@code sha256sum} prints.
 */
public final class Checksums {
    private Checksums() {
    }

    /** Metadata key prefix of a tensor's checksum. */
    public static final String TENSOR_PREFIX = "sha256.";
    /** Metadata key of the metadata's own checksum. */
    public static final String METADATA_KEY = "sha256.__metadata__";

    /** SHA-256 (lowercase hex) of a tensor's bytes as safetensors and .npy files store them. */
    public static String of(NdArray a) {
        MessageDigest md = sha256();
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            Npy.writeData(out, a);
        } catch (IOException e) {
            throw new IllegalStateException("writing to a digest cannot fail", e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of metadata entries, independent of their order: the compact JSON of the sorted map. */
    public static String of(Map<String, String> metadata) {
        return of(Json.write(new TreeMap<>(metadata)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** SHA-256 of bytes. */
    public static String of(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    /** SHA-256 of a file's bytes (as sha256sum prints it). */
    public static String ofFile(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The metadata with the checksum of every tensor and of the metadata itself added. */
    public static Map<String, String> stamp(Map<String, ?> tensors, Map<String, String> metadata) {
        Map<String, String> m = new LinkedHashMap<>(metadata);
        for (Map.Entry<String, ?> e : tensors.entrySet()) {
            m.put(TENSOR_PREFIX + e.getKey(), of(NdArray.from(e.getValue())));
        }
        m.remove(METADATA_KEY);
        m.put(METADATA_KEY, of(m));
        return m;
    }

    /**
     * Checks the checksums {@link #stamp} recorded.
     *
     * @return true if the file holds checksums and they all match, false if it holds none (a file
     *     written before fprnn recorded them)
     * @throws FormatException naming the tensor or the metadata that does not match its checksum,
     *     a tensor without a checksum, or a checksum without its tensor
     */
    public static boolean verify(Safetensors.Contents c) throws FormatException {
        Map<String, String> meta = c.metadata();
        String recorded = meta.get(METADATA_KEY);
        if (recorded == null) {
            if (meta.keySet().stream().anyMatch(k -> k.startsWith(TENSOR_PREFIX))) {
                throw new FormatException(c.source(), "holds tensor checksums but not the metadata's ("
                        + METADATA_KEY + "): its metadata was altered");
            }
            return false;
        }
        Map<String, String> rest = new LinkedHashMap<>(meta);
        rest.remove(METADATA_KEY);
        if (!recorded.equals(of(rest))) {
            throw new FormatException(c.source(), "its metadata does not match its recorded SHA-256 checksum: the"
                    + " file was altered or damaged");
        }
        for (Map.Entry<String, NdArray> e : c.tensors().entrySet()) {
            String want = meta.get(TENSOR_PREFIX + e.getKey());
            if (want == null) {
                throw new FormatException(c.source(), "holds tensor " + e.getKey() + " without a recorded checksum:"
                        + " the file was altered");
            }
            if (!want.equals(of(e.getValue()))) {
                throw new FormatException(c.source(), "tensor " + e.getKey() + " does not match its recorded"
                        + " SHA-256 checksum: the file was altered or damaged");
            }
        }
        for (String k : meta.keySet()) {
            if (k.startsWith(TENSOR_PREFIX) && !k.equals(METADATA_KEY)
                    && !c.tensors().containsKey(k.substring(TENSOR_PREFIX.length()))) {
                throw new FormatException(c.source(), "records a checksum of tensor "
                        + k.substring(TENSOR_PREFIX.length()) + " but holds no such tensor: the file was altered");
            }
        }
        return true;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
