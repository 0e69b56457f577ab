package org.fprnn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.ResultsFolder;

/**
 * fprnn simulate's output folder. It is opened only once the input has been checked, and then:
 * refused if it holds files simulate does not write (a training sweep's results, a user's own
 * files: simulate never writes over them), locked for as long as simulate writes (a folder another
 * fprnn command holds is refused, naming it), and, once the run has written everything, cleared of
 * simulate's outputs from an earlier call that this one did not write again (a sweep's sweep.json
 * after a single run, say), so that the folder describes one run only.
 */
final class SimulateOutput implements AutoCloseable {
    /** What simulate writes at the top of its folder (figures/ holds PNGs only). */
    static final Set<String> OWN = Set.of("trajectory.npy", "fixed_points.npy", "readout.npy", "tracking.json",
            "sweep.json", "results.md", "figures", FolderLock.FILE);

    private final Path dir;
    private final String command;
    private final PrintWriter out;
    private FolderLock lock;
    private FileTime opened;

    SimulateOutput(Path dir, String command, PrintWriter out) {
        this.dir = dir;
        this.command = command;
        this.out = out;
    }

    /** Prepares, checks and locks the folder (at most once) and returns it for writing. */
    ResultsFolder open() throws IOException {
        if (lock == null) {
            OutputFolder.prepare(dir);
            List<String> foreign = new ArrayList<>();
            for (Path p : list(dir)) {
                String name = p.getFileName().toString();
                boolean own = OWN.contains(name) && (!name.equals("figures") || Files.isDirectory(p)) || temporary(name);
                if (!own) {
                    foreign.add(name);
                }
            }
            if (!foreign.isEmpty()) {
                throw new UserError(dir + " holds files that fprnn simulate does not write (" + String.join(", ",
                        foreign.subList(0, Math.min(4, foreign.size()))) + (foreign.size() > 4 ? ", ..." : "")
                        + "), such as a training sweep's results; simulate writes only into a new folder or one of its"
                        + " own: give another folder as --out");
            }
            lock = FolderLock.acquire(dir, command, out);
            // A file written from here on is newer than this instant (by the file system's own clock).
            Path probe = Files.createTempFile(dir, ".fprnn-clock", ".tmp");
            opened = Files.getLastModifiedTime(probe);
            Files.delete(probe);
        }
        return new ResultsFolder(dir);
    }

    /**
     * Deletes simulate's outputs that this call did not write (older than its opening), at the top of
     * the folder and in figures/; does nothing if the folder was never opened.
     */
    void removeStale() throws IOException {
        if (lock == null) {
            return;
        }
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (name.equals("figures") && Files.isDirectory(p)) {
                for (Path f : list(p)) {
                    if (f.getFileName().toString().endsWith(".png") && stale(f)) {
                        Files.delete(f);
                    }
                }
            } else if (OWN.contains(name) && !name.equals(FolderLock.FILE) && stale(p)) {
                Files.delete(p);
            }
        }
    }

    private boolean stale(Path p) throws IOException {
        return Files.isRegularFile(p) && Files.getLastModifiedTime(p).compareTo(opened) < 0;
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
