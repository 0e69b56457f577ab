package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled OpenBLAS's copy into the cache: checked on every use, repaired when damaged, safe when raced. */
class BundledOpenBlasTest {
    @TempDir
    Path dir;

    @BeforeEach
    void theArtifactIsOnTheClassPath() {
        assumeTrue(BundledOpenBlas.platformServed(), "org.bytedeco:openblas serves linux-x86_64 only");
        assertTrue(BundledOpenBlas.present(), "fprnn-core depends on org.bytedeco:openblas (linux-x86_64): it must"
                + " be on the test class path");
    }

    @Test
    void theFilesAreCopiedOnceAndThenReused() throws IOException {
        Path folder = BundledOpenBlas.extract(dir);
        assertTrue(folder.getFileName().toString().startsWith("openblas-" + BundledOpenBlas.version() + "-"), folder.toString());
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        for (String name : BundledOpenBlas.FILES) {
            Path f = folder.resolve(name);
            assertTrue(Files.size(f) > 0, f.toString());
            Files.setLastModifiedTime(f, old);
        }
        assertEquals(folder, BundledOpenBlas.extract(dir));
        for (String name : BundledOpenBlas.FILES) {
            assertEquals(old, Files.getLastModifiedTime(folder.resolve(name)), name + " was copied again though it matched");
        }
        assertEquals(List.of(), leftovers(folder));
    }

    @Test
    void aDamagedOrTruncatedCopyIsReplaced() throws IOException {
        Path folder = BundledOpenBlas.extract(dir);
        Path lib = folder.resolve("libopenblas.so.0");
        Path gfortran = folder.resolve("libgfortran.so.5");
        byte[] original = Files.readAllBytes(lib);
        long gfortranSize = Files.size(gfortran);
        try (FileChannel ch = FileChannel.open(lib, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x7f ^ 1, 'X', 'Y', 'Z'}), original.length / 2); // same size, other bytes
        }
        try (FileChannel ch = FileChannel.open(gfortran, StandardOpenOption.WRITE)) {
            ch.truncate(gfortranSize / 3);
        }
        BundledOpenBlas.extract(dir);
        assertTrue(java.util.Arrays.equals(original, Files.readAllBytes(lib)), "the damaged library was not copied anew");
        assertEquals(gfortranSize, Files.size(gfortran), "the truncated libgfortran was not copied anew");
    }

    /** Processes copying at once: here threads of one process, which take the same path (temporary file, atomic rename). */
    @Test
    void copiesMadeAtTheSameTimeAllSucceed() throws Exception {
        int n = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Path>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callable<Path> copy = () -> {
                    start.await();
                    return BundledOpenBlas.extract(dir);
                };
                done.add(pool.submit(copy));
            }
            start.countDown();
            Path first = done.getFirst().get();
            for (Future<Path> f : done) {
                assertEquals(first, f.get());
            }
            assertEquals(List.of(), leftovers(first));
            Path again = dir.resolve("again");
            Files.createDirectories(again);
            Path reference = BundledOpenBlas.extract(again);
            for (String name : BundledOpenBlas.FILES) {
                assertTrue(java.util.Arrays.equals(Files.readAllBytes(reference.resolve(name)),
                        Files.readAllBytes(first.resolve(name))), name);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCacheFolderThatCannotBeMadeIsAnErrorNamingIt() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        IOException e = assertThrows(IOException.class, () -> BundledOpenBlas.extract(file));
        assertTrue(e.getMessage().contains("not-a-folder"), e.getMessage());
    }

    @Test
    void theTempFolderFallbackComesAfterTheUsersCache() {
        assumeTrue(BundledOpenBlas.explicitCache() == null, "fprnn.cache / FPRNN_CACHE is set");
        List<Path> folders = BundledOpenBlas.cacheFolders();
        assertEquals(2, folders.size(), folders.toString());
        assertTrue(folders.getLast().startsWith(Path.of(System.getProperty("java.io.tmpdir"))), folders.toString());
        assertFalse(folders.getFirst().startsWith(Path.of(System.getProperty("java.io.tmpdir"))), folders.toString());
    }

    /** Temporary files left in the folder (there must be none). */
    private static List<Path> leftovers(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }
}
