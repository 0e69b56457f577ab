package org.fprnn.data;

import java.io.IOException;

/**
 * A data set that is not where fprnn looked for it. The message lists every place looked in, the
 * files wanted, and how to install them.
 */
public class DataNotFoundException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataNotFoundException(String message) {
        super(message);
    }

    public DataNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
