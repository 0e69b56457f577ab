package org.fprnn.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic file writes: the content goes to a temporary file in the target's folder, is flushed to
 * disk, and is then renamed over the target. A reader sees either the old file or the complete
 * new one, never a partial file, even if the writer is killed.
 *
 * <p>A target that is a symbolic link is written through: the file the link names is replaced and
 * the link stays. A target that exists but is not a regular file (a folder, a device such as
 * /dev/null, a named pipe) is refused, since renaming over it would replace it, which for a user
 * running as root would remove a device node.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file's content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes bytes to target atomically, creating missing parent folders. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Copies a stream to target atomically, creating missing parent folders. */
    public static long copy(InputStream in, Path target) throws IOException {
        long[] count = new long[1];
        write(target, out -> count[0] = in.transferTo(out));
        return count[0];
    }

    /** Writes target atomically with the content's output, creating missing parent folders. */
    public static void write(Path target, Content content) throws IOException {
        Path abs = regularFileTarget(target);
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp;
        try {
            tmp = newTempFile(dir, abs.getFileName().toString());
        } catch (IOException e) {
            // The exception would name only the hidden temporary file.
            throw new IOException("cannot write " + target + ": no new file can be made in its folder " + dir + " ("
                    + e + ")", e);
        }
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            moveReplacing(tmp, abs);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * The absolute path that a write to target replaces: target itself, or for a symbolic link the
     * file it names (followed through chains of links, relative ones from the link's folder).
     *
     * @throws IOException if that path exists and is not a regular file, or the links loop
     */
    static Path regularFileTarget(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        for (int links = 0; Files.isSymbolicLink(abs); links++) {
            if (links == 40) {
                throw new IOException(target + ": too many levels of symbolic links");
            }
            abs = abs.getParent().resolve(Files.readSymbolicLink(abs)).toAbsolutePath();
        }
        if (Files.exists(abs) && !Files.isRegularFile(abs)) {
            String what = Files.isDirectory(abs) ? "a folder" : "not a regular file (a device, pipe or socket)";
            throw new IOException(target + (abs.equals(target.toAbsolutePath()) ? "" : " (" + abs + ")") + " is " + what
                    + ": give the path of a file to write, which is replaced as a whole");
        }
        return abs;
    }

    /** Renames source to target, atomically where the file system allows, replacing target. */
    public static void moveReplacing(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A new empty file ".NAME.RANDOM.tmp" in dir, created with the default permissions. */
    static Path newTempFile(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            Path tmp = dir.resolve("." + name + "." + suffix + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }
}
