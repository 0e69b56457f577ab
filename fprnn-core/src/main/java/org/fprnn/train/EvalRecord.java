package org.fprnn.train;

/** Loss and accuracy on a whole evaluation set after {@code step} steps (epoch = -1 before training). */
public record EvalRecord(int step, int epoch, double loss, double accuracy, double medianIterations,
                         int notConverged) {
}
