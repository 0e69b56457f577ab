package org.fprnn.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * BENCHMARKS.md is written by the benchmark commands: each benchmark owns one section between
 * markers and replaces only that section, so benchmarks can be rerun one at a time. Used by fprnn-bench
 * and by fprnn-spark's benchmark.
 */
public final class BenchmarksFile {
    private BenchmarksFile() {
    }

    /** Replaces the section {@code id} of {@code file} by {@code body} (appends it if absent; creates the file). */
    public static void replaceSection(Path file, String id, String body) throws IOException {
        String begin = "<!-- begin " + id + " -->";
        String end = "<!-- end " + id + " -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n"
                + "Every number on this page is written by a benchmark command of the project (named in each"
                + " section); nothing here is typed by hand. Speed is always a ratio against a baseline measured"
                + " in the same run, on the machine named in the section.\n\n";
        String section = begin + "\n" + body.strip() + "\n" + end;
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b >= 0 && e > b) {
            text = text.substring(0, b) + section + text.substring(e + end.length());
        } else {
            text = text.stripTrailing() + "\n\n" + section + "\n";
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
