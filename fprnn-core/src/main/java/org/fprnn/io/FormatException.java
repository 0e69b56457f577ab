package org.fprnn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file (or byte source) that fprnn cannot read because its content is malformed or of a kind
 * fprnn does not support. The message always starts with the file's name, then says what is
 * wrong and what is allowed, so that it can be shown to a user as is.
 */
public class FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;

    public FormatException(String source, String problem) {
        super(source + ": " + problem);
        this.source = source;
    }

    public FormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
    }

    public FormatException(Path file, String problem) {
        this(file.toString(), problem);
    }

    public FormatException(Path file, String problem, Throwable cause) {
        this(file.toString(), problem, cause);
    }

    /** The file (or other source) the problem was found in. */
    public String source() {
        return source;
    }
}
