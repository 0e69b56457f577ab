package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How P2's runs, computed on a pool of threads, report their failures to the caller. */
class LinearTeacherProtocolTest {

    /**
     * A run out of heap reaches the caller as the OutOfMemoryError itself, which the command line turns
     * into its advice on the heap; wrapped as "a P2 run failed" it was an internal error. The curves of
     * 2^31 - 16 iterations (16 GiB each) are more than the tests' heap of 8 GiB, refused at once.
     */
    @Test
    void aRunOutOfHeapIsReportedAsSuch() {
        var s = new LinearTeacherProtocol.Settings(2, 2, 0.1, 0.5, 0.01, 0.75, List.of("gradient"), List.of(0.1),
                Integer.MAX_VALUE - 16, 1, 1, 1e6);
        assertThrows(OutOfMemoryError.class, () -> new LinearTeacherProtocol(s).runAll(null));
    }
}
