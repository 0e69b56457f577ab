package org.fprnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;

/**
 * BENCHMARKS.md is written by the benchmark commands: each benchmark owns one section between
 * markers ({@code <!-- begin ID -->} and {@code <!-- end ID -->}) and replaces only that section, so
 * benchmarks can be rerun one at a time. A section not yet in the file is appended. Used by fprnn-bench
 * and by fprnn-spark's benchmark.
 */
public final class BenchmarksFile {
    private BenchmarksFile() {
    }

    public static final String PREAMBLE = "# Benchmarks\n\n"
            + "Every number on this page is written by a benchmark command of the project (`fprnn bench`,"
            + " named in each section); nothing here is typed by hand. Speed is always a ratio against a"
            + " baseline measured in the same run, on the machine named in the section.\n\n";

    public static String begin(String id) {
        return "<!-- begin " + id + " -->";
    }

    public static String end(String id) {
        return "<!-- end " + id + " -->";
    }

    /** This process's writers: a second OS lock on the same file from one JVM would throw, not wait. */
    private static final Object IN_PROCESS = new Object();

    /**
     * Replaces (or appends) section {@code id} of {@code file} with {@code body}, atomically. Two
     * benchmark processes may finish a section at the same moment: the read, the change and the write
     * happen under an OS lock on {@link #lockFile} beside it (waited for), so that neither drops the
     * other's section. The lock file stays (deleting it would let two processes lock two different
     * files of the same name); where the file system has no locks, the write goes ahead unlocked.
     */
    public static void replaceSection(Path file, String id, String body) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        synchronized (IN_PROCESS) {
            try (FileChannel ch = FileChannel.open(lockFile(file), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                FileLock lock = null;
                try {
                    lock = ch.lock();
                } catch (IOException e) {
                    // no locks on this file system: as before there were any
                }
                try {
                    replace(file, id, body);
                } finally {
                    if (lock != null) {
                        lock.release();
                    }
                }
            }
        }
    }

    /**
     * Checks, before benchmarks that take minutes, that {@link #replaceSection} can write sections
     * {@code ids} of {@code file} (a file not there yet is fine).
     *
     * @throws FormatException naming the file and the first section whose markers are broken, or the
     *     file if it is not a text file (a device such as /dev/null, or binary content)
     */
    public static void checkSections(Path file, Collection<String> ids) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        if (!Files.isRegularFile(file)) {
            throw new FormatException(file, "is not a regular file (a folder, device, pipe or socket); give the"
                    + " path of a Markdown file such as BENCHMARKS.md, which is replaced as a whole");
        }
        String text = readText(file);
        for (String id : ids) {
            checkMarkers(file, text, id);
        }
    }

    /** Both markers of section {@code id} or neither, begin before end. */
    private static void checkMarkers(Path file, String text, String id) throws FormatException {
        int b = text.indexOf(begin(id));
        int e = text.indexOf(end(id));
        if ((b >= 0 || e >= 0) && !(b >= 0 && e > b)) {
            throw new FormatException(file, "broken section '" + id + "': its markers " + begin(id) + " and "
                    + end(id) + " must both be there, in that order; fix or remove them");
        }
    }

    /** The lock file of {@link #replaceSection}: ".NAME.lock" beside the file. */
    public static Path lockFile(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".lock");
    }

    private static void replace(Path file, String id, String body) throws IOException {
        String text = Files.exists(file) ? readText(file) : PREAMBLE;
        String section = begin(id) + "\n" + body.strip() + "\n" + end(id);
        checkMarkers(file, text, id);
        int b = text.indexOf(begin(id));
        int e = text.indexOf(end(id));
        if (b >= 0) {
            text = text.substring(0, b) + section + text.substring(e + end(id).length());
        } else {
            text = text.stripTrailing() + "\n\n" + section + "\n";
        }
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The file's text; a file that is not UTF-8 text (a binary file given by mistake) is a FormatException. */
    private static String readText(Path file) throws IOException {
        try {
            return Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new FormatException(file, "is not a UTF-8 text file, so not a BENCHMARKS.md; give the path of"
                    + " a Markdown file (new or written by the benchmarks)", e);
        }
    }

    /** The body of section {@code id} of a BENCHMARKS.md text (between its markers), or null. */
    public static String section(String text, String id) {
        int b = text.indexOf(begin(id));
        int e = text.indexOf(end(id));
        return b >= 0 && e > b ? text.substring(b + begin(id).length(), e).strip() : null;
    }
}
