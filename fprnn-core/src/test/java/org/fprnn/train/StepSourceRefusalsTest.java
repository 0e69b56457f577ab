package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * A trainer whose batches come from a {@link Trainer.StepSource} (the Spark trainer's executors)
 * refuses the options that need the batches gathered in this process, shift augmentation and warm
 * starts, before any step runs, naming the key to turn off.
 */
class StepSourceRefusalsTest {
    private static final Trainer.StepSource NEVER = (net, step, rows) -> {
        throw new AssertionError("no step may run");
    };

    @Test
    void shiftAugmentationAndWarmStartsAreRefusedWithAStepSource() {
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 100, 1e-6);
        TrainSettings base = new TrainSettings("linearized", 0.1, "sgd", 0, 0, 8, 1, fwd,
                RuleSettings.of(Loss.CROSS_ENTROPY, fwd), 0, false, 1);
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(4).units(6).outputs(3).seed(1).build();

        TrainSettings shifted = base.withOptions(new TrainSettings.Options(null, 0, 1));
        IllegalArgumentException shift = assertThrows(IllegalArgumentException.class, () -> new Trainer(shifted, 16,
                null).run(net, shifted.newOptimizer(), 0, 0, step -> { }, NEVER));
        assertTrue(shift.getMessage().contains("train.augment_shift = 0"), shift.getMessage());

        TrainSettings warm = base.withWarmStart(true);
        IllegalArgumentException ws = assertThrows(IllegalArgumentException.class, () -> new Trainer(warm, 16, null)
                .run(net, warm.newOptimizer(), 0, 0, step -> { }, NEVER));
        assertTrue(ws.getMessage().contains("solver.warm_start off"), ws.getMessage());
    }
}
