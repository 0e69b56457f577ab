package org.fprnn.data;

import java.util.Locale;

/** The training or the test part of a data set. */
public enum Split {
    TRAIN, TEST;

    /** Parses "train" or "test" (case-insensitive). */
    public static Split parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "train" -> TRAIN;
            case "test" -> TEST;
            default -> throw new IllegalArgumentException("unknown split '" + s + "': use train or test");
        };
    }

    /** "train" or "test". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
