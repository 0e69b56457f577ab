package org.fprnn.cli.classify;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C (SIGINT) and SIGTERM for a sweep: a JVM shutdown hook sets the stop flag, which the
 * training loop reads after every step, and then holds the JVM open until the loop has written its
 * checkpoint and returned ({@link #close()}), for at most {@link #WAIT_SECONDS}. Tests and the
 * hidden --stop-after-steps option set the flag through {@link #request()}.
 *
 * <p>Once stopping, close() first runs the action given (the runner releases the results folder's
 * lock): the JVM exits as soon as the hook returns, and a lock released after that point was left
 * holding its holder's details, so that the next command said it took the lock over from a process
 * that ended without releasing it.
 */
final class StopSignal implements AutoCloseable {
    /** How long the hook waits for the current step (or evaluation) and the checkpoint. */
    static final long WAIT_SECONDS = 600;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private final Releaser beforeExit;

    /** What must be done before a stopping JVM may exit. */
    @FunctionalInterface
    interface Releaser {
        void release() throws java.io.IOException;
    }

    StopSignal(PrintWriter err, Releaser beforeExit) {
        this.beforeExit = beforeExit;
        hook = new Thread(() -> {
            requested.set(true);
            err.println();
            err.println("fprnn: stopping after the current step to write a checkpoint; the same command resumes"
                    + " from it (killing the process now loses the steps since the last epoch)");
            err.flush();
            try {
                finished.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fprnn-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    boolean requested() {
        return requested.get();
    }

    void request() {
        requested.set(true);
    }

    /** Lets a waiting shutdown proceed and removes the hook (when the JVM is not shutting down). */
    @Override
    public void close() {
        try {
            if (requested.get()) {
                beforeExit.release();
            }
        } catch (java.io.IOException e) {
            // The lock file could not be emptied: the next command takes it over, with a note.
        } finally {
            finished.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it returns now that the latch is open.
        }
    }
}
