package org.fprnn.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The full report of an internal error, written to a file under the system's temporary folder so
 * that the terminal shows one line and the trace is still there to send with a bug report.
 */
public final class CrashReport {
    private CrashReport() {
    }

    /**
     * Writes the command line, the versions and the stack trace of e to a new file
     * fprnn-error-DATE-TIME-PID.txt in java.io.tmpdir; returns the sentence that says where it is (or,
     * if it could not be written, the trace itself).
     */
    public static String write(Throwable e, String[] args) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace, true));
        String text = "fprnn " + String.join(" ", args == null ? new String[0] : args) + "\n"
                + "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "\n"
                + "time " + LocalDateTime.now() + "\n\n" + trace;
        try {
            Path file = Path.of(System.getProperty("java.io.tmpdir"), String.format(Locale.ROOT, "fprnn-error-%s-%d.txt",
                    LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")), ProcessHandle.current().pid()));
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return "the full report is in " + file + " (please attach it to a bug report)";
        } catch (IOException | RuntimeException writeFailed) {
            return "the report could not be written to the temporary folder (" + writeFailed.getMessage() + "):\n" + trace;
        }
    }
}
