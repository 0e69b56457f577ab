package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.fprnn.io.FormatException;
import org.fprnn.linalg.FMatrix;

/**
 * CIFAR-10 in its binary version: 32 x 32 colour images of 10 classes, 50,000 for training in
 * data_batch_1.bin .. data_batch_5.bin and 10,000 for testing in test_batch.bin. Each record is
 * one label byte followed by 3072 pixel bytes: the red, green and blue planes, each 32 rows of 32
 * (so a sample's features are in CHW order).
 *
 * <p>A folder holds CIFAR-10 if it contains the .bin files, a cifar-10-batches-bin folder with
 * them (as the archive unpacks), or the archive cifar-10-binary.tar.gz itself, which is read
 * directly.
 */
public final class Cifar10 {
    private Cifar10() {
    }

    public static final int CHANNELS = 3;
    public static final int SIDE = 32;
    public static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    public static final String ARCHIVE = "cifar-10-binary.tar.gz";
    public static final String FOLDER = "cifar-10-batches-bin";
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final List<String> TEST_FILES = List.of("test_batch.bin");
    public static final List<String> CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat",
            "deer", "dog", "frog", "horse", "ship", "truck");

    /** The usual public copy of the archive. */
    public static final List<URI> MIRRORS = List.of(URI.create("https://www.cs.toronto.edu/~kriz/"));

    public static final DataSource SOURCE = new Source();

    /** Loads "train" or "test", found as {@link DataSets} describes, with exact size checks. */
    public static Dataset load(String split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, Split.parse(split), options);
    }

    public static Dataset load(Split split, DataOptions options) throws IOException {
        return DataSets.load(SOURCE, split, options);
    }

    public static List<String> files(Split split) {
        return split == Split.TRAIN ? TRAIN_FILES : TEST_FILES;
    }

    /** Reads one batch file of any number of records. */
    public static Dataset readBatch(Path binFile) throws IOException {
        return toDataset(binFile.getFileName().toString(), List.of(binFile.toString()),
                List.of(Files.readAllBytes(binFile)));
    }

    /**
     * Reads a split from a folder (holding the .bin files, a cifar-10-batches-bin folder, or the
     * archive) or from a .tar.gz archive, with any number of records per file.
     */
    public static Dataset read(Path location, Split split) throws IOException {
        List<String> sources = new ArrayList<>();
        List<byte[]> batches = readBatches(location, split, sources);
        return toDataset("cifar10-" + split.id(), sources, batches);
    }

    private static List<byte[]> readBatches(Path location, Split split, List<String> sources)
            throws IOException {
        List<String> files = files(split);
        if (Files.isDirectory(location)) {
            for (Path dir : List.of(location, location.resolve(FOLDER))) {
                if (files.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)))) {
                    List<byte[]> out = new ArrayList<>();
                    for (String f : files) {
                        sources.add(dir.resolve(f).toString());
                        out.add(Files.readAllBytes(dir.resolve(f)));
                    }
                    return out;
                }
            }
            Path archive = location.resolve(ARCHIVE);
            if (!Files.isRegularFile(archive)) {
                throw new DataNotFoundException("CIFAR-10 (" + split.id() + " split): " + location
                        + " holds neither " + String.join(", ", files) + " (directly or in " + FOLDER
                        + "/) nor " + ARCHIVE);
            }
            location = archive;
        }
        Map<String, byte[]> entries = Tar.read(location, new HashSet<>(files)::contains);
        List<byte[]> out = new ArrayList<>();
        for (String f : files) {
            byte[] b = entries.get(f);
            if (b == null) {
                throw new FormatException(location, "the archive lacks " + f + "; a CIFAR-10 binary "
                        + "archive holds " + FOLDER + "/" + String.join(", ", TRAIN_FILES) + " and "
                        + TEST_FILES.getFirst());
            }
            sources.add(location + "!" + f);
            out.add(b);
        }
        return out;
    }

    /**
     * Checks that each batch is a whole number of records with labels 0..9 and returns the number
     * of records per class.
     */
    private static int[] checkRecords(List<String> sources, List<byte[]> batches)
            throws FormatException {
        int[] counts = new int[CLASS_NAMES.size()];
        long total = 0;
        for (int k = 0; k < batches.size(); k++) {
            byte[] b = batches.get(k);
            if (b.length == 0 || b.length % RECORD_BYTES != 0) {
                throw new FormatException(sources.get(k), b.length + " bytes is not a whole number "
                        + "of CIFAR-10 records (1 label byte + " + IMAGE_BYTES + " pixel bytes = "
                        + RECORD_BYTES + " bytes each); the file is truncated or not CIFAR-10 binary");
            }
            for (int r = 0; r < b.length / RECORD_BYTES; r++) {
                int label = b[r * RECORD_BYTES] & 0xFF;
                if (label >= counts.length) {
                    throw new FormatException(sources.get(k), "record " + r + " has label " + label
                            + "; CIFAR-10 labels are 0..9 (is this CIFAR-100?)");
                }
                counts[label]++;
            }
            total += b.length / RECORD_BYTES;
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new FormatException(sources.getFirst(), "too many records (" + total
                    + ") to hold in one array");
        }
        return counts;
    }

    private static Dataset toDataset(String name, List<String> sources, List<byte[]> batches)
            throws FormatException {
        int n = Arrays.stream(checkRecords(sources, batches)).sum();
        float[] x = new float[n * IMAGE_BYTES];
        int[] y = new int[n];
        float[] lut = new float[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = v / 255f;
        }
        int row = 0;
        for (byte[] b : batches) {
            for (int r = 0; r < b.length / RECORD_BYTES; r++, row++) {
                int off = r * RECORD_BYTES;
                y[row] = b[off] & 0xFF;
                int dst = row * IMAGE_BYTES;
                for (int j = 0; j < IMAGE_BYTES; j++) {
                    x[dst + j] = lut[b[off + 1 + j] & 0xFF];
                }
            }
        }
        return new Dataset(name, new FMatrix(n, IMAGE_BYTES, x), y, CLASS_NAMES.size(), CHANNELS,
                SIDE, SIDE);
    }

    private static final class Source implements DataSource {
        @Override public String name() { return "cifar10"; }
        @Override public String title() { return "CIFAR-10"; }
        @Override public String envVar() { return "FPRNN_CIFAR10_DIR"; }
        @Override public int classes() { return 10; }
        @Override public List<Path> systemDirs(Path systemRoot) { return List.of(); }
        @Override public List<String> downloadFiles() { return List.of(ARCHIVE); }
        @Override public List<URI> defaultMirrors() { return MIRRORS; }

        @Override
        public String installHint() {
            return "./setup.sh does not fetch CIFAR-10: put " + ARCHIVE + " (from "
                    + "https://www.cs.toronto.edu/~kriz/cifar.html) or its unpacked " + FOLDER
                    + " folder into data/cifar10/, or allow downloading.";
        }

        @Override
        public String missing(Path dir, Split split) {
            if (!Files.isDirectory(dir)) {
                return Files.exists(dir) ? "is not a folder" : "does not exist";
            }
            for (Path d : List.of(dir, dir.resolve(FOLDER))) {
                if (files(split).stream().allMatch(f -> Files.isRegularFile(d.resolve(f)))) {
                    return null;
                }
            }
            if (Files.isRegularFile(dir.resolve(ARCHIVE))) {
                return null;
            }
            return "holds neither the .bin files (directly or in " + FOLDER + "/) nor " + ARCHIVE;
        }

        @Override
        public String wantedFiles(Split split) {
            return String.join(", ", files(split)) + " (directly or in " + FOLDER + "/), or " + ARCHIVE;
        }

        @Override
        public Dataset read(Path dir, Split split) throws IOException {
            List<String> sources = new ArrayList<>();
            List<byte[]> batches = readBatches(dir, split, sources);
            check(dir, split, checkRecords(sources, batches));
            return toDataset("cifar10-" + split.id(), sources, batches);
        }

        @Override
        public void validate(Path dir) throws IOException {
            for (Split s : Split.values()) {
                List<String> sources = new ArrayList<>();
                check(dir, s, checkRecords(sources, readBatches(dir, s, sources)));
            }
        }

        private void check(Path dir, Split split, int[] counts) throws FormatException {
            int per = split == Split.TRAIN ? 5000 : 1000;
            int n = Arrays.stream(counts).sum();
            String what = "CIFAR-10 " + split.id() + " set";
            if (n != per * 10) {
                throw new FormatException(dir, "holds " + n + " images for the " + split.id()
                        + " split but the " + what + " has " + per * 10 + "; " + installHint());
            }
            int[] want = new int[10];
            Arrays.fill(want, per);
            if (!Arrays.equals(counts, want)) {
                throw new FormatException(dir, "label counts " + Arrays.toString(counts)
                        + " differ from the " + what + "'s " + per + " per class; " + installHint());
            }
        }
    }
}
