package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fprnn.io.FormatException;

/**
 * A data set of 28 x 28 grey images in the four IDX files of MNIST: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or gzipped
 * (name + ".gz"). Reading checks the exact sample counts and label counts given.
 */
final class IdxSource implements DataSource {
    static final int SIDE = 28;

    private final String name;
    private final String title;
    private final String envVar;
    private final int[] trainCounts;
    private final int[] testCounts;
    private final List<String> systemDirs;
    private final List<URI> mirrors;
    private final String installHint;

    IdxSource(String name, String title, String envVar, int[] trainCounts, int[] testCounts,
              List<String> systemDirs, List<URI> mirrors, String installHint) {
        this.name = name;
        this.title = title;
        this.envVar = envVar;
        this.trainCounts = trainCounts.clone();
        this.testCounts = testCounts.clone();
        this.systemDirs = List.copyOf(systemDirs);
        this.mirrors = List.copyOf(mirrors);
        this.installHint = installHint;
    }

    static String imagesFile(Split split) {
        return (split == Split.TRAIN ? "train" : "t10k") + "-images-idx3-ubyte";
    }

    static String labelsFile(Split split) {
        return (split == Split.TRAIN ? "train" : "t10k") + "-labels-idx1-ubyte";
    }

    /** dir/base if it is a file, else dir/base.gz if that is, else null. */
    static Path find(Path dir, String base) {
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(base + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    @Override public String name() { return name; }
    @Override public String title() { return title; }
    @Override public String envVar() { return envVar; }
    @Override public int classes() { return trainCounts.length; }
    @Override public String installHint() { return installHint; }
    @Override public List<URI> defaultMirrors() { return mirrors; }

    int[] expectedCounts(Split split) {
        return (split == Split.TRAIN ? trainCounts : testCounts).clone();
    }

    @Override
    public String missing(Path dir, Split split) {
        if (!Files.isDirectory(dir)) {
            return Files.exists(dir) ? "is not a folder" : "does not exist";
        }
        List<String> lacking = new ArrayList<>();
        for (String f : List.of(imagesFile(split), labelsFile(split))) {
            if (find(dir, f) == null) {
                lacking.add(f + "[.gz]");
            }
        }
        return lacking.isEmpty() ? null : "lacks " + String.join(" and ", lacking);
    }

    @Override
    public String wantedFiles(Split split) {
        return imagesFile(split) + " and " + labelsFile(split) + " (each plain or with .gz)";
    }

    @Override
    public List<Path> systemDirs(Path systemRoot) {
        return systemDirs.stream().map(systemRoot::resolve).toList();
    }

    @Override
    public List<String> downloadFiles() {
        List<String> files = new ArrayList<>();
        for (Split s : Split.values()) {
            files.add(imagesFile(s) + ".gz");
            files.add(labelsFile(s) + ".gz");
        }
        return files;
    }

    @Override
    public Dataset read(Path dir, Split split) throws IOException {
        Idx.IdxArray[] il = check(dir, split);
        return Dataset.fromBytes(name + "-" + split.id(), il[0].data(), il[1].data(), classes(), 1,
                SIDE, SIDE);
    }

    @Override
    public void validate(Path dir) throws IOException {
        for (Split s : Split.values()) {
            check(dir, s);
        }
    }

    /** Reads and validates a split's images and labels. */
    private Idx.IdxArray[] check(Path dir, Split split) throws IOException {
        String why = missing(dir, split);
        if (why != null) {
            throw new DataNotFoundException(title + " (" + split.id() + " split): " + dir + " " + why);
        }
        Path imagesPath = find(dir, imagesFile(split));
        Path labelsPath = find(dir, labelsFile(split));
        Idx.IdxArray images = Idx.readImages(imagesPath);
        Idx.IdxArray labels = Idx.readLabels(labelsPath);
        int[] want = expectedCounts(split);
        int n = Arrays.stream(want).sum();
        String redo = "; it is not the standard " + title + " " + split.id() + " set. " + installHint;
        if (images.dims().length != 3 || images.dims()[0] != n || images.dims()[1] != SIDE
                || images.dims()[2] != SIDE) {
            throw new FormatException(imagesPath, "holds images of dimensions "
                    + Arrays.toString(images.dims()) + " but " + title + " " + split.id() + " has "
                    + n + " images of " + SIDE + " x " + SIDE + redo);
        }
        if (labels.count() != n) {
            throw new FormatException(labelsPath, "holds " + labels.count() + " labels but " + title
                    + " " + split.id() + " has " + n + redo);
        }
        int[] counts = new int[want.length];
        byte[] y = labels.data();
        for (int i = 0; i < y.length; i++) {
            int v = y[i] & 0xFF;
            if (v >= counts.length) {
                throw new FormatException(labelsPath, "label " + v + " of sample " + i
                        + " is outside 0.." + (counts.length - 1) + redo);
            }
            counts[v]++;
        }
        if (!Arrays.equals(counts, want)) {
            throw new FormatException(labelsPath, "label counts per class " + Arrays.toString(counts)
                    + " differ from " + title + "'s " + Arrays.toString(want) + redo);
        }
        return new Idx.IdxArray[] {images, labels};
    }
}
