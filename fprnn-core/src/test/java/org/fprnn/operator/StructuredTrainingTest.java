package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.junit.jupiter.api.Test;

/** The training loop on structured networks: it applies the Dale projection after every step. */
class StructuredTrainingTest {

    /** 48 random 1x4x4 images in 3 classes. */
    private static Dataset data(long seed) {
        Random rng = new Random(seed);
        FMatrix x = new FMatrix(48, 16);
        int[] y = new int[48];
        for (int i = 0; i < 48; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 16; j++) {
                x.set(i, j, rng.nextDouble() + (j % 3 == y[i] ? 1 : 0));
            }
        }
        return new Dataset("tiny", x, y, 3, 1, 4, 4);
    }

    private static TrainSettings settings(String rule) {
        SolverConfig fwd = SolverConfig.anderson(5, 0.8, 500, 1e-8);
        return new TrainSettings(rule, 0.2, "adam", 0, 0, 8, 2, fwd, RuleSettings.of(Loss.CROSS_ENTROPY, fwd), 0,
                false, 1);
    }

    @Test
    void daleProjectionHoldsThroughTraining() {
        Dataset d = data(1);
        for (String rule : new String[] {"gradient", "linearized"}) {
            FixedPointNetwork net = FixedPointNetwork.builder().inputs(16).outputs(3).seed(2).trainInput(true)
                    .trainReadout(true).recurrent(DaleOperator.factory("W", 10, 0.8, 0.9, DaleOperator.Mode.PROJECTION))
                    .build();
            Trainer.Result res = new Trainer(settings(rule), d, d).run(net, settings(rule).newOptimizer(), 0,
                    step -> { });
            assertEquals(Trainer.Outcome.COMPLETED, res.outcome(), res.divergence());
            DaleOperator dale = (DaleOperator) net.recurrent();
            DMatrix w = dale.dense();
            double[] s = dale.signs();
            for (int i = 0; i < w.data.length; i++) {
                assertTrue(w.data[i] * s[i % 10] >= 0, rule + ": wrong sign at " + i);
            }
        }
    }

    @Test
    void convolutionalNetworkTrains() {
        Dataset d = data(3);
        FeatureShape maps = new FeatureShape(2, 4, 4);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(16).outputs(3).seed(4).trainInput(true)
                .trainBias(true).trainReadout(true).readoutBias(true)
                .recurrent(Conv2dOperator.factory("K", maps, 3, 0.7))
                .readIn(Conv2dMap.factory("U", new FeatureShape(1, 4, 4), 2, 3, 1, 1, 0.5))
                .readOut(PooledReadout.factory("R", maps, 3))
                .build();
        Trainer.Result res = new Trainer(settings("linearized"), d, d).run(net, settings("linearized").newOptimizer(), 0,
                step -> { });
        assertEquals(Trainer.Outcome.COMPLETED, res.outcome(), res.divergence());
        double first = res.steps().getFirst().trainLoss();
        double last = res.steps().getLast().trainLoss();
        assertTrue(last < first, "loss " + first + " -> " + last);
    }
}
