package org.fprnn.spark;

import java.io.Serializable;

/**
 * One round of local SGD, broadcast to the executors: the rows of the global batches of steps
 * firstStep, firstStep + 1, ... (each partition trains on its own part of each), and the weights and
 * optimizer state every partition starts the round from.
 */
record RoundTask(int firstStep, int[][] rows, NamedArrays trained, NamedArrays optimizerState)
        implements Serializable {
}
