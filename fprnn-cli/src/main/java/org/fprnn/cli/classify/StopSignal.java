package org.fprnn.cli.classify;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C (SIGINT) and SIGTERM for a training command (fprnn run and train, fprnn-spark): a JVM
 * shutdown hook sets the stop flag, which the training loop reads after every step, and then holds
 * the JVM open until the loop has written its checkpoint and returned ({@link #close()}), for at most
 * {@link #WAIT_SECONDS}. Tests and the hidden --stop-after-steps option set the flag through
 * {@link #request()}.
 *
 * <p>A second SIGINT or SIGTERM while the first waits ends the process at once, with the same exit
 * code: a step can take very long (a huge solver.max_iter), and the user who presses Ctrl-C again
 * wants out. The run's last checkpoint (its last epoch end) stays; the steps since are lost, as the
 * message says. For that, SIGINT and SIGTERM get a handler while the sweep runs: the first signal
 * exits the JVM as its own handler would (System.exit(128 + signal), which runs the hook), the
 * second halts it. A signal the process ignores (a background job's SIGINT) stays ignored.
 *
 * <p>Once stopping, close() first runs the action given (the runner releases the results folder's
 * lock): the JVM exits as soon as the hook returns, and a lock released after that point was left
 * holding its holder's details, so that the next command said it took the lock over from a process
 * that ended without releasing it.
 */
public final class StopSignal implements AutoCloseable {
    /** How long the hook waits for the current step (or evaluation) and the checkpoint. */
    public static final long WAIT_SECONDS = 600;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private final Releaser beforeExit;
    private final PrintWriter err;
    private final String program;
    private final String onHalt;
    /** Signals received while this is open; the second one halts. */
    private final java.util.concurrent.atomic.AtomicInteger signals = new java.util.concurrent.atomic.AtomicInteger();
    /** The handlers in place before this one, restored by close() when the JVM is not stopping. */
    private final java.util.Map<sun.misc.Signal, sun.misc.SignalHandler> previous = new java.util.LinkedHashMap<>();

    /** What must be done before a stopping JVM may exit. */
    @FunctionalInterface
    public interface Releaser {
        void release() throws java.io.IOException;
    }

    /** The messages of fprnn run and train, whose runs keep a checkpoint at every epoch end. */
    StopSignal(PrintWriter err, Releaser beforeExit) {
        this(err, "fprnn", "stopping after the current step to write a checkpoint; the same command resumes from it"
                + " (a second Ctrl-C stops at once, losing the steps since the last epoch)", "each run keeps its last"
                + " checkpoint (its last epoch end, or an earlier stop), and the same command resumes from there",
                beforeExit);
    }

    /**
     * @param program the command's name, which starts each message
     * @param onStop what the first signal does, said when it comes
     * @param onHalt what a second signal leaves, said when it comes
     * @param beforeExit done by {@link #close()} when stopping, before the JVM may exit
     */
    public StopSignal(PrintWriter err, String program, String onStop, String onHalt, Releaser beforeExit) {
        this.beforeExit = beforeExit;
        this.err = err;
        this.program = program;
        this.onHalt = onHalt;
        hook = new Thread(() -> {
            requested.set(true);
            err.println();
            err.println(program + ": " + onStop);
            err.flush();
            try {
                finished.await(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fprnn-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                previous.put(signal, sun.misc.Signal.handle(signal, this::onSignal));
            } catch (IllegalArgumentException inUse) {
                // The JVM keeps this signal (-Xrs): its own handling, the hook above, stays.
            }
        }
    }

    /**
     * The first signal shuts down as the JVM would (running the hook); the second halts at once. The
     * flag is set before the exit starts, so that the loop knows a stop from the moment other shutdown
     * hooks run (Spark's stops its context, and the step under way fails).
     */
    private void onSignal(sun.misc.Signal signal) {
        int code = 128 + signal.getNumber();
        if (signals.getAndIncrement() == 0) {
            requested.set(true);
            System.exit(code);
        }
        // Said from a thread of its own, waited for at most a second: a blocked stderr (a pipe nobody
        // reads) must not keep the process from ending.
        Thread say = new Thread(() -> {
            err.println();
            err.println(program + ": second SIG" + signal.getName() + ": stopping now, without waiting for the current"
                    + " step; " + onHalt);
            err.flush();
        }, "fprnn-halt-message");
        say.setDaemon(true);
        say.start();
        try {
            say.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(code);
    }

    /** True once a signal came (or {@link #request()}): the loop stops after its current step. */
    public boolean requested() {
        return requested.get();
    }

    /** Asks for a stop as a signal would, without ending the JVM (tests, --stop-after-steps). */
    public void request() {
        requested.set(true);
    }

    /**
     * Waits (at most {@link #WAIT_SECONDS}) until {@link #close()}: for another shutdown hook that
     * must not run before the loop has stopped (Spark's, which stops the context the step needs).
     */
    public void awaitClose() throws InterruptedException {
        finished.await(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Lets a waiting shutdown proceed (after the release action, when stopping) and, when the JVM is
     * not shutting down, removes the hook and restores the signal handlers in place before.
     */
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
            previous.forEach(sun.misc.Signal::handle);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it returns now that the latch is open.
        }
    }
}
