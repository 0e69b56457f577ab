package org.fprnn.cli.classify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.cli.UserError;
import org.fprnn.data.Dataset;
import org.fprnn.data.Idx;
import org.fprnn.io.FormatException;

/**
 * data.name = "idx": a folder of MNIST-format files of any size (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz), for
 * data sets other than the standard ones (whose loaders insist on the published sizes). Pixels are
 * scaled to [0, 1]; the number of classes is the largest label + 1.
 */
final class IdxFolder {
    private IdxFolder() {
    }

    /** The train and test splits. */
    static Dataset[] load(Path dir) throws IOException {
        Idx.IdxArray[] train = read(dir, "train");
        Idx.IdxArray[] test = read(dir, "t10k");
        int classes = 1 + Math.max(maxLabel(train[1]), maxLabel(test[1]));
        return new Dataset[] {dataset(dir, "train", train, classes), dataset(dir, "test", test, classes)};
    }

    private static Idx.IdxArray[] read(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.IdxArray im = Idx.readImages(images);
        Idx.IdxArray lb = Idx.readLabels(labels);
        if (im.dims().length != 3) {
            throw new FormatException(images, "holds dimensions " + java.util.Arrays.toString(im.dims())
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

    private static int maxLabel(Idx.IdxArray labels) {
        int m = 0;
        for (byte b : labels.data()) {
            m = Math.max(m, b & 0xFF);
        }
        return m;
    }

    private static Dataset dataset(Path dir, String split, Idx.IdxArray[] il, int classes) {
        int[] d = il[0].dims();
        return Dataset.fromBytes(dir.getFileName() + "-" + split, il[0].data(), il[1].data(), classes, 1, d[1], d[2]);
    }
}
