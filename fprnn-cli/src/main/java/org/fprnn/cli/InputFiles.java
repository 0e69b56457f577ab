package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.io.FormatException;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;

/** Reading user-given NPY files with messages that name the file; every problem is a {@link UserError}. */
final class InputFiles {
    private InputFiles() {
    }

    interface Io<T> {
        T get() throws FormatException;
    }

    static <T> T conv(Io<T> s) {
        try {
            return s.get();
        } catch (FormatException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    static <T> T parse(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    static NdArray read(Path file) {
        return readFile(file, Npy::read);
    }

    /**
     * A safetensors file; missing or unreadable is a {@link UserError} naming the file, and so is one
     * whose recorded SHA-256 checksums (fprnn run's weights record them) do not match: a weights file
     * whose values or metadata (its seed, which draws a masked network's mask) were altered. A file
     * without checksums (made by other tools) is read as it is.
     */
    static Safetensors.Contents safetensors(Path file) {
        return readFile(file, f -> {
            Safetensors.Contents c = Safetensors.read(f);
            try {
                org.fprnn.io.Checksums.verify(c);
            } catch (org.fprnn.io.FormatException e) {
                // The message names the file already.
                throw new IOException(e.getMessage() + ". If you edited it on purpose, save it without the"
                        + " sha256.* metadata keys, which record the file as fprnn wrote it", e);
            }
            return c;
        });
    }

    /** True if file is a named or anonymous pipe (S_IFIFO), where the file system says so. */
    private static boolean isPipe(Path file) {
        try {
            return (((Integer) Files.getAttribute(file, "unix:mode")) & 0170000) == 0010000;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private interface Reader<T> {
        T read(Path file) throws IOException;
    }

    private static <T> T readFile(Path file, Reader<T> reader) {
        if (Files.isDirectory(file) || !Files.exists(file)) {
            throw new UserError(file + (Files.isDirectory(file) ? ": is a folder; give the file in it (e.g. "
                    + file.resolve("NAME.safetensors") + " or a .npy file)" : ": no such file"));
        }
        // A pipe (/dev/stdin fed by cat) is read too, but not a device: /dev/zero would be read until the
        // heap is full.
        if (!Files.isRegularFile(file) && !isPipe(file)) {
            throw new UserError(file + ": is not a file (a device or socket); give a file, or a pipe");
        }
        try {
            return reader.read(file);
        } catch (IOException e) {
            throw new UserError(e.getMessage() != null && e.getMessage().contains(file.toString()) ? e.getMessage()
                    : file + ": " + e.getMessage(), e);
        }
    }

    /** A 2-d float array as a matrix, every value finite. */
    static Matrix matrix(NdArray a, Precision p, String what) {
        if (a.ndim() != 2) {
            throw new UserError(a.source() + ": " + what + " must be a 2-d array, found shape " + a.shapeString());
        }
        return finite(conv(() -> a.toMatrix(p)), a.source());
    }

    static Matrix matrix(Path file, Precision p, String what) {
        return matrix(read(file), p, what);
    }

    /** A vector (n,) or (1, n) as a 1 x n matrix, every value finite. */
    static Matrix rowVector(NdArray a, Precision p, int n, String what) {
        if (!(a.ndim() == 1 || (a.ndim() == 2 && a.dim(0) == 1)) || a.size() != n) {
            throw new UserError(a.source() + ": " + what + " must have shape (" + n + ",), found " + a.shapeString());
        }
        return finite(conv(() -> a.asRowVector(p)), a.source());
    }

    static Matrix finite(Matrix m, String source) {
        for (int i = 0; i < m.size(); i++) {
            if (!Double.isFinite(m.getFlat(i))) {
                throw new UserError(source + ": element " + i + " (row " + i / m.cols + ", column " + i % m.cols
                        + ") is " + m.getFlat(i) + "; every value must be finite");
            }
        }
        return m;
    }
}
