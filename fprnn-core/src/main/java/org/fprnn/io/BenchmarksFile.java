package org.fprnn.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

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

    /** Replaces (or appends) section {@code id} of {@code file} with {@code body}, atomically. */
    public static void replaceSection(Path file, String id, String body) throws IOException {
        String text = Files.exists(file) ? Files.readString(file) : PREAMBLE;
        String section = begin(id) + "\n" + body.strip() + "\n" + end(id);
        int b = text.indexOf(begin(id));
        int e = text.indexOf(end(id));
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + section + text.substring(e + end(id).length());
        } else if (b >= 0 || e >= 0) {
            throw new IOException(file + " has a broken section '" + id + "': its markers " + begin(id) + " and "
                    + end(id) + " must both be there, in that order; fix or remove them");
        } else {
            text = text.stripTrailing() + "\n\n" + section + "\n";
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The body of section {@code id} of a BENCHMARKS.md text (between its markers), or null. */
    public static String section(String text, String id) {
        int b = text.indexOf(begin(id));
        int e = text.indexOf(end(id));
        return b >= 0 && e > b ? text.substring(b + begin(id).length(), e).strip() : null;
    }
}
