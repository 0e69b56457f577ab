package org.fprnn.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A results folder: files are written atomically (temp file, then rename) so a crash leaves no half file. */
public final class ResultsFolder {
    private final Path root;

    public ResultsFolder(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("figures"));
    }

    public Path root() {
        return root;
    }

    public Path figure(String name) {
        return root.resolve("figures").resolve(name);
    }

    public void writeText(String name, String text) throws IOException {
        writeAtomically(root.resolve(name), text);
    }

    public static void writeAtomically(Path file, String text) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
