package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.fprnn.data.Idx;

/**
 * A small MNIST-format data set for tests: 28 x 28 images whose class c lights the rows 2c and 2c + 1
 * (plus noise), so that a small network learns it in a few steps.
 */
final class TinyIdx {
    private TinyIdx() {
    }

    static void write(Path dir, int train, int test, long seed) throws IOException {
        Random rng = new Random(seed);
        write(dir, "train", train, rng);
        write(dir, "t10k", test, rng);
    }

    private static void write(Path dir, String prefix, int n, Random rng) throws IOException {
        byte[] labels = new byte[n];
        byte[] px = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            int c = i % 10;
            labels[i] = (byte) c;
            for (int j = 0; j < 784; j++) {
                int row = j / 28;
                int v = rng.nextInt(60);
                if (row / 2 == c) {
                    v += 150;
                }
                px[i * 784 + j] = (byte) v;
            }
        }
        Idx.write(dir.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, 28, 28}, px, false);
        Idx.write(dir.resolve(prefix + "-labels-idx1-ubyte"), new int[] {n}, labels, false);
    }
}
