package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.fprnn.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An IDX folder is a data source like the others: located through DataSets, read split by split. */
class IdxFolderTest {
    @TempDir
    Path dir;

    /** Writes one split: n images of h x w pixels (pixel value = sample index) and the given labels. */
    private void write(String prefix, int h, int w, int... labels) throws IOException {
        int n = labels.length;
        byte[] pixels = new byte[n * h * w];
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(pixels, i * h * w, (i + 1) * h * w, (byte) i);
            y[i] = (byte) labels[i];
        }
        Idx.write(dir.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, h, w}, pixels, false);
        Idx.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[] {n}, y, true);
    }

    @Test
    void bothSplitsAreFoundAndTheClassesComeFromTheTrainingLabels() throws IOException {
        write("train", 3, 2, 0, 1, 2, 1);
        write("t10k", 3, 2, 2, 0);
        DataSource src = DataSets.source("idx", null);
        DataOptions opt = DataOptions.defaults().withDir(dir);
        assertNull(src.missing(dir, Split.TEST));
        Dataset train = DataSets.load(src, Split.TRAIN, opt);
        Dataset test = DataSets.load(src, Split.TEST, opt);
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        assertEquals(3, test.classes(), "the training labels' range 0..2, also for the test split");
        assertEquals(3, train.height());
        assertEquals(2, train.width());
        assertEquals(2, test.labels()[0]);
        assertEquals(1 / 255.0, test.x().get(1, 0), 1e-7);
        assertEquals(5, DataSets.load(new IdxFolder(5), Split.TEST, opt).classes());
    }

    @Test
    void aMissingFileIsNamedWithWhatTheFolderShouldHold() {
        var e = assertThrows(DataNotFoundException.class,
                () -> DataSets.load(new IdxFolder(null), Split.TRAIN, DataOptions.defaults().withDir(dir)));
        assertTrue(e.getMessage().contains("lacks train-images-idx3-ubyte (or train-images-idx3-ubyte.gz)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("data.data_dir"), e.getMessage());
    }

    @Test
    void testImagesOfAnotherShapeAndStrayLabelsAreFormatErrors() throws IOException {
        write("train", 3, 2, 0, 1, 1);
        write("t10k", 2, 3, 0);
        DataOptions opt = DataOptions.defaults().withDir(dir);
        var shape = assertThrows(FormatException.class, () -> DataSets.load(new IdxFolder(null), Split.TEST, opt));
        assertTrue(shape.getMessage().contains("holds images of 2 x 3 pixels, but the training images"),
                shape.getMessage());
        write("t10k", 3, 2, 0, 7);
        var label = assertThrows(FormatException.class, () -> DataSets.load(new IdxFolder(null), Split.TEST, opt));
        assertTrue(label.getMessage().contains("label 7 at index 1 is outside the classes 0..1"), label.getMessage());
    }

    @Test
    void onlyAnIdxFolderTakesANumberOfClasses() {
        assertThrows(IllegalArgumentException.class, () -> DataSets.source("mnist", 10));
        assertEquals("mnist", DataSets.source("mnist", null).name());
        assertThrows(IllegalArgumentException.class, () -> new IdxFolder(1));
    }

    /**
     * An empty split (it crashed the trainer's test pass with a division by zero), training labels of a
     * single class, and a data_dir that is a file or does not exist are each refused naming the cause.
     */
    @Test
    void emptySplitsASingleClassAndAFolderThatIsNotOneAreNamed() throws IOException {
        DataOptions opt = DataOptions.defaults().withDir(dir);
        write("train", 3, 2, 0, 1, 1);
        write("t10k", 3, 2);
        var empty = assertThrows(FormatException.class, () -> DataSets.load(new IdxFolder(null), Split.TEST, opt));
        assertTrue(empty.getMessage().contains("t10k-images-idx3-ubyte") && empty.getMessage().contains("holds no images"),
                empty.getMessage());
        write("train", 3, 2);
        var noTrain = assertThrows(FormatException.class, () -> DataSets.load(new IdxFolder(null), Split.TRAIN, opt));
        assertTrue(noTrain.getMessage().contains("train-images-idx3-ubyte") && noTrain.getMessage().contains("holds no images"),
                noTrain.getMessage());
        write("train", 3, 2, 0, 0, 0);
        write("t10k", 3, 2, 0);
        var oneClass = assertThrows(FormatException.class, () -> DataSets.load(new IdxFolder(null), Split.TEST, opt));
        assertTrue(oneClass.getMessage().contains("every training sample label 0"), oneClass.getMessage());
        assertEquals(2, DataSets.load(new IdxFolder(2), Split.TRAIN, opt).classes(), "declared classes are taken");

        Path file = java.nio.file.Files.writeString(dir.resolve("afile"), "x");
        var notFolder = assertThrows(DataNotFoundException.class,
                () -> DataSets.load(new IdxFolder(null), Split.TRAIN, DataOptions.defaults().withDir(file)));
        assertTrue(notFolder.getMessage().contains("afile, is not a folder"), notFolder.getMessage());
        var gone = assertThrows(DataNotFoundException.class, () -> DataSets.load(new IdxFolder(null), Split.TRAIN,
                DataOptions.defaults().withDir(dir.resolve("gone"))));
        assertTrue(gone.getMessage().contains("gone, does not exist"), gone.getMessage());
    }
}
