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
 */
public record StepRecord(int step, int epoch, double trainLoss, double trainAccuracy, double testLoss,
                         double testAccuracy, int iterationsMax, double iterationsMedian, int notConverged,
                         double seconds) {
}
