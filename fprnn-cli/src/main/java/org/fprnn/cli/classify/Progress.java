package org.fprnn.cli.classify;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.fprnn.train.StepRecord;

/**
 * Progress of one run: a progress bar (loss, accuracy, solver iterations) when standard output is a
 * terminal, else plain lines every tenth of the run (and at least every minute).
 */
public abstract class Progress implements AutoCloseable {

    /** True when stdout is an interactive terminal (and FPRNN_PROGRESS is not "plain"). */
    public static boolean terminal() {
        if ("plain".equalsIgnoreCase(System.getenv("FPRNN_PROGRESS"))) {
            return false;
        }
        var c = System.console();
        return c != null && c.isTerminal();
    }

    static Progress create(boolean terminal, PrintWriter out, String task, int total, int start, double priorSeconds) {
        return terminal ? new Bar(out, task, total, start, priorSeconds) : new Lines(out, task, total);
    }

    abstract void step(StepRecord r, int epochs);

    /** Prints a line (an evaluation, say) without breaking the bar. */
    abstract void line(String text);

    @Override
    public abstract void close();

    static String stats(StepRecord r) {
        return String.format(Locale.ROOT, "loss %.4f acc %.3f | test %s | iters %d (median %s)%s",
                r.trainLoss(), r.trainAccuracy(),
                Double.isNaN(r.testAccuracy()) ? "-" : String.format(Locale.ROOT, "%.4f/%.3f", r.testLoss(), r.testAccuracy()),
                r.iterationsMax(), fmt(r.iterationsMedian()),
                r.notConverged() > 0 ? " | " + r.notConverged() + " not converged" : "");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static final class Bar extends Progress {
        private final PrintWriter out;
        private final ProgressBar bar;

        Bar(PrintWriter out, String task, int total, int start, double priorSeconds) {
            this.out = out;
            out.flush();
            this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .startsFrom(start, Duration.ofMillis((long) (priorSeconds * 1000)))
                    .setConsumer(new ConsoleProgressBarConsumer(System.out)).setUpdateIntervalMillis(500)
                    .setUnit(" steps", 1).build();
        }

        @Override
        void step(StepRecord r, int epochs) {
            bar.setExtraMessage(String.format(Locale.ROOT, "ep %d/%d loss %.3f acc %.3f test %s it %d%s", r.epoch() + 1,
                    epochs, r.trainLoss(), r.trainAccuracy(),
                    Double.isNaN(r.testAccuracy()) ? "-" : String.format(Locale.ROOT, "%.3f", r.testAccuracy()),
                    r.iterationsMax(), r.notConverged() > 0 ? " nc " + r.notConverged() : ""));
            bar.stepTo(r.step() + 1);
        }

        @Override
        void line(String text) {
            out.flush();
            System.out.print("\r\033[2K");
            System.out.flush();
            out.println(text);
            out.flush();
            bar.refresh();
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    private static final class Lines extends Progress {
        private final PrintWriter out;
        private final String task;
        private final int total;
        private final int every;
        private long last = System.nanoTime();

        Lines(PrintWriter out, String task, int total) {
            this.out = out;
            this.task = task;
            this.total = total;
            this.every = Math.max(1, total / 10);
        }

        @Override
        void step(StepRecord r, int epochs) {
            int done = r.step() + 1;
            long now = System.nanoTime();
            if (done == 1 || done % every == 0 || done == total || now - last > 60e9) {
                last = now;
                out.printf(Locale.ROOT, "    %s: step %d/%d (epoch %d/%d) %s | %.2f s/step%n", task, done, total,
                        r.epoch() + 1, epochs, stats(r), r.seconds());
                out.flush();
            }
        }

        @Override
        void line(String text) {
            out.println(text);
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
