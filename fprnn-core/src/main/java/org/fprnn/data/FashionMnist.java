package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.List;

/**
 * Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28 x 28, 10 balanced classes
 * (6,000 and 1,000 images each), in MNIST's IDX files.
 *
 * <p>Debian's package dataset-fashion-mnist installs the gzipped files in
 * /usr/share/datasets/fashion-mnist, which {@link DataSets} searches after the project data folder;
 * scripts/fetch-data.sh installs the package and links its files into data/fashion-mnist.
 */
public final class FashionMnist {
    private FashionMnist() {
    }

    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The public copy of Fashion-MNIST (gzipped IDX files). */
    public static final List<URI> MIRRORS =
            List.of(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"));

    public static final DataSource SOURCE = new IdxSource("fashion-mnist", "Fashion-MNIST",
            "FPRNN_FASHION_MNIST_DIR", filled(6000), filled(1000),
            List.of("usr/share/datasets/fashion-mnist"), MIRRORS,
            "Install it with ./setup.sh at the repository root (scripts/fetch-data.sh installs "
                    + "Debian's dataset-fashion-mnist and links it into data/fashion-mnist), or "
                    + "`apt-get install dataset-fashion-mnist`.");

    private static int[] filled(int v) {
        int[] a = new int[10];
        Arrays.fill(a, v);
        return a;
    }

    /** Loads "train" or "test". */
    public static Dataset load(String split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, Split.parse(split), options);
    }

    public static Dataset load(Split split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, split, options);
    }
}
