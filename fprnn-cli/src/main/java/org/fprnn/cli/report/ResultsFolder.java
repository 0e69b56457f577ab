package org.fprnn.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.io.AtomicFiles;

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

    /**
     * Writes text (UTF-8) atomically, through {@link AtomicFiles}, whose temporary file is created with
     * the default permissions (0644 under a usual umask), as every other file of the folder.
     */
    public static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
