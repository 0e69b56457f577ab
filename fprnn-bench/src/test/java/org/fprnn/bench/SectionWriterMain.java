package org.fprnn.bench;

import java.nio.file.Path;
import org.fprnn.io.BenchmarksFile;

/**
 * The second process of {@link ScalingAndFileTest}'s concurrent-writer check: rewrites sections
 * PREFIX-0 .. PREFIX-(K-1) of a file, round after round ("round R"), for some seconds, and prints the
 * last round it wrote.
 */
public final class SectionWriterMain {
    private SectionWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String prefix = args[1];
        int sections = Integer.parseInt(args[2]);
        double seconds = Double.parseDouble(args[3]);
        System.out.println(writeRounds(file, prefix, sections, seconds));
    }

    /** Rewrites sections PREFIX-0 .. PREFIX-(k-1) as "round R" for R = 0, 1, ... for some seconds; the last R. */
    static int writeRounds(Path f, String prefix, int k, double seconds) throws java.io.IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int round = 0; ; round++) {
            for (int j = 0; j < k; j++) {
                BenchmarksFile.replaceSection(f, prefix + "-" + j, "round " + round);
            }
            if (System.nanoTime() >= end) {
                return round;
            }
        }
    }
}
