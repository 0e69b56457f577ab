package org.fprnn.train;

/**
 * What one training step records (PROTOCOLS P1): loss and accuracy on the training batch, on a test
 * batch drawn afresh, and the forward solver's work.
 *
 * @param step 0-based global step
 * @param epoch 0-based epoch
 * @param trainLoss mean loss on the training batch at the state before the update
 * @param trainAccuracy fraction correct on the training batch
 * @param testLoss mean loss on the test batch (NaN when there is none)
 * @param testAccuracy fraction correct on the test batch
 * @param iterationsMax largest per-sample solver iteration count on the training batch
 * @param iterationsMedian median per-sample iteration count
 * @param notConverged training samples the solver did not converge
 * @param seconds wall time of the step
 * @param refused why the update of this step was refused (non-finite loss or direction, a direction
 *     norm above the limit, or weights that would become non-finite), or null
 * @param skipped why this batch was skipped under train.on_nonconverged = "skip" (samples that did
 *     not converge), or null; a refused or skipped step changes neither weights nor optimizer state
 * @param diagnostics the diagnostics of MATH section 5 measured at this step (angle to the
 *     gradient, distance to singularity), or null when none were measured; their time is not in
 *     {@code seconds}
 */
public record StepRecord(int step, int epoch, double trainLoss, double trainAccuracy, double testLoss,
                         double testAccuracy, int iterationsMax, double iterationsMedian, int notConverged,
                         double seconds, String refused, String skipped, org.fprnn.diag.StepDiagnostics diagnostics) {

    /** A step without diagnostics. */
    public StepRecord(int step, int epoch, double trainLoss, double trainAccuracy, double testLoss,
                      double testAccuracy, int iterationsMax, double iterationsMedian, int notConverged,
                      double seconds, String refused, String skipped) {
        this(step, epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, iterationsMax, iterationsMedian,
                notConverged, seconds, refused, skipped, null);
    }

    /** A step whose update was applied. */
    public StepRecord(int step, int epoch, double trainLoss, double trainAccuracy, double testLoss,
                      double testAccuracy, int iterationsMax, double iterationsMedian, int notConverged,
                      double seconds) {
        this(step, epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, iterationsMax, iterationsMedian,
                notConverged, seconds, null, null);
    }

    /** True if the weights were not updated at this step (refused or skipped). */
    public boolean withoutUpdate() {
        return refused != null || skipped != null;
    }
}
