package org.fprnn.cli.config;

import java.util.List;

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
 */
public record DataConfig(String name, String dataDir, Boolean download, Integer trainLimit, Integer testLimit) {
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
    }
}
