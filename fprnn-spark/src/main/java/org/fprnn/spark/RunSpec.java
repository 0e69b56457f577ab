package org.fprnn.spark;

import java.io.Serializable;
import org.fprnn.model.NetworkSpec;
import org.fprnn.train.TrainSettings;

/**
 * What every executor needs for a whole run, broadcast once: the settings, how to build the network,
 * its weights at start (including those that are never trained), and the BLAS thread count per task.
 *
 * @param runId distinguishes runs that share the cached training data
 * @param blasThreads OpenBLAS threads per task (1 when every core runs a task of its own)
 */
record RunSpec(String runId, TrainSettings settings, NetworkSpec.ForData network, NamedArrays initialWeights,
               int blasThreads) implements Serializable {
}
