package org.fprnn.spark;

import java.io.Serializable;

/**
 * One synchronous step, broadcast to the executors: the global batch's rows (the same rows the
 * single-process trainer uses at this step) and the current values of the trained parameters.
 */
record StepTask(int step, int[] rows, NamedArrays trained) implements Serializable {
}
