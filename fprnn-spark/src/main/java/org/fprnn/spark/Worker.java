package org.fprnn.spark;

import org.fprnn.linalg.Blas;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.BatchStep;
import org.fprnn.train.GuardedUpdate;
import org.fprnn.train.ShardSums;

/**
 * A partition's side of training, kept on the executor between steps: its own copy of the network
 * and the workspaces of the solver and the rule. It runs the same {@link BatchStep} as the
 * single-process trainer on its shard of every batch and, in local-SGD mode, applies updates with the
 * same {@link GuardedUpdate}.
 */
final class Worker {
    private final RunSpec run;
    private final FixedPointNetwork net;
    private final BatchStep batchStep;
    private final GuardedUpdate update;

    Worker(RunSpec run) {
        JvmChecks.require("executor");
        Blas.setThreads(run.blasThreads());
        this.run = run;
        this.net = run.network().build();
        run.initialWeights().copyInto(net.params());
        this.batchStep = new BatchStep(run.settings());
        this.update = new GuardedUpdate(run.settings());
    }

    String runId() {
        return run.runId();
    }

    /** Synchronous mode: this block's shard of the step's batch, solved and its directions summed. */
    synchronized ShardSums directions(DataBlock block, StepTask task) {
        task.trained().copyInto(net.params());
        Batch shard = block.shard(task.rows(), net.precision());
        if (shard == null) {
            return ShardSums.empty();
        }
        return ShardSums.of(batchStep.compute(net, shard));
    }

    /**
     * Local-SGD mode: from the round's weights and optimizer state, one local step on this block's
     * shard of each of the round's batches (a step whose shard is empty is left out), then the
     * resulting weights and state, weighted by the samples trained on.
     */
    synchronized RoundSums round(DataBlock block, RoundTask task) {
        task.trained().copyInto(net.params());
        Optimizer optimizer = run.settings().newOptimizer();
        optimizer.restore(task.optimizerState().toParams());
        int steps = task.rows().length;
        RoundSums sums = new RoundSums(steps);
        long trainedOn = 0;
        for (int j = 0; j < steps; j++) {
            Batch shard = block.shard(task.rows()[j], net.precision());
            if (shard == null) {
                continue;
            }
            BatchStep.Result r = batchStep.compute(net, shard);
            sums.shards[j] = 1;
            sums.samples[j] = r.samples();
            sums.lossSums[j] = r.loss() * r.samples();
            sums.correct[j] = r.correct();
            sums.notConverged[j] = r.notConverged();
            sums.iterationsMax[j] = r.iterationsMax();
            sums.iterations[j] = r.iterations();
            trainedOn += r.samples();
            if (r.directions() == null) {
                sums.blocked[j] = 1;
                if (run.settings().onNonconverged().equals("stop")) {
                    break;   // the driver ends the run after this round and discards the round
                }
                continue;
            }
            String why = update.apply(net, optimizer, r.loss(), r.directions());
            if (why == null) {
                sums.updated[j] = 1;
            } else {
                sums.refused[j] = 1;
                sums.refusal[j] = why;
            }
        }
        if (trainedOn > 0) {
            sums.weight = trainedOn;
            sums.weightSums = NamedArrays.of(net.params(), net.trained()).scale(trainedOn);
            Params state = optimizer.state();
            sums.stateSums = NamedArrays.of(state).scale(trainedOn);
        }
        return sums;
    }
}
