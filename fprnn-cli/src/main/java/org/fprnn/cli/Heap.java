package org.fprnn.cli;

/** The Java heap as a budget: work that cannot fit is refused before it allocates, with what to do. */
public final class Heap {
    private Heap() {
    }

    /**
     * Refuses (UserError, exit 2) if {@code bytes} more would not fit in the heap the JVM may still
     * grow to, naming both figures and the launcher's option for a larger heap.
     *
     * @param what what needs the memory, for the message
     */
    public static void require(long bytes, String what) {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        long max = rt.maxMemory();
        if (bytes <= max - used) {
            return;
        }
        long suggestGiB = Math.max(1, (long) Math.ceil(1.25 * (bytes + used) / (1L << 30)));
        throw new UserError(what + " needs at least " + UserError.bytes(bytes) + " of memory, but the Java heap may"
                + " grow to only " + UserError.bytes(max) + " (" + UserError.bytes(used) + " in use); give Java more"
                + " (for ./fprnn: " + UserError.JAVA_OPTS + "=-Xmx" + suggestGiB + "g ./fprnn ...) if the machine has"
                + " it, or make the network smaller");
    }
}
