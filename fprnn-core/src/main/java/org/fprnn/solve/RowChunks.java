package org.fprnn.solve;

import org.fprnn.linalg.Matrix;

/**
 * How the solvers finish the map's rows ({@link BatchMap#finishRows}) inside their row passes: a
 * chunk of a few thousand elements at a time, in runs of consecutive samples still iterating (one
 * call per run rather than per row), just before the solver's own work on those rows, which then
 * finds them in cache.
 */
final class RowChunks {
    /** Elements per chunk: a few rows of P1's width, well inside L1 with the solver's other rows. */
    private static final int ELEMENTS = 2048;

    private RowChunks() {
    }

    /** Rows per chunk for rows of n elements (at least one). */
    static int rows(int n) {
        return Math.max(1, ELEMENTS / Math.max(n, 1));
    }

    /**
     * Finishes rows [from, to) of out that are still active from the products in p (in place when p
     * is out), one call per run of active rows.
     */
    static void finish(BatchMap map, Matrix p, Matrix out, SampleTracker track, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && !track.active(i)) {
                i++;
            }
            int start = i;
            while (i < to && track.active(i)) {
                i++;
            }
            if (i > start) {
                map.finishRows(p, out, start, i);
            }
        }
    }
}
