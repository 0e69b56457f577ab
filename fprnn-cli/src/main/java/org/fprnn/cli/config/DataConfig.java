package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.config.Keys;

/**
 * The [data] table of a classification config.
 *
 * @param name mnist, fashion-mnist, cifar10, or idx (any MNIST-format folder given as data_dir:
 *     train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 *     t10k-labels-idx1-ubyte, plain or .gz, of any size); required
 * @param dataDir a folder holding the files; when absent fprnn looks where DataSets says
 * @param download fetch a missing data set into the data folder (default false)
 * @param trainLimit use only the first train_limit training samples (quick runs); absent: all
 * @param testLimit use only the first test_limit test samples; absent: all
 * @param classes idx only: the number of classes, labels 0 to classes - 1 (absent: the training labels'
 *     range, which must then leave no class empty); a label outside them in either split is an error.
 *     The standard data sets have theirs (10 each) and refuse the key
 */
public record DataConfig(String name, String dataDir, Boolean download, Integer trainLimit, Integer testLimit,
                         Integer classes) {
    public static final List<String> NAMES = List.of("mnist", "fashion-mnist", "cifar10", "idx");

    public DataConfig {
        if (name == null) {
            throw new IllegalArgumentException("data.name is missing: give one of " + NAMES);
        }
        name = Keys.oneOf("data.name", name.replace('_', '-'), null, NAMES);
        if (name.equals("idx") && dataDir == null) {
            throw new IllegalArgumentException("data.name = \"idx\" reads an MNIST-format folder: give it as data.data_dir");
        }
        download = download != null && download;
        if (download && name.equals("idx")) {
            throw new IllegalArgumentException("data.download = true is not allowed with data.name = \"idx\":"
                    + " there is nothing to download for a folder of your own");
        }
        if (trainLimit != null) {
            Keys.intAtLeast("data.train_limit", trainLimit, 1, 1);
        }
        if (testLimit != null) {
            Keys.intAtLeast("data.test_limit", testLimit, 1, 1);
        }
        if (classes != null) {
            if (!name.equals("idx")) {
                throw Keys.notApplicable("data.classes", classes, "data.name = \"" + name + "\"",
                        "that data set has its own classes (10); the key is for data.name = \"idx\"");
            }
            Keys.intAtLeast("data.classes", classes, 1, 2);
            if (classes > 256) {
                throw Keys.bad("data.classes", classes, "IDX labels are single bytes, so at most 256 classes");
            }
        }
    }
}
