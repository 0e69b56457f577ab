package org.fprnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an atomic write replaces: regular files only, through symbolic links, never a folder or a device. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The names in dir, to show that a refused write leaves no temporary file behind. */
    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesARegularFileAndCreatesAMissingOne() throws IOException {
        Path file = dir.resolve("a.bin");
        AtomicFiles.write(file, text("old"));
        AtomicFiles.write(file, text("new"));
        assertEquals("new", Files.readString(file));
        assertEquals(List.of("a.bin"), names());
    }

    @Test
    void writesThroughASymbolicLinkAndKeepsTheLink() throws IOException {
        Path real = Files.createDirectories(dir.resolve("real")).resolve("weights.bin");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), Path.of("real", "weights.bin"));
        Path linkToLink = Files.createSymbolicLink(dir.resolve("link2.bin"), link);

        AtomicFiles.write(linkToLink, text("new"));

        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertTrue(Files.isSymbolicLink(linkToLink), "the link to the link is still a link");
        assertEquals("new", Files.readString(real));
    }

    @Test
    void aDanglingLinkCreatesTheFileItNames() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), dir.resolve("missing.bin"));
        AtomicFiles.write(link, text("made"));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("made", Files.readString(dir.resolve("missing.bin")));
    }

    @Test
    void refusesAFolderEvenAnEmptyOne() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("out"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(folder, text("x")));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
        assertTrue(Files.isDirectory(folder), "the folder is left as it was");
        assertEquals(List.of("out"), names());
    }

    @Test
    void refusesANamedPipeAndLeavesIt() throws Exception {
        Path fifo = dir.resolve("pipe");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        } catch (IOException noMkfifo) {
            assumeTrue(false, "mkfifo is not available here");
            return;
        }
        assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo did not make a pipe");
        assertTrue(!Files.isRegularFile(fifo) && !Files.isDirectory(fifo));

        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(fifo, text("x")));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the pipe is left as it was");
        assertEquals(List.of("pipe"), names());

        // Through a link, the message names both the link and the pipe it names.
        Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);
        e = assertThrows(IOException.class, () -> AtomicFiles.write(link, text("x")));
        assertTrue(e.getMessage().startsWith(link + " (" + fifo + ")"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aFolderWithoutWritePermissionGivesAMessageNamingTheTarget() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("locked"));
        Path file = folder.resolve("weights.bin");
        assumeTrue(folder.toFile().setWritable(false, false), "cannot take the folder's write permission");
        boolean immutable = false;
        try {
            if (Files.isWritable(folder)) {
                // root writes into read-only folders (as in CI), but not into an immutable one
                immutable = chattr("+i", folder);
                assumeTrue(immutable && !Files.isWritable(folder), "this user writes into read-only folders (root),"
                        + " and chattr +i could not stop it");
            }
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, text("x")));
            assertTrue(e.getMessage().startsWith("cannot write " + file + ": no new file can be made in its folder"),
                    e.getMessage());
        } finally {
            if (immutable) {
                chattr("-i", folder);   // (if it failed, the temporary folder's removal says so)
            }
            folder.toFile().setWritable(true, false);
        }
    }

    /** Runs chattr FLAG PATH; false if it is missing or fails (a file system without the flag, no capability). */
    private static boolean chattr(String flag, Path path) {
        try {
            Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void refusesALoopOfLinks() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(a, text("x")));
        assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage());
    }
}
