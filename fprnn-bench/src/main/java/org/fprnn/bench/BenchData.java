package org.fprnn.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.data.Mnist;
import org.fprnn.data.Split;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.Batch;

/**
 * The data the solver and end-to-end benchmarks use: MNIST, or MNIST-shaped synthetic data for tests.
 *
 * @param dir the folder MNIST was read from (for the peers, which read it themselves); null for synthetic data
 */
record BenchData(Dataset train, Dataset test, String description, Path dir) {

    static BenchData load(BenchOptions o) throws IOException {
        return o.syntheticData() ? synthetic(3000, 1000, 5) : mnist(o.dataDir());
    }

    /** MNIST from {@code dir}, or from fprnn's usual places when dir is null (an error lists them). */
    static BenchData mnist(Path dir) throws IOException {
        DataOptions opt = options(dir);
        Path where = DataSets.locate(Mnist.SOURCE, Split.TRAIN, opt);
        Dataset train = Mnist.SOURCE.read(where, Split.TRAIN);
        Dataset test = Mnist.SOURCE.read(DataSets.locate(Mnist.SOURCE, Split.TEST, opt), Split.TEST);
        return new BenchData(train, test, "MNIST (" + train.size() + " training, " + test.size() + " test images)",
                where);
    }

    /** Where MNIST is looked for: {@code dir} alone when given, else fprnn's usual places. */
    static DataOptions options(Path dir) {
        return dir == null ? DataOptions.defaults() : DataOptions.defaults().withDir(dir);
    }

    /**
     * Finds both splits of MNIST without reading them (a look at the files only), so that data that is not
     * there is an error before benchmarks that take minutes, not after them; nothing for synthetic data.
     */
    static void locate(BenchOptions o) throws IOException {
        if (!o.syntheticData()) {
            for (Split split : Split.values()) {
                DataSets.locate(Mnist.SOURCE, split, options(o.dataDir()));
            }
        }
    }

    /**
     * MNIST-shaped synthetic data (28 x 28 images, 10 classes): class c lights image rows 2c and 2c + 1
     * over uniform noise, so that a network learns it within a few steps.
     */
    static BenchData synthetic(int train, int test, long seed) {
        Random rng = new Random(seed);
        return new BenchData(images("synthetic-train", train, rng), images("synthetic-test", test, rng),
                "synthetic MNIST-shaped data (--synthetic-data, for tests: " + train + " training, " + test
                        + " test images)", null);
    }

    private static Dataset images(String name, int n, Random rng) {
        byte[] labels = new byte[n];
        byte[] px = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(10);
            labels[i] = (byte) c;
            for (int j = 0; j < 784; j++) {
                int v = rng.nextInt(100) + (j / 28 / 2 == c ? 150 : 0);
                px[i * 784 + j] = (byte) v;
            }
        }
        return Dataset.fromBytes(name, px, labels, 10, 1, 28, 28);
    }

    /** The first {@code n} images of a data set as a labelled batch. */
    static Batch first(Dataset d, int n) {
        if (n > d.size()) {
            throw new IllegalArgumentException(d.name() + " has " + d.size() + " samples, fewer than " + n);
        }
        FMatrix x = new FMatrix(n, d.features());
        for (int i = 0; i < n; i++) {
            x.copyRow(d.x(), i, i);
        }
        return Batch.labelled(x, java.util.Arrays.copyOf(d.labels(), n));
    }
}
