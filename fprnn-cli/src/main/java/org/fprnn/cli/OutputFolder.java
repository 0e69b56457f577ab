package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The output folder of a command, checked before any work: it is created if missing, must be a
 * folder and writable (a file, a read-only or an immutable folder is a {@link UserError} at once,
 * not after the computation).
 */
public final class OutputFolder {
    private OutputFolder() {
    }

    /** Creates dir if missing and checks that a file can be created in it. */
    static void prepare(Path dir) throws IOException {
        requireFolder(dir);
        Files.createDirectories(dir);
        requireWritable(dir);
    }

    /**
     * For a results folder that is made later (fprnn run, fprnn train): refuses a path that is a file,
     * or an existing folder in which no file can be created, before any work.
     */
    public static void check(Path dir) throws IOException {
        requireFolder(dir);
        if (Files.isDirectory(dir)) {
            requireWritable(dir);
        }
    }

    private static void requireFolder(Path dir) {
        if (dir.toString().isBlank()) {
            // Path.of("") is the working folder: the outputs would land beside the user's own files.
            throw new UserError("--out is empty; give the folder to write into (\".\" if you mean the working folder)");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UserError(dir + " exists and is not a folder; give a folder (new or existing) as --out");
        }
    }

    private static void requireWritable(Path dir) throws IOException {
        try {
            Files.delete(Files.createTempFile(dir, ".fprnn-write-check", ".tmp"));
        } catch (java.nio.file.FileSystemException e) {
            throw new UserError(UserError.cannotWrite("the folder " + dir, e instanceof java.nio.file.AccessDeniedException
                    ? "permission denied" : e.getReason()), e);
        }
    }

    /**
     * For a command that writes a known set of files (fprnn rule): prepares dir and refuses one that
     * already holds files, unless overwrite; with overwrite it still refuses files the command does not
     * write (a user's own files are never removed). Returns the names of the files found, for
     * {@link #removeStale}.
     *
     * @param ours the names of files the command may write
     */
    static Set<String> prepareForOverwrite(Path dir, boolean overwrite, Predicate<String> ours, String command)
            throws IOException {
        prepare(dir);
        Set<String> found = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> found.add(p.getFileName().toString()));
        }
        found.remove(org.fprnn.cli.report.FolderLock.FILE);    // the command's own lock, taken before this check
        if (found.isEmpty()) {
            return found;
        }
        if (!overwrite) {
            throw new UserError(dir + " already holds files (" + sample(found) + "); give an empty or new folder as"
                    + " --out, or add --overwrite to replace " + command + "'s earlier outputs there");
        }
        List<String> foreign = found.stream().filter(ours.negate()).toList();
        if (!foreign.isEmpty()) {
            throw new UserError(dir + " holds files that " + command + " does not write (" + sample(foreign)
                    + "); --overwrite replaces only " + command + "'s own outputs: give another folder as --out");
        }
        return found;
    }

    /** Deletes the files found before that this call did not write again (stale outputs of an earlier call). */
    static void removeStale(Path dir, Set<String> before, Set<String> written) throws IOException {
        for (String name : before) {
            if (!written.contains(name)) {
                Files.deleteIfExists(dir.resolve(name));
            }
        }
    }

    private static String sample(java.util.Collection<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 4 ? String.join(", ", l) : String.join(", ", l.subList(0, 4)) + " and " + (l.size() - 4) + " more";
    }
}
