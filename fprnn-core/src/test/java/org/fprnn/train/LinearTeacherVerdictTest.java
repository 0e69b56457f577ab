package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 7, for protocol P2: a run whose weights blow up is diverged and reports no finite
 * J. With the gradient rule at lr 1000 on a 20-unit teacher, W grows without bound (||W||_F from
 * about 3 to over 10^4 in 300 steps) while r = (I - W)^-1 x goes to 0, so J stays finite near its
 * value at r = 0 (about 0.30): judged by J alone, the run looked converged. A healthy run (reparam
 * at lr 1) is not diverged.
 */
class LinearTeacherVerdictTest {
    private static LinearTeacherProtocol.Run run(String rule, double lr) throws InterruptedException {
        var s = new LinearTeacherProtocol.Settings(20, 20, 0.1, 0.5, 0.01, 0.75, List.of(rule), List.of(lr), 300, 1, 1,
                1e6);
        return new LinearTeacherProtocol(s).runAll(null).getFirst();
    }

    @Test
    void aRunWhoseWeightsBlewUpIsDivergedWithoutAFiniteJ() throws InterruptedException {
        var r = run("gradient", 1000);
        assertTrue(r.divergedAt() > 0, "diverged at " + r.divergedAt());
        assertTrue(Double.isNaN(r.finalLoss()), "final J " + r.finalLoss());
        assertTrue(r.maxWeightNorm() > LinearTeacherProtocol.WEIGHT_GROWTH_LIMIT, "max ||W|| " + r.maxWeightNorm());
    }

    /**
     * W at start with I - W exactly singular: no fixed point. The direct solver threw there, which
     * the run took as divergence; it now reports the samples as not converged, which must count the
     * same (before this check, the gradient and linearized runs trained on from r = 0).
     */
    @Test
    void aRunStartingAtASingularIMinusWIsDivergedAtOnce() {
        var s = new LinearTeacherProtocol.Settings(6, 8, 0.1, 0.5, 0.01, 0.75, List.of("gradient"), List.of(0.1), 5, 1, 1,
                1e6);
        var task = org.fprnn.data.LinearTeacher.generate(6, 8, 0.1, 0.5, 0.01, 1);
        org.fprnn.linalg.DMatrix w0 = new org.fprnn.linalg.DMatrix(6, 6);
        for (int i = 0; i < 6; i++) {
            w0.set(i, i, i == 0 ? 1 : 0.5);     // eigenvalue 1: I - W0 singular
        }
        for (String rule : List.of("gradient", "linearized", "reparam")) {
            var r = new LinearTeacherProtocol(s).run(task, w0, rule, 0.1);
            assertEquals(0, r.divergedAt(), rule);
            assertTrue(Double.isNaN(r.loss()[0]), rule + ": J " + r.loss()[0]);
        }
    }

    @Test
    void aHealthyRunIsNotDiverged() throws InterruptedException {
        var r = run("reparam", 1.0);
        assertEquals(-1, r.divergedAt());
        assertTrue(Double.isFinite(r.finalLoss()) && r.finalLoss() < r.loss()[0], "final J " + r.finalLoss());
    }
}
