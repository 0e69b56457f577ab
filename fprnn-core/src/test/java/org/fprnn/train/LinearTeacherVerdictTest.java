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

    @Test
    void aHealthyRunIsNotDiverged() throws InterruptedException {
        var r = run("reparam", 1.0);
        assertEquals(-1, r.divergedAt());
        assertTrue(Double.isFinite(r.finalLoss()) && r.finalLoss() < r.loss()[0], "final J " + r.finalLoss());
    }
}
