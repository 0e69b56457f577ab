package org.fprnn.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Bad input from the user: printed as one message, exit code 2, no stack trace. {@link #of} also
 * recognises the failures that come from the user's environment rather than from fprnn (a path
 * that is a file where a folder is needed, a folder that cannot be written, a heap too small for
 * the network), so that the command line reports them in one place (Main's exception handler).
 */
public final class UserError extends RuntimeException {
    /** The launcher's variable for JVM options, named in the advice about the heap. */
    public static final String JAVA_OPTS = "FPRNN_JAVA_OPTS";

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The user error that e stands for, or null if e is an internal error. UserError and
     * IllegalArgumentException (the checks of configs and inputs) are user errors as they are; file
     * system refusals and running out of heap are turned into messages that say what to do.
     */
    public static UserError of(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            UserError inner = of(u.getCause());
            return inner == null ? null : new UserError(
                    u.getMessage() != null && !u.getMessage().equals(String.valueOf(u.getCause()))
                            ? u.getMessage() + ": " + inner.getMessage() : inner.getMessage(), e);
        }
        return switch (e) {
            case UserError u -> u;
            case IllegalArgumentException a -> new UserError(a.getMessage(), a);
            case OutOfMemoryError m -> new UserError(outOfMemory(), m);
            case FileSystemException f -> new UserError(fileSystem(f), f);
            default -> null;
        };
    }

    private static String fileSystem(FileSystemException f) {
        String file = f.getFile();
        String other = f.getOtherFile() != null ? " (to " + f.getOtherFile() + ")" : "";
        String reason = f.getReason() == null ? "" : f.getReason();
        return switch (f) {
            case AccessDeniedException a -> cannotWrite(file + other, "permission denied");
            case FileAlreadyExistsException a -> file + " exists and is not a folder; give a folder (new or"
                    + " existing) as the output";
            case NotDirectoryException a -> file + " is not a folder; give a folder as the output";
            case NoSuchFileException a -> file + other + " does not exist";
            default -> reason.contains("Not a directory")
                    ? file + other + ": part of this path is a file, not a folder; give a folder (new or existing)"
                    : cannotWrite(file + other, reason);
        };
    }

    /** "cannot write or read WHAT: REASON", with what to do when the reason is a read-only or immutable folder. */
    static String cannotWrite(String what, String reason) {
        return "cannot write or read " + what + (reason == null || reason.isEmpty() ? "" : ": " + reason)
                + (reason != null && (reason.contains("not permitted") || reason.contains("Read-only"))
                ? "; the folder is read-only or immutable (lsattr shows the i attribute): choose another folder"
                : reason != null && reason.contains("permission denied")
                ? "; choose a folder you can write to (or fix its permissions)" : "");
    }

    /** What to do when the heap is too small; names the current limit. */
    static String outOfMemory() {
        return String.format(Locale.ROOT, "out of memory: the Java heap may grow to %s here, which is not enough;"
                + " give Java more (for ./fprnn: %s=-Xmx16g ./fprnn ...) or make the network, batch or data"
                + " smaller", bytes(Runtime.getRuntime().maxMemory()), JAVA_OPTS);
    }

    /** Bytes in a readable unit (GiB, MiB or KiB). */
    public static String bytes(double b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", b / 1024);
    }
}
