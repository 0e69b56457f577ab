package org.fprnn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.ResultsFolder;

/**
 * fprnn simulate's output folder, through which every output is written. It is opened only once the
 * input has been checked, and then: refused unless it is new, empty or an earlier simulate's (it
 * holds tracking.json or sweep.json and nothing but simulate's files), so that a training sweep's
 * results or a user's own files are never written over; locked for as long as simulate writes (a
 * folder another fprnn command holds is refused, naming it); and, once the run has written
 * everything, cleared of the earlier call's outputs that this one did not write again (a sweep's
 * sweep.json after a single run, say), so that the folder describes one run only.
 */
final class SimulateOutput implements AutoCloseable {
    /** What simulate writes at the top of its folder. */
    static final Set<String> FILES = Set.of("trajectory.npy", "fixed_points.npy", "readout.npy", "tracking.json",
            "sweep.json", "results.md");
    /** Its figures, in figures/. */
    static final Set<String> FIGURES = Set.of("tracking.png", "sweep.png");

    private final Path dir;
    private final String command;
    private final PrintWriter out;
    private FolderLock lock;
    private ResultsFolder folder;
    /** simulate's files found when the folder was opened, relative to it ("figures/sweep.png"). */
    private final Set<String> before = new TreeSet<>();
    /** The files this call wrote, relative to the folder. */
    private final Set<String> written = new TreeSet<>();

    SimulateOutput(Path dir, String command, PrintWriter out) {
        this.dir = dir;
        this.command = command;
        this.out = out;
    }

    /** Prepares, checks and locks the folder (at most once); returns this, to write through. */
    SimulateOutput open() throws IOException {
        if (lock != null) {
            return this;
        }
        OutputFolder.prepare(dir);
        List<String> foreign = new ArrayList<>();
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (FILES.contains(name) && Files.isRegularFile(p)) {
                before.add(name);
            } else if (name.equals("figures") && Files.isDirectory(p)) {
                for (Path f : list(p)) {
                    String fig = f.getFileName().toString();
                    if (FIGURES.contains(fig) && Files.isRegularFile(f)) {
                        before.add("figures/" + fig);
                    } else if (!temporary(fig)) {
                        foreign.add("figures/" + fig);
                    }
                }
            } else if (!name.equals(FolderLock.FILE) && !temporary(name)) {
                foreign.add(name);
            }
        }
        if (foreign.isEmpty() && !before.isEmpty() && !before.contains("tracking.json") && !before.contains("sweep.json")) {
            foreign.addAll(before);   // simulate's names, but no run of simulate wrote them
        }
        if (!foreign.isEmpty()) {
            throw new UserError(dir + " holds files that fprnn simulate did not write (" + String.join(", ",
                    foreign.subList(0, Math.min(4, foreign.size()))) + (foreign.size() > 4 ? ", ..." : "")
                    + "), such as a training sweep's results; simulate writes only into a new or empty folder or one"
                    + " an earlier simulate wrote: give another folder as --out");
        }
        lock = FolderLock.acquire(dir, command, null, out);
        folder = new ResultsFolder(dir);
        return this;
    }

    /** Writes a text output atomically. */
    void writeText(String name, String text) throws IOException {
        folder.writeText(mine(name), text);
    }

    /** The path of a figure to write, in figures/. */
    Path figure(String name) {
        mine("figures/" + name);
        return folder.figure(name);
    }

    /** The path of an output file to write. */
    Path file(String name) {
        return dir.resolve(mine(name));
    }

    private String mine(String name) {
        written.add(name);
        return name;
    }

    /** Deletes the earlier call's outputs that this call did not write; nothing if never opened. */
    void removeStale() throws IOException {
        for (String name : before) {
            if (!written.contains(name)) {
                Files.deleteIfExists(dir.resolve(name));
            }
        }
    }

    /** A temporary file of an atomic write (".NAME.RANDOM.tmp") or of the folder checks. */
    private static boolean temporary(String name) {
        return name.startsWith(".") && name.endsWith(".tmp");
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }
}
