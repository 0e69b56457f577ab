package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * A batch split into shards: BatchStep on each shard, added up in ShardSums and divided by the batch
 * size, gives the whole batch's directions, loss and counts (MATH section 0: rules are batch means).
 */
class ShardSumsTest {

    private static TrainSettings settings(String rule, SolverConfig forward, String onNonconverged) {
        RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, forward).withLr(0.1);
        return new TrainSettings(rule, 0.1, "sgd", 0, 0, 30, 1, forward, rs, 0, false, 1, onNonconverged,
                TrainSettings.DEFAULT_MAX_DIRECTION_NORM, TrainSettings.DEFAULT_MAX_CONSECUTIVE_REFUSALS);
    }

    /** Shards [0, 7), [7, 7) (empty), [7, 19), [19, 30) of the batch, summed in that order. */
    private static BatchStep.Result sharded(TrainSettings ts, FixedPointNetwork net, Batch batch) {
        int[] cuts = {0, 7, 7, 19, 30};
        ShardSums total = ShardSums.empty();
        BatchStep step = new BatchStep(ts);
        for (int k = 0; k + 1 < cuts.length; k++) {
            if (cuts[k + 1] > cuts[k]) {
                total.add(ShardSums.of(step.compute(net, batch.slice(cuts[k], cuts[k + 1]))));
            } else {
                total.add(ShardSums.empty());
            }
        }
        return total.toResult(net.params().zerosLike(net.trained()));
    }

    @Test
    void shardsAddUpToTheWholeBatchForEveryRuleThatIsAMean() {
        Batch batch = TestNets.labelled(30, 6, 4, 1.0, 11);
        for (String rule : new String[] {"gradient", "bptt", "linearized", "linearized_alt"}) {
            SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.2, 80, 0)
                    : SolverConfig.anderson(5, 1.0, 300, 1e-12);
            TrainSettings ts = settings(rule, fwd, "warn");
            FixedPointNetwork net = TestNets.tanhNet(6, 12, 4, 0.8, Dynamics.RATE, 5);
            assertTrue(Rules.create(rule, ts.ruleSettings()).meanOverSamples(), rule);
            BatchStep.Result whole = new BatchStep(ts).compute(net, batch);
            Params wholeDirections = whole.directions().copy();
            BatchStep.Result parts = sharded(ts, net, batch);
            assertNotNull(parts.directions(), rule);
            double err = TestNets.relErr(wholeDirections, parts.directions());
            assertTrue(err < 1e-12, rule + ": sharded directions differ from the whole batch's by " + err);
            assertEquals(whole.loss(), parts.loss(), 1e-13 * Math.abs(whole.loss()), rule);
            assertEquals(whole.correct(), parts.correct(), rule);
            assertEquals(whole.samples(), parts.samples(), rule);
            assertEquals(whole.notConverged(), parts.notConverged(), rule);
            assertEquals(whole.iterationsMax(), parts.iterationsMax(), rule);
            assertEquals(whole.iterationsMedian(), parts.iterationsMedian(), rule);
        }
    }

    @Test
    void reparamIsNotAMeanOverSamples() {
        var ts = settings("reparam", SolverConfig.anderson(5, 1.0, 300, 1e-10), "warn");
        assertFalse(Rules.create("reparam", ts.ruleSettings()).meanOverSamples());
    }

    @Test
    void oneBlockedShardBlocksTheBatch() {
        // 3 Anderson iterations converge no sample to 1e-12: under "skip" every shard is blocked.
        Batch batch = TestNets.labelled(30, 6, 4, 1.0, 12);
        FixedPointNetwork net = TestNets.tanhNet(6, 12, 4, 0.8, Dynamics.RATE, 5);
        TrainSettings skip = settings("linearized", SolverConfig.anderson(5, 1.0, 3, 1e-12), "skip");
        BatchStep.Result whole = new BatchStep(skip).compute(net, batch);
        assertNull(whole.directions());
        BatchStep.Result parts = sharded(skip, net, batch);
        assertNull(parts.directions());
        assertEquals(30, parts.notConverged());
        assertEquals(whole.loss(), parts.loss(), 1e-13 * whole.loss());
        // One blocked shard among unblocked ones still blocks the sum.
        TrainSettings warn = settings("linearized", SolverConfig.anderson(5, 1.0, 3, 1e-12), "warn");
        ShardSums mixed = ShardSums.of(new BatchStep(warn).compute(net, batch.slice(0, 10)));
        mixed.add(ShardSums.of(new BatchStep(skip).compute(net, batch.slice(10, 30))));
        assertNull(mixed.toResult(net.params().zerosLike(net.trained())).directions());
    }
}
