package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.fprnn.io.FormatException;

/**
 * data.name = "idx": a folder of MNIST-format files of any size (train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz), for
 * data sets other than the standard ones (whose loaders insist on the published sizes). Pixels are
 * scaled to [0, 1]. It is read from the folder given ({@link DataOptions#withDir}) or, as every
 * source, from FPRNN_IDX_DIR, $FPRNN_DATA/idx or DATA/idx; it has no mirrors to download from.
 *
 * <p>The classes are part of the data set, never widened by a stray label: the number given to the
 * constructor (data.classes) when there is one, else the training labels' range 0..max, in which
 * every class must have a training sample (a gap means a label outside the real classes, such as
 * one 42 among digits). A label outside the classes in either split, or test images of another
 * shape than the training images, is a {@link FormatException} that names the file and the index.
 */
public final class IdxFolder implements DataSource {
    /** The name configs give it: data.name = "idx". */
    public static final String NAME = "idx";

    private final Integer classes;

    /** @param classes the number of classes (data.classes, 2 to 256), or null to take the training labels' range */
    public IdxFolder(Integer classes) {
        if (classes != null && (classes < 2 || classes > 256)) {
            throw new IllegalArgumentException("an IDX folder has 2 to 256 classes (labels are single bytes), not "
                    + classes);
        }
        this.classes = classes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "IDX folder";
    }

    @Override
    public String envVar() {
        return "FPRNN_IDX_DIR";
    }

    /** The classes given to the constructor, or 0 when they are taken from the training labels on reading. */
    @Override
    public int classes() {
        return classes == null ? 0 : classes;
    }

    @Override
    public String missing(Path dir, Split split) {
        if (!Files.isDirectory(dir)) {
            return Files.exists(dir) ? "is not a folder" : "does not exist";
        }
        for (String base : List.of(images(split), labels(split))) {
            if (find(dir, base) == null) {
                return "lacks " + base + " (or " + base + ".gz)";
            }
        }
        return null;
    }

    @Override
    public String wantedFiles(Split split) {
        return images(split) + " and " + labels(split) + ", each plain or .gz";
    }

    @Override
    public List<Path> systemDirs(Path systemRoot) {
        return List.of();
    }

    @Override
    public String installHint() {
        return "data.name = \"idx\" reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte"
                + " and t10k-labels-idx1-ubyte from data.data_dir.";
    }

    /**
     * Reads a split and checks it: images and labels agree in count, every label lies in the classes
     * and, for the test split, the images have the training images' shape (read from the training
     * file's header).
     */
    @Override
    public Dataset read(Path dir, Split split) throws IOException {
        Idx.IdxArray[] il = readPair(dir, split);
        int[] d = il[0].dims();
        if (split == Split.TEST) {
            Path trainImages = require(dir, images(Split.TRAIN));
            int[] tr = Idx.readImageDims(trainImages);
            if (tr.length != 3 || tr[1] != d[1] || tr[2] != d[2]) {
                throw new FormatException(il[0].source(), "holds images of " + d[1] + " x " + d[2] + " pixels, but the"
                        + " training images (" + trainImages + ") are " + (tr.length == 3 ? tr[1] + " x " + tr[2]
                        : Arrays.toString(tr)) + "; both splits must have the same image shape");
            }
        }
        Idx.IdxArray trainLabels = split == Split.TRAIN || classes != null ? il[1]
                : Idx.readLabels(require(dir, labels(Split.TRAIN)));
        int k = classes != null ? classes : trainingClasses(trainLabels);
        String declared = classes != null ? "data.classes = " + classes
                : "the training labels' range; set data.classes if the data set has more";
        checkLabels(il[1], k, declared);
        return Dataset.fromBytes(dir.getFileName() + "-" + (split == Split.TRAIN ? "train" : "test"), il[0].data(),
                il[1].data(), k, 1, d[1], d[2]);
    }

    @Override
    public void validate(Path dir) throws IOException {
        read(dir, Split.TRAIN);
        read(dir, Split.TEST);
    }

    @Override
    public List<String> downloadFiles() {
        return List.of();
    }

    @Override
    public List<URI> defaultMirrors() {
        return List.of();
    }

    private static String prefix(Split split) {
        return split == Split.TRAIN ? "train" : "t10k";
    }

    private static String images(Split split) {
        return prefix(split) + "-images-idx3-ubyte";
    }

    private static String labels(Split split) {
        return prefix(split) + "-labels-idx1-ubyte";
    }

    private Idx.IdxArray[] readPair(Path dir, Split split) throws IOException {
        Path images = require(dir, images(split));
        Path labels = require(dir, labels(split));
        Idx.IdxArray im = Idx.readImages(images);
        Idx.IdxArray lb = Idx.readLabels(labels);
        if (im.dims().length != 3) {
            throw new FormatException(images, "holds dimensions " + Arrays.toString(im.dims())
                    + "; images need (count, rows, cols)");
        }
        if (im.count() == 0) {
            throw new FormatException(images, "holds no images; each split needs at least one sample");
        }
        if (lb.count() != im.count()) {
            throw new FormatException(labels, "holds " + lb.count() + " labels for the " + im.count()
                    + " images of " + images);
        }
        return new Idx.IdxArray[] {im, lb};
    }

    /** The file, plain or .gz, or null. */
    private static Path find(Path dir, String base) {
        for (String name : new String[] {base, base + ".gz"}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        return null;
    }

    private Path require(Path dir, String base) throws DataNotFoundException {
        Path p = find(dir, base);
        if (p == null) {
            throw new DataNotFoundException("data folder " + dir.toAbsolutePath() + " lacks " + base + " (or " + base
                    + ".gz); " + installHint().substring(0, installHint().length() - 1));
        }
        return p;
    }

    /**
     * 1 + the largest training label, when every class below it has a training sample; a gap is an
     * error naming the first sample whose label lies above it, and a single class (every label 0) is
     * an error too.
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
        if (max == 0) {
            throw new FormatException(labels.source(), "gives every training sample label 0: a classifier needs at"
                    + " least two classes, so the labels are wrong (or this is not the training labels file)");
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
}
