package org.fprnn.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.fprnn.diag.Environment;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.MetricsLines;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;

/**
 * What a run shows and leaves behind: progress lines on stdout, and in --out (when given) the
 * checkpoint every --checkpoint-every steps, then weights.safetensors, metrics.jsonl and
 * summary.json at the end.
 *
 * @param out the output folder, or null to write nothing
 * @param checkpointEvery steps between checkpoints (0: only at the end)
 * @param logEvery steps between progress lines (0: none)
 */
record RunFolder(Path out, PrintWriter stdout, int checkpointEvery, int logEvery) {

    /**
     * A listener that prints progress, keeps the metrics lines, and writes the checkpoint every
     * --checkpoint-every steps; it stops the run after {@code total} steps, or after the current step
     * once {@code stopRequested} says so (a signal).
     */
    Listener listener(TrainSettings settings, String settingsJson, FixedPointNetwork net, Optimizer opt, int total,
                      int start, int refusalsBefore, double secondsBefore, List<String> lines,
                      BooleanSupplier stopRequested) {
        return new Listener(settings, settingsJson, net, opt, total, start, refusalsBefore, secondsBefore, lines,
                stopRequested);
    }

    /**
     * Prints progress, keeps the metrics lines, and writes the checkpoint every --checkpoint-every
     * steps (after the step's update and evaluation, where weights and optimizer state belong to the
     * same step). Stops the run after {@code total} steps, or when a stop is requested.
     */
    final class Listener implements Trainer.Listener {
        private final TrainSettings settings;
        private final String settingsJson;
        private final FixedPointNetwork net;
        private final Optimizer opt;
        private final int total;
        private final double secondsBefore;
        private final List<String> lines;
        private final BooleanSupplier stopRequested;
        private final long t0 = System.nanoTime();
        private int refusals;
        private int lastCheckpoint;
        /** Steps done and heard in full (their lines kept, the weights theirs): where a cut-off run stands. */
        private int stepsDone;

        private Listener(TrainSettings settings, String settingsJson, FixedPointNetwork net, Optimizer opt, int total,
                         int start, int refusalsBefore, double secondsBefore, List<String> lines,
                         BooleanSupplier stopRequested) {
            this.settings = settings;
            this.settingsJson = settingsJson;
            this.net = net;
            this.opt = opt;
            this.total = total;
            this.lastCheckpoint = start;
            this.refusals = refusalsBefore;
            this.secondsBefore = secondsBefore;
            this.lines = lines;
            this.stopRequested = stopRequested;
            this.stepsDone = start;
        }

        /**
         * The steps done when the last step (or local-SGD round) ended: a run whose next step failed
         * under it (Spark's context stopped by a signal) holds their weights, optimizer state and lines.
         */
        int stepsDone() {
            return stepsDone;
        }

        @Override
        public void onStep(StepRecord s) {
            lines.add(MetricsLines.step(settings.rule(), settings.lr(), s));
            refusals = s.withoutUpdate() ? refusals + 1 : 0;
            if (s.withoutUpdate()) {
                stdout.printf(Locale.ROOT, "step %d: no update: %s%n", s.step(),
                        s.refused() != null ? s.refused() : s.skipped());
            } else if (logEvery > 0 && ((s.step() + 1) % logEvery == 0 || s.step() + 1 == total)) {
                stdout.printf(Locale.ROOT, "step %d/%d: train loss %.4f, acc %.3f%s, %.3f s/step%n", s.step() + 1,
                        total, s.trainLoss(), s.trainAccuracy(), Double.isNaN(s.testLoss()) ? ""
                                : String.format(Locale.ROOT, "; test batch loss %.4f, acc %.3f", s.testLoss(),
                                s.testAccuracy()), s.seconds());
            }
        }

        @Override
        public void onEvaluation(EvalRecord eval) {
            lines.add(MetricsLines.eval(settings.rule(), settings.lr(), eval));
        }

        @Override
        public boolean stopAfter(int stepsDone) {
            this.stepsDone = stepsDone;
            if (checkpointEvery > 0 && stepsDone < total && stepsDone / checkpointEvery > lastCheckpoint / checkpointEvery) {
                checkpoint(stepsDone, secondsBefore + (System.nanoTime() - t0) / 1e9);
                stdout.printf(Locale.ROOT, "fprnn-spark: checkpoint after step %d%n", stepsDone);
            }
            return stepsDone >= total || stopRequested.getAsBoolean();
        }

        /** Writes the checkpoint of the run after {@code stepsDone} steps into --out. */
        void checkpoint(int stepsDone, double seconds) {
            try {
                Checkpoint.write(out, settings.rule(), settings.lr(), settings.seed(), settingsJson, net, opt, stepsDone,
                        seconds, refusals, lines);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the checkpoint into " + out + ": " + e.getMessage(), e);
            }
            lastCheckpoint = stepsDone;
        }
    }

    /**
     * Writes weights.safetensors (the settings in its metadata), metrics.jsonl and summary.json.
     *
     * @param settingsMap the run's identity (see SparkTrain's settingsMap)
     */
    void write(FixedPointNetwork net, TrainSettings settings, Map<String, Object> settingsMap, String master,
               Trainer.Result res, List<String> lines, EvalRecord eval, double seconds, String outcome) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rule", settings.rule());
        meta.put("lr", Double.toString(settings.lr()));
        meta.put("outcome", outcome);
        meta.put("steps", Integer.toString(res.stepsDone()));
        meta.put("trainer", "fprnn-spark");
        meta.put("settings", Json.write(settingsMap));
        Safetensors.write(out.resolve("weights.safetensors"), new LinkedHashMap<>(net.params().asMap()), meta);
        AtomicFiles.write(out.resolve("metrics.jsonl"), (lines.isEmpty() ? "" : String.join("\n", lines) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("outcome", outcome);
        summary.put("divergence", res.divergence());
        summary.put("steps", res.stepsDone());
        summary.put("seconds", seconds);
        summary.put("seconds_per_step", seconds / Math.max(1, res.stepsDone()));
        List<StepRecord> st = res.steps();
        summary.put("final_train_loss", st.isEmpty() ? null : st.getLast().trainLoss());
        summary.put("test_loss", eval == null ? null : eval.loss());
        summary.put("test_accuracy", eval == null ? null : eval.accuracy());
        summary.put("spark_master", master);
        summary.put("machine", Environment.describe());
        summary.put("settings", settingsMap);
        AtomicFiles.write(out.resolve("summary.json"), Json.pretty(summary).getBytes(StandardCharsets.UTF_8));
    }
}
