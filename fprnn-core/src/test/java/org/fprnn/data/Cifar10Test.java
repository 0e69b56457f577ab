package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir
    Path dir;

    /** Batch k of the small set: 2 train records per batch with labels k, k + 5; 3 test records. */
    static byte[] trainBatch(int k) {
        return TestData.cifarRecords(new byte[] {(byte) k, (byte) (k + 5)}, true);
    }

    static byte[] testBatch() {
        return TestData.cifarRecords(new byte[] {9, 0, 4}, true);
    }

    void writeBins(Path d) throws IOException {
        Files.createDirectories(d);
        for (int k = 0; k < 5; k++) {
            Files.write(d.resolve(Cifar10.TRAIN_FILES.get(k)), trainBatch(k));
        }
        Files.write(d.resolve("test_batch.bin"), testBatch());
    }

    Map<String, byte[]> archiveEntries() {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put(Cifar10.FOLDER + "/", null);
        e.put(Cifar10.FOLDER + "/readme.html", "<html></html>".getBytes());
        // the real archive does not list the batches in order either
        List<Integer> order = new ArrayList<>(List.of(2, 0, 4, 1, 3));
        e.put(Cifar10.FOLDER + "/test_batch.bin", testBatch());
        for (int k : order) {
            e.put(Cifar10.FOLDER + "/" + Cifar10.TRAIN_FILES.get(k), trainBatch(k));
        }
        return e;
    }

    static void assertSmallTrainSet(Dataset d) {
        assertEquals(10, d.size());
        assertEquals(3072, d.features());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        assertArrayEquals(new int[] {0, 5, 1, 6, 2, 7, 3, 8, 4, 9}, d.labels());
        // sample 3 is record 1 of batch 2 (label 6): pixel j = (1 * 31 + j + 6) mod 256; the
        // green channel's row 2, column 3 is pixel 1024 + 2 * 32 + 3
        int j = 1024 + 2 * 32 + 3;
        assertEquals(((31 + j + 6) & 0xFF) / 255f, d.x().get(3, j));
        assertEquals((31 + 6) / 255f, d.x().get(3, 0));
    }

    @Test
    void readsBinFilesFromAFolderAndFromTheBatchesSubfolder() throws IOException {
        writeBins(dir.resolve("flat"));
        assertSmallTrainSet(Cifar10.read(dir.resolve("flat"), Split.TRAIN));
        writeBins(dir.resolve("nested").resolve(Cifar10.FOLDER));
        assertSmallTrainSet(Cifar10.read(dir.resolve("nested"), Split.TRAIN));
        Dataset test = Cifar10.read(dir.resolve("flat"), Split.TEST);
        assertArrayEquals(new int[] {9, 0, 4}, test.labels());
        assertEquals(255 / 255f, test.x().get(0, 255 - 9), 0f, "pixel 246 of record 0 (label 9) is 255");
        Dataset one = Cifar10.readBatch(dir.resolve("flat/data_batch_3.bin"));
        assertArrayEquals(new int[] {2, 7}, one.labels());
    }

    @Test
    void readsTheTarGzArchiveDirectlyAndAsTheFolderContent() throws IOException {
        Path archive = dir.resolve(Cifar10.ARCHIVE);
        TestData.writeTar(archive, archiveEntries(), true);
        Dataset fromArchive = Cifar10.read(archive, Split.TRAIN);
        assertSmallTrainSet(fromArchive);
        writeBins(dir.resolve("flat"));
        assertArrayEquals(Cifar10.read(dir.resolve("flat"), Split.TRAIN).x().data, fromArchive.x().data);
        // a folder holding only the archive
        assertSmallTrainSet(Cifar10.read(dir, Split.TRAIN));
        assertArrayEquals(new int[] {9, 0, 4}, Cifar10.read(archive, Split.TEST).labels());
    }

    @Test
    void readsAPlainTarWithLongNames() throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        String deep = "x".repeat(90) + "/" + "y".repeat(40) + "/";
        for (int k = 0; k < 5; k++) {
            e.put(deep + Cifar10.TRAIN_FILES.get(k), trainBatch(k));
        }
        e.put(deep + "test_batch.bin", testBatch());
        Path tar = dir.resolve("cifar.tar");
        TestData.writeTar(tar, e, false);
        assertSmallTrainSet(Cifar10.read(tar, Split.TRAIN));
    }

    @Test
    void malformedBatchesAreRejectedWithTheFileName() throws IOException {
        writeBins(dir);
        Path b2 = dir.resolve("data_batch_2.bin");
        Files.write(b2, Arrays.copyOf(trainBatch(1), 3073 + 100));
        FormatException e = assertThrows(FormatException.class, () -> Cifar10.read(dir, Split.TRAIN));
        assertTrue(e.getMessage().startsWith(b2 + ": ") && e.getMessage().contains("3173 bytes")
                && e.getMessage().contains("3073"), e.getMessage());

        byte[] bad = testBatch();
        bad[3073] = 10;
        Path t = dir.resolve("test_batch.bin");
        Files.write(t, bad);
        FormatException e2 = assertThrows(FormatException.class, () -> Cifar10.read(dir, Split.TEST));
        assertTrue(e2.getMessage().startsWith(t + ": ") && e2.getMessage().contains("record 1 has label 10"),
                e2.getMessage());
    }

    @Test
    void brokenArchivesAreRejectedWithTheFileName() throws IOException {
        Path archive = dir.resolve("a.tar.gz");
        TestData.writeTar(archive, archiveEntries(), true);
        byte[] bytes = Files.readAllBytes(archive);
        Path cut = dir.resolve("cut.tar.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> Cifar10.read(cut, Split.TRAIN));
        assertTrue(e.getMessage().startsWith(cut + ": ") && e.getMessage().contains("truncated"),
                e.getMessage());

        Map<String, byte[]> noTest = archiveEntries();
        noTest.remove(Cifar10.FOLDER + "/test_batch.bin");
        Path partial = dir.resolve("partial.tar.gz");
        TestData.writeTar(partial, noTest, true);
        FormatException e2 = assertThrows(FormatException.class, () -> Cifar10.read(partial, Split.TEST));
        assertTrue(e2.getMessage().startsWith(partial + ": ") && e2.getMessage().contains("lacks test_batch.bin"),
                e2.getMessage());

        Path tar = dir.resolve("plain.tar");
        TestData.writeTar(tar, archiveEntries(), false);
        byte[] t = Files.readAllBytes(tar);
        t[512 + 100] ^= 1; // the second header's mode field: its checksum no longer matches
        Files.write(tar, t);
        FormatException e3 = assertThrows(FormatException.class, () -> Cifar10.read(tar, Split.TRAIN));
        assertTrue(e3.getMessage().startsWith(tar + ": ") && e3.getMessage().contains("checksum"),
                e3.getMessage());

        Path notTar = dir.resolve("not.tar.gz");
        Files.write(notTar, TestData.gzip("hello world, not a tar archive".repeat(30).getBytes()));
        FormatException e4 = assertThrows(FormatException.class, () -> Cifar10.read(notTar, Split.TEST));
        assertTrue(e4.getMessage().startsWith(notTar + ": "), e4.getMessage());
    }

    @Test
    void loadingThroughTheRegistryRequiresTheFullDataSet() throws IOException {
        Path root = dir.resolve("data");
        writeBins(root.resolve("cifar10"));
        DataOptions o = DataOptions.defaults().withEnv(Map.of()).withDataRoot(root)
                .withSystemRoot(dir.resolve("nosys"));
        FormatException e = assertThrows(FormatException.class, () -> Cifar10.load("train", o));
        assertTrue(e.getMessage().contains("holds 10 images") && e.getMessage().contains("50000"),
                e.getMessage());
        assertTrue(e.getMessage().startsWith(root.resolve("cifar10") + ": "), e.getMessage());
    }
}
