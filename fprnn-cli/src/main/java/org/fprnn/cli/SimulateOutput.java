package org.fprnn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.Json;

/**
 * fprnn simulate's output folder, through which every output is written. It is opened only once the
 * input has been checked, and then refused unless it is new, empty or an earlier simulate's, and
 * locked for as long as simulate writes (a folder another fprnn command holds is refused, naming it).
 *
 * <p>Whose files: simulate's JSON output (tracking.json, or sweep.json of a sweep) says
 * {@code "written_by": "fprnn simulate"} and lists the files its call wrote ({@code "files"}). Those
 * are simulate's to replace; any other file in the folder is not, and the folder is refused, so that
 * a training sweep's results or a user's own files (a tracking.json of their own included) are never
 * written over. A JSON output of a simulate from before that mark (its "mode", "network" and
 * "tau_relax" objects) makes the files of simulate's names beside it simulate's.
 *
 * <p>All or nothing: each output is written to a staged file beside its place
 * (".NAME.simulate.tmp"); once the run has written every one, they are moved into place, the JSON
 * last, and the earlier call's outputs that this one did not write again are removed, so that the
 * folder describes one run. A call that fails leaves the folder as it found it: its staged files are
 * deleted, and the folders it made (--out and its missing parents, figures/) and the lock file it made
 * are removed.
 */
final class SimulateOutput implements AutoCloseable {
    /** What simulate writes at the top of its folder. */
    static final Set<String> FILES = Set.of("trajectory.npy", "fixed_points.npy", "readout.npy", "tracking.json",
            "sweep.json", "results.md");
    /** Its figures, in figures/. */
    static final Set<String> FIGURES = Set.of("tracking.png", "sweep.png");
    /** The JSON outputs: tracking.json of one run, sweep.json of a sweep. */
    static final List<String> JSON_FILES = List.of("tracking.json", "sweep.json");
    /** The key of the JSON outputs that marks them as simulate's, and its value. */
    static final String WRITTEN_BY = "written_by";
    static final String SIMULATE = "fprnn simulate";
    /** The key of the JSON outputs that lists the files of the call (relative to the folder, itself included). */
    static final String FILES_KEY = "files";
    /** The "mode" of the JSON outputs, which those written before {@link #WRITTEN_BY} are known by. */
    private static final Set<String> MODES = Set.of("input", "stimulus", "sweep");
    /** The end of a staged output's name. */
    private static final String STAGED = ".simulate.tmp";

    private final Path dir;
    private final String command;
    private final PrintWriter out;
    private FolderLock lock;
    /** True if this call made the lock file (it is removed again if the call fails). */
    private boolean madeLockFile;
    /** The folders this call made, the deepest first. */
    private final List<Path> made = new ArrayList<>();
    /** simulate's files found when the folder was opened, relative to it ("figures/sweep.png"). */
    private final Set<String> before = new TreeSet<>();
    /** The outputs this call wrote (relative to the folder), each to its staged file. */
    private final Map<String, Path> staged = new TreeMap<>();
    /** The JSON output, written when the call commits (it lists the call's files). */
    private String jsonName;
    private Map<String, Object> json;
    private boolean committed;

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
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            made.add(p);
        }
        OutputFolder.prepare(dir);
        before.addAll(earlierOutputs());
        boolean lockFileThere = Files.exists(dir.resolve(FolderLock.FILE), LinkOption.NOFOLLOW_LINKS);
        lock = FolderLock.acquire(dir, command, null, out);
        madeLockFile = !lockFileThere;
        deleteStaged(dir);   // of a call that was killed
        deleteStaged(dir.resolve("figures"));
        return this;
    }

    /**
     * simulate's files in the folder, relative to it: those its JSON outputs list. Any other file is a
     * {@link UserError} naming it.
     */
    private Set<String> earlierOutputs() throws IOException {
        Set<String> present = new TreeSet<>();
        List<String> foreign = new ArrayList<>();
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (name.equals(FolderLock.FILE) || temporary(name)) {
                continue;
            }
            if (name.equals("figures") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                for (Path f : list(p)) {
                    String fig = f.getFileName().toString();
                    if (!temporary(fig)) {
                        (Files.isRegularFile(f) ? present : foreign).add("figures/" + fig);
                    }
                }
            } else {
                (Files.isRegularFile(p) ? present : foreign).add(name);
            }
        }
        Set<String> ours = new TreeSet<>();
        for (String name : JSON_FILES) {
            if (present.contains(name)) {
                ours.addAll(listedBy(name, present));
            }
        }
        for (String name : present) {
            if (!ours.contains(name)) {
                foreign.add(name);
            }
        }
        if (!foreign.isEmpty()) {
            throw new UserError(dir + " holds files that fprnn simulate did not write (" + String.join(", ",
                    foreign.subList(0, Math.min(4, foreign.size()))) + (foreign.size() > 4 ? ", ..." : "")
                    + "), such as a training sweep's results or files of your own; simulate writes only into a new or"
                    + " empty folder or one an earlier simulate wrote (its tracking.json or sweep.json says \""
                    + WRITTEN_BY + "\": \"" + SIMULATE + "\" and lists its files): give another folder as --out");
        }
        return ours;
    }

    /**
     * The files that the JSON output {@code name} of an earlier simulate lists (itself included); none
     * if simulate did not write it.
     */
    private Set<String> listedBy(String name, Set<String> present) {
        Map<?, ?> j;
        try {
            j = Json.parse(Files.readString(dir.resolve(name)), name) instanceof Map<?, ?> m ? m : Map.of();
        } catch (IOException e) {
            return Set.of();   // not JSON (FormatException), or not text: not simulate's
        }
        Set<String> listed = new TreeSet<>();
        if (SIMULATE.equals(j.get(WRITTEN_BY)) && j.get(FILES_KEY) instanceof List<?> files) {
            // only files present in this folder: a list edited to name "../x" must not make simulate
            // replace or delete anything else
            files.forEach(f -> {
                if (present.contains(String.valueOf(f))) {
                    listed.add(String.valueOf(f));
                }
            });
            listed.add(name);
        } else if (!j.containsKey(WRITTEN_BY) && MODES.contains(j.get("mode")) && j.get("network") instanceof Map
                && j.get("tau_relax") instanceof Map) {
            // written before simulate listed its files: the files of its names are its own
            for (String p : present) {
                if (FILES.contains(p) || p.startsWith("figures/") && FIGURES.contains(p.substring(8))) {
                    listed.add(p);
                }
            }
        }
        return listed;
    }

    /** Writes a text output (staged). */
    void writeText(String name, String text) throws IOException {
        ResultsFolder.writeAtomically(stage(name), text);
    }

    /**
     * The JSON output (tracking.json or sweep.json), written when the call {@link #commit commits}, with
     * {@link #WRITTEN_BY} first and the call's files ({@link #FILES_KEY}) last.
     */
    void writeJson(String name, Map<String, Object> content) {
        jsonName = name;
        json = content;
    }

    /** The path to write a figure to, in figures/ (staged). */
    Path figure(String name) throws IOException {
        return stage("figures/" + name);
    }

    /** The path to write an output file to (staged). */
    Path file(String name) throws IOException {
        return stage(name);
    }

    /** The staged file of output name, beside its place (made, with figures/ if missing). */
    private Path stage(String name) throws IOException {
        Path target = dir.resolve(name);
        Path parent = target.getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            made.addFirst(parent);
        }
        Path s = parent.resolve("." + target.getFileName() + STAGED);
        staged.put(name, s);
        return s;
    }

    /**
     * Moves every output into place, the JSON output last, deletes the earlier call's outputs that
     * this call did not write, and says what it wrote; nothing if the folder was never opened. The
     * JSON is written before the moves: renames within a folder need no space, so that a full disk
     * fails the call before any earlier output is replaced.
     */
    void commit() throws IOException {
        if (lock == null) {
            return;
        }
        Set<String> written = new TreeSet<>(staged.keySet());
        if (jsonName != null) {
            written.add(jsonName);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(WRITTEN_BY, SIMULATE);
            m.putAll(json);
            m.put(FILES_KEY, List.copyOf(written));
            writeText(jsonName, Json.pretty(m));
        }
        for (var e : staged.entrySet()) {
            if (!e.getKey().equals(jsonName)) {
                AtomicFiles.moveReplacing(e.getValue(), dir.resolve(e.getKey()));
            }
        }
        if (jsonName != null) {
            AtomicFiles.moveReplacing(staged.get(jsonName), dir.resolve(jsonName));
        }
        staged.clear();
        committed = true;
        for (String name : before) {
            if (!written.contains(name)) {
                Files.deleteIfExists(dir.resolve(name));
            }
        }
        // said only now that they are in place: a failure before this point leaves the folder as it was
        out.println("wrote " + dir + " (" + String.join(", ", written) + ")");
    }

    /**
     * What a failure to write the outputs (a full disk, say) is reported as: a {@link UserError} that
     * says the folder is left as it was (the call's {@link #close} removes what it added); e itself if
     * the folder was never opened.
     */
    Exception writeFailure(IOException e) {
        if (lock == null) {
            return e;
        }
        UserError known = UserError.of(e);
        return new UserError("cannot write the outputs into " + dir + " (" + (known != null ? known.getMessage()
                : e.getMessage()) + "); the folder is left as it was before this call: make room (or fix the"
                + " folder) and run the same command again", e);
    }

    /** A temporary file: of an atomic write (".NAME.RANDOM.tmp"), a staged output or the folder checks. */
    private static boolean temporary(String name) {
        return name.startsWith(".") && name.endsWith(".tmp");
    }

    /** Deletes the staged outputs in folder (left by a call that was killed). */
    private static void deleteStaged(Path folder) throws IOException {
        if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            for (Path p : list(folder)) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && name.endsWith(STAGED) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }

    /**
     * Releases the folder. A call that did not commit (it failed) also removes what it added: its staged
     * files, the lock file if it made it, and the folders it made, if they are empty.
     */
    @Override
    public void close() throws IOException {
        if (committed) {
            lock.close();
            return;
        }
        try {
            for (Path s : staged.values()) {
                Files.deleteIfExists(s);
            }
            if (lock != null && madeLockFile) {
                // Deleted while held, so that no command locks it anew; one that opened it in the moment
                // since this call made it would hold an unlinked file, a race left open.
                Files.deleteIfExists(dir.resolve(FolderLock.FILE));
            }
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
        for (Path d : made) {
            try {
                Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException e) {
                break;   // something else is in it now: it and the folders above it stay
            }
        }
    }
}
