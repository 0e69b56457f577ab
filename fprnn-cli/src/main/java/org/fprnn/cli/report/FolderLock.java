package org.fprnn.cli.report;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.cli.UserError;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;

/**
 * The lock of a results folder: one fprnn process at a time writes into a folder. It is an OS file
 * lock (FileChannel.tryLock) on {@value #FILE} in the folder, held for as long as the command runs,
 * so the operating system releases it when the process ends in any way, SIGKILL included: a lock
 * whose holder died is free, never stale. The file also holds who has the lock (pid, host, start
 * time, command, and what stopping it keeps) as one JSON line, so that a second command refuses at
 * once (exit 2) naming the holder and what stopping it would cost, and a command that takes over the
 * lock of a process that ended without releasing it (killed) says so. The file stays in the folder,
 * emptied on release (deleting it would let two processes lock two different files of the same
 * name).
 *
 * <p>Where the file system does not support locks, the pid decides: a folder whose recorded holder
 * is a live process on this host is busy; otherwise the lock is taken over.
 */
public final class FolderLock implements AutoCloseable {
    /** The lock file's name in the results folder. */
    public static final String FILE = ".fprnn.lock";

    /**
     * Folders locked by this JVM: a second channel on a locked file must not even be opened, because
     * closing it would release this process's lock (POSIX locks belong to the process).
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private FolderLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /** What stopping a classification sweep keeps, for {@link #acquire}. */
    public static final String SWEEP_ON_STOP = "Ctrl-C writes a checkpoint that the same command resumes from";

    /**
     * Locks {@code dir} (creating it) for this process, or throws a {@link UserError} naming the
     * process that holds it. Prints a note to {@code out} when it takes over the lock of a process
     * that ended without releasing it.
     *
     * @param onStop what stopping this command keeps, in words ({@link #SWEEP_ON_STOP}, say), recorded
     *     in the lock file so that a command refused by this one can tell its user; null for a command
     *     quickly done again, which has nothing to say
     */
    public static FolderLock acquire(Path dir, String command, String onStop, PrintWriter out) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new UserError("the results folder " + dir + " is a file, not a folder; name another with --out DIR", e);
        }
        Path file = dir.resolve(FILE);
        Path key = dir.toRealPath();
        if (!HELD.add(key)) {
            throw new UserError("results folder " + dir + " is in use by another fprnn command of this process (pid "
                    + ProcessHandle.current().pid() + "); write elsewhere with --out DIR");
        }
        boolean ok = false;
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            boolean locksWork = true;
            try {
                lock = lockBriefly(ch);
            } catch (OverlappingFileLockException e) {
                lock = null;   // this JVM holds it (another command run in-process)
            } catch (IOException e) {
                lock = null;   // the file system does not support locks: the pid decides below
                locksWork = false;
            }
            Map<?, ?> holder = holder(ch);
            if (locksWork ? lock == null : holder != null && alive(holder)) {
                // the holder's own words: only it knows whether it checkpoints (fprnn run may be P2, which does not)
                Object holderOnStop = holder == null ? null : holder.get(ON_STOP);
                throw new UserError("results folder " + dir + " is in use by another fprnn command ("
                        + describe(holder) + "); wait for it to finish, stop it" + (holderOnStop instanceof String w
                        ? " (" + w + ")" : "") + ", or write elsewhere with --out DIR");
            }
            if (holder != null) {
                out.println("note: took over the lock of results folder " + dir + " from a process that ended"
                        + " without releasing it (" + describe(holder) + ")");
            }
            if (!locksWork) {
                out.println("note: the file system of " + dir + " does not support file locks; the folder is"
                        + " guarded by the process id in " + file + " only");
            }
            Map<String, Object> me = new LinkedHashMap<>();
            me.put("pid", ProcessHandle.current().pid());
            me.put("host", host());
            me.put("started", Instant.now().toString());
            me.put("command", command);
            if (onStop != null) {
                me.put(ON_STOP, onStop);
            }
            try {
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((Json.write(me) + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(false);
            } catch (IOException e) {
                throw new UserError("cannot write the lock file " + file + ": " + e.getMessage() + "; free some space"
                        + " (or make the folder writable) and run the same command again", e);
            }
            ok = true;
            return new FolderLock(key, ch, lock);
        } finally {
            if (!ok) {
                if (ch != null) {
                    ch.close();
                }
                HELD.remove(key);
            }
        }
    }

    /** The lock file's key for what stopping the holder keeps. */
    private static final String ON_STOP = "on_stop";

    /**
     * How long a command waits for a lock held by someone else before calling the folder busy: another
     * process's {@link #heldBy} (fprnn run --status) holds a shared lock for a moment, and a command
     * starting at that moment must not be refused. A command running in the folder holds it far longer.
     */
    static final long BUSY_WAIT_MS = 1000;

    /** The exclusive lock, trying again for up to {@link #BUSY_WAIT_MS}; null if still held by another process. */
    private static FileLock lockBriefly(FileChannel ch) throws IOException {
        long deadline = System.nanoTime() + BUSY_WAIT_MS * 1_000_000;
        FileLock lock = ch.tryLock();
        while (lock == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            lock = ch.tryLock();
        }
        return lock;
    }

    /**
     * Who holds the folder's lock now, in words ("pid P on host H, started T, command: C"), or null if
     * no fprnn command holds it; only looks (a lock it could take is released at once). For
     * fprnn run --status, which may run beside the command that runs the sweep.
     */
    public static String heldBy(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        if (HELD.contains(dir.toRealPath())) {
            return "this process (pid " + ProcessHandle.current().pid() + ")";
        }
        // read only, and a shared lock: a folder whose lock file this user cannot write is still read
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            FileLock lock;
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, true);
            } catch (IOException e) {   // no locks on this file system: the recorded pid decides
                Map<?, ?> h = holder(ch);
                return h != null && alive(h) ? describe(h) : null;
            }
            if (lock == null) {
                return describe(holder(ch));
            }
            lock.release();
            return null;
        } catch (java.nio.file.AccessDeniedException e) {
            return null;   // cannot even read it: say nothing rather than fail the status
        }
    }

    /** Empties the lock file and releases the lock. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;   // closed already (the stop signal releases the lock before the JVM exits)
        }
        try {
            channel.truncate(0);
        } finally {
            if (lock != null) {
                lock.release();
            }
            channel.close();
            HELD.remove(key);
        }
    }

    /** The holder recorded in the lock file, or null if it is empty (released) or unreadable. */
    private static Map<?, ?> holder(FileChannel ch) throws IOException {
        long size = Math.min(ch.size(), 1 << 16);
        if (size == 0) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        ch.read(buf, 0);
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
        try {
            return text.isEmpty() ? null : Json.parse(text, FILE) instanceof Map<?, ?> m ? m : Map.of();
        } catch (FormatException e) {
            return Map.of();   // a half-written or foreign file: a holder we cannot name
        }
    }

    private static String describe(Map<?, ?> h) {
        if (h == null || h.get("pid") == null) {
            return "its pid, host and start time are not recorded";
        }
        return "pid " + h.get("pid") + " on host " + h.get("host") + ", started " + h.get("started")
                + (h.get("command") == null ? "" : ", command: " + h.get("command"));
    }

    /** True if the holder is a live process of this host (or cannot be told apart from one). */
    private static boolean alive(Map<?, ?> h) {
        if (!(h.get("pid") instanceof Number pid) || !host().equals(h.get("host"))) {
            return true;
        }
        return ProcessHandle.of(pid.longValue()).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "unknown";
        }
    }
}
