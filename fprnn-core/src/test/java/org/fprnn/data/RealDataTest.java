package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real data sets, when they are installed (./setup.sh or scripts/fetch-data.sh puts them in
 * the repository's data folder); skipped otherwise.
 */
class RealDataTest {
    /** The repository's data folder: the first data/ found walking up from the working directory. */
    static Path dataRoot() {
        String prop = System.getProperty(DataOptions.DATA_PROPERTY);
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("data"))) {
                return d.resolve("data");
            }
            if (Files.exists(d.resolve(".git"))) {
                break;
            }
        }
        return Path.of("data").toAbsolutePath();
    }

    static DataOptions options() {
        return DataOptions.defaults().withEnv(Map.of()).withDataRoot(dataRoot());
    }

    static void checkPixels(Dataset d) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        double sum = 0;
        for (float v : d.x().data) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        double mean = sum / d.x().data.length;
        assertTrue(mean > 0.05 && mean < 0.5, "mean pixel " + mean);
    }

    @Test
    void mnistHasThePublishedSizesAndLabelCounts() throws IOException {
        assumeTrue(Files.isDirectory(dataRoot().resolve("mnist")),
                "MNIST is not installed in " + dataRoot() + "/mnist (run scripts/fetch-data.sh)");
        Dataset train = Mnist.load("train", options());
        assertEquals(60_000, train.size());
        assertEquals(784, train.features());
        assertArrayEquals(new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
                train.labelCounts());
        assertArrayEquals(new int[] {5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, Arrays.copyOf(train.labels(), 10),
                "the first training labels of MNIST");
        checkPixels(train);

        Dataset test = Mnist.load("test", options());
        assertEquals(10_000, test.size());
        assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
                test.labelCounts());
        assertArrayEquals(new int[] {7, 2, 1, 0, 4}, Arrays.copyOf(test.labels(), 5));
        checkPixels(test);
    }

    @Test
    void fashionMnistIsBalanced() throws IOException {
        DataOptions o = options();
        boolean present = Files.isDirectory(o.dataRoot().resolve("fashion-mnist"))
                || Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist"));
        assumeTrue(present, "Fashion-MNIST is not installed");
        Dataset test = FashionMnist.load("test", o);
        assertEquals(10_000, test.size());
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, test.labelCounts());
        checkPixels(test);
    }
}
