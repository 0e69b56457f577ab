package org.fprnn.data;

import java.util.Arrays;
import java.util.Objects;
import org.fprnn.linalg.FMatrix;
import org.fprnn.operator.FeatureShape;

/**
 * A labelled image data set held in memory: one sample per row of x, each the image's pixels
 * flattened in channel, row, column order (CHW) and scaled to [0, 1].
 *
 * @param name     e.g. "mnist-train"
 * @param x        (n, channels * height * width)
 * @param labels   n labels in [0, classes)
 * @param classes  number of classes
 * @param channels image channels (1 for MNIST, 3 for CIFAR-10)
 * @param height   image rows
 * @param width    image columns
 */
public record Dataset(String name, FMatrix x, int[] labels, int classes, int channels, int height,
                      int width) {

    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(labels, "labels");
        if (classes < 1 || channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(name + ": classes, channels, height and width must be "
                    + "positive, got " + classes + ", " + channels + ", " + height + ", " + width);
        }
        if ((long) channels * height * width != x.cols) {
            throw new IllegalArgumentException(name + ": x has " + x.cols + " columns but images of "
                    + channels + " x " + height + " x " + width + " need "
                    + (long) channels * height * width);
        }
        if (labels.length != x.rows) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + x.rows
                    + " samples");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + classes + ")");
            }
        }
    }

    /** The shape of one sample, channels x height x width, as networks take it as input. */
    public FeatureShape imageShape() {
        return new FeatureShape(channels, height, width);
    }

    /**
     * A data set from raw unsigned bytes, scaling each pixel p to p / 255.
     *
     * @param pixels n * channels * height * width bytes, sample by sample, CHW within a sample
     * @param labels n label bytes (unsigned)
     */
    public static Dataset fromBytes(String name, byte[] pixels, byte[] labels, int classes,
                                    int channels, int height, int width) {
        int features = channels * height * width;
        if ((long) labels.length * features != pixels.length) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes do not hold "
                    + labels.length + " images of " + features + " values");
        }
        int[] y = new int[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i] & 0xFF;
        }
        return new Dataset(name, scale(pixels, labels.length, features), y, classes, channels, height,
                width);
    }

    /** Pixels p as p / 255 in an (n, features) matrix. */
    static FMatrix scale(byte[] pixels, int n, int features) {
        float[] lut = new float[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = v / 255f;
        }
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = lut[pixels[i] & 0xFF];
        }
        return new FMatrix(n, features, out);
    }

    /** Number of samples. */
    public int size() {
        return x.rows;
    }

    /** Values per sample: channels * height * width. */
    public int features() {
        return x.cols;
    }

    /** Samples from (inclusive) to to (exclusive), copied. */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException(name + ": subset [" + from + ", " + to
                    + ") of " + size() + " samples");
        }
        float[] data = Arrays.copyOfRange(x.data, from * x.cols, to * x.cols);
        return new Dataset(name + "[" + from + ":" + to + "]", new FMatrix(to - from, x.cols, data),
                Arrays.copyOfRange(labels, from, to), classes, channels, height, width);
    }

    /** The samples at the given indices, in that order (repeats allowed), copied. */
    public Dataset subset(int[] indices) {
        FMatrix sub = new FMatrix(indices.length, x.cols);
        int[] y = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= size()) {
                throw new IndexOutOfBoundsException(name + ": index " + i + " of " + size() + " samples");
            }
            System.arraycopy(x.data, i * x.cols, sub.data, k * x.cols, x.cols);
            y[k] = labels[i];
        }
        return new Dataset(name + "[" + indices.length + " samples]", sub, y, classes, channels,
                height, width);
    }

    /** How many samples each class has. */
    public int[] labelCounts() {
        int[] counts = new int[classes];
        for (int y : labels) {
            counts[y]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + " samples of " + channels + "x" + height + "x"
                + width + ", " + classes + " classes]";
    }
}
