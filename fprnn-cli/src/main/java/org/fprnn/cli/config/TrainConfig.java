package org.fprnn.cli.config;

import java.util.List;

/**
 * The [train] table of a classification config.
 *
 * @param batchSize samples per step (default 512); the last batch of an epoch keeps the remainder
 * @param epochs passes over the training set, reshuffled every epoch (default 1)
 * @param optimizer sgd (default), nesterov or adam
 * @param momentum SGD momentum (default 0: plain SGD)
 * @param weightDecay L2 (SGD) or decoupled (Adam) weight decay (default 0)
 * @param testBatch test samples drawn afresh at every step for the test-batch curve (default 512; 0: none)
 * @param fullTestEveryEpoch evaluate the whole test set after every epoch, not only at the end
 *     (default false)
 */
public record TrainConfig(Integer batchSize, Integer epochs, String optimizer, Double momentum, Double weightDecay,
                          Integer testBatch, Boolean fullTestEveryEpoch) {
    public TrainConfig {
        batchSize = Keys.intAtLeast("train.batch_size", batchSize, 512, 1);
        epochs = Keys.intAtLeast("train.epochs", epochs, 1, 1);
        optimizer = Keys.oneOf("train.optimizer", optimizer, "sgd", List.of("sgd", "nesterov", "adam"));
        momentum = Keys.inRange("train.momentum", momentum, 0.0, 0, true, 1, false);
        if (optimizer.equals("adam") && momentum != 0) {
            throw new IllegalArgumentException("train.momentum = " + momentum + " is not used by train.optimizer = \"adam\""
                    + " (Adam has beta1 = 0.9): leave it out");
        }
        weightDecay = Keys.number("train.weight_decay", weightDecay, 0.0, 0, true);
        testBatch = Keys.intAtLeast("train.test_batch", testBatch, 512, 0);
        fullTestEveryEpoch = fullTestEveryEpoch != null && fullTestEveryEpoch;
    }

    public static TrainConfig defaults() {
        return new TrainConfig(null, null, null, null, null, null, null);
    }
}
