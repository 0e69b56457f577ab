package org.fprnn.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A process for {@link FolderLockTest}: holds a shared lock on the file named by its argument, as
 * fprnn run --status does for a moment, prints "locked", and releases it when a line arrives on its
 * standard input (or the input closes).
 */
final class SharedLockHolder {
    private SharedLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ);
             FileLock lock = ch.lock(0, Long.MAX_VALUE, true)) {
            System.out.println("locked");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
    }
}
