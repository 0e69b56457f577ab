package org.fprnn.diag;

/**
 * The diagnostics of one training step (MATH section 5), measured on the step's training batch at
 * the state the forward solver returned, before the update.
 *
 * @param angle degrees between the rule's direction and the gradient rule's direction over every
 *     trained parameter (0: same direction; above 90: uphill); NaN if either is zero or not finite
 * @param angleRecurrent the same over the recurrent operator's trained parameters only (W; for a
 *     layered network every W_k, F_k, B_k); NaN if none is trained
 * @param sigmaMin smallest sigma_min(I - G_i W) over the samples measured (NaN if not computed)
 * @param sigmaMedian median of sigma_min(I - G_i W) over those samples
 * @param sigmaSamples samples measured (0 if not computed)
 * @param sigmaMethod "exact" (SVD), "estimate" (inverse iteration, an upper bound) or "none"
 * @param seconds wall time of the measurement (not part of the step's time)
 */
public record StepDiagnostics(double angle, double angleRecurrent, double sigmaMin, double sigmaMedian,
                              int sigmaSamples, String sigmaMethod, double seconds) {
}
