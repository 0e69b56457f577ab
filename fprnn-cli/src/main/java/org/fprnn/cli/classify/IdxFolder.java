package org.fprnn.cli.classify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.fprnn.cli.UserError;
import org.fprnn.data.Dataset;
import org.fprnn.data.Idx;
import org.fprnn.io.FormatException;

/**
 * data.name = "idx": a folder of MNIST-format files of any size (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz), for
 * data sets other than the standard ones (whose loaders insist on the published sizes). Pixels are
 * scaled to [0, 1].
 *
 * <p>The classes are part of the data set, never widened by a stray label: data.classes when given,
 * else the training labels' range 0..max, in which every class must have a training sample (a gap
 * means a label outside the real classes, such as one 42 among digits). A label outside the classes
 * in either split, or test images of another shape than the training images, is a
 * {@link FormatException} that names the file and the index.
 */
final class IdxFolder {
    private IdxFolder() {
    }

    /**
     * The train and test splits.
     *
     * @param classes data.classes, or null to take the training labels' range
     */
    static Dataset[] load(Path dir, Integer classes) throws IOException {
        Idx.IdxArray[] train = read(dir, "train");
        Idx.IdxArray[] test = read(dir, "t10k");
        int[] tr = train[0].dims();
        int[] te = test[0].dims();
        if (tr[1] != te[1] || tr[2] != te[2]) {
            throw new FormatException(test[0].source(), "holds images of " + te[1] + " x " + te[2] + " pixels, but the"
                    + " training images (" + train[0].source() + ") are " + tr[1] + " x " + tr[2]
                    + "; both splits must have the same image shape");
        }
        int k = classes != null ? classes : trainingClasses(train[1]);
        String declared = classes != null ? "data.classes = " + classes
                : "the training labels' range; set data.classes if the data set has more";
        checkLabels(train[1], k, declared);
        checkLabels(test[1], k, declared);
        return new Dataset[] {dataset(dir, "train", train, k), dataset(dir, "test", test, k)};
    }

    private static Idx.IdxArray[] read(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.IdxArray im = Idx.readImages(images);
        Idx.IdxArray lb = Idx.readLabels(labels);
        if (im.dims().length != 3) {
            throw new FormatException(images, "holds dimensions " + Arrays.toString(im.dims())
                    + "; images need (count, rows, cols)");
        }
        if (lb.count() != im.count()) {
            throw new FormatException(labels, "holds " + lb.count() + " labels for the " + im.count()
                    + " images of " + images);
        }
        return new Idx.IdxArray[] {im, lb};
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base, base + ".gz"}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new UserError("data folder " + dir.toAbsolutePath() + " lacks " + base + " (or " + base + ".gz);"
                + " data.name = \"idx\" reads train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                + " t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte from data.data_dir");
    }

    /**
     * 1 + the largest training label, when every class below it has a training sample; a gap is an
     * error naming the first sample whose label lies above it.
     */
    private static int trainingClasses(Idx.IdxArray labels) throws FormatException {
        int[] counts = new int[256];
        for (byte b : labels.data()) {
            counts[b & 0xFF]++;
        }
        int max = 255;
        while (max > 0 && counts[max] == 0) {
            max--;
        }
        for (int c = 0; c < max; c++) {
            if (counts[c] == 0) {
                byte[] y = labels.data();
                int i = 0;
                while ((y[i] & 0xFF) <= c) {
                    i++;
                }
                throw new FormatException(labels.source(), "label " + (y[i] & 0xFF) + " at index " + i + " lies beyond"
                        + " class " + c + ", which no training sample has: the labels 0.." + max + " leave classes"
                        + " empty, so a label is wrong; fix it, or if the data set really has " + (max + 1)
                        + " classes, say so with data.classes = " + (max + 1));
            }
        }
        return max + 1;
    }

    private static void checkLabels(Idx.IdxArray labels, int classes, String declared) throws FormatException {
        byte[] y = labels.data();
        for (int i = 0; i < y.length; i++) {
            if ((y[i] & 0xFF) >= classes) {
                throw new FormatException(labels.source(), "label " + (y[i] & 0xFF) + " at index " + i
                        + " is outside the classes 0.." + (classes - 1) + " (" + declared + ")");
            }
        }
    }

    private static Dataset dataset(Path dir, String split, Idx.IdxArray[] il, int classes) {
        int[] d = il[0].dims();
        return Dataset.fromBytes(dir.getFileName() + "-" + split, il[0].data(), il[1].data(), classes, 1, d[1], d[2]);
    }
}
