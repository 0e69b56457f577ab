package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.data.Dataset;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/** The trainer refuses data its network cannot score, before any step: fewer outputs than classes, no samples. */
class TrainerDataCheckTest {
    private static final SolverConfig FWD = SolverConfig.anderson(5, 1.0, 100, 1e-6);
    private static final TrainSettings SETTINGS = new TrainSettings("linearized", 0.1, "sgd", 0, 0, 8, 1, FWD,
            RuleSettings.of(Loss.CROSS_ENTROPY, FWD), 0, false, 1);

    private static Dataset data(String name, int samples, int classes) {
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % classes;
        }
        return new Dataset(name, new FMatrix(samples, 4), labels, classes, 1, 2, 2);
    }

    private static FixedPointNetwork net(int outputs) {
        return FixedPointNetwork.builder().inputs(4).units(6).outputs(outputs).seed(1).build();
    }

    @Test
    void aNetworkWithFewerOutputsThanClassesIsRefusedBeforeTheFirstStep() {
        FixedPointNetwork net = net(9);
        Trainer.Listener never = step -> {
            throw new AssertionError("no step may run");
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(SETTINGS, data("train", 16, 10), null).run(net, SETTINGS.newOptimizer(), 0, never));
        assertTrue(e.getMessage().equals("train has 10 classes but the network has 9 outputs: give it one output per class"),
                e.getMessage());
        // The test set is checked too, and so is a data set given to evaluate.
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer(SETTINGS, data("train", 16, 9),
                data("test", 16, 10)).run(net, SETTINGS.newOptimizer(), 0, never));
        assertTrue(e.getMessage().startsWith("test has 10 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(SETTINGS, data("train", 16, 9), null).evaluate(net, data("other", 16, 10), 0, 0));
        assertTrue(e.getMessage().startsWith("other has 10 classes"), e.getMessage());
    }

    @Test
    void emptyDataIsRefusedWithItsName() {
        Dataset empty = new Dataset("empty", new FMatrix(0, 4), new int[0], 3, 1, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(SETTINGS, empty, null));
        assertTrue(e.getMessage().contains("empty has no samples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(SETTINGS, data("train", 16, 3), null).evaluate(net(3), empty, 0, 0));
        assertTrue(e.getMessage().contains("empty: it has no samples"), e.getMessage());
    }
}
