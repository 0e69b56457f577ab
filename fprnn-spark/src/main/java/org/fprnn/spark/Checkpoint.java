package org.fprnn.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.TrainingCheckpoint;

/**
 * The driver's checkpoint of a run: {@code checkpoint.safetensors} in the output folder, in the
 * layout of {@code fprnn run}'s checkpoints and written and verified by the same
 * {@link TrainingCheckpoint} (atomically, with checksums: a killed driver leaves the previous
 * checkpoint or the new one, never a torn file), with two more metadata keys: trainer
 * ("fprnn-spark") and refusals (consecutive steps without an update at that point). Because the
 * batches, test batches and Spark's shard sums are functions of the step, the weights and the
 * settings, a run resumed from it continues exactly as if never stopped.
 */
record Checkpoint(TrainingCheckpoint saved) {
    static final String FILE = "checkpoint.safetensors";

    static void write(Path folder, String rule, double lr, long seed, String settings, FixedPointNetwork net, Optimizer opt,
                      int step, double seconds, int refusals, List<String> lines) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("trainer", "fprnn-spark");
        extra.put("refusals", Integer.toString(refusals));
        TrainingCheckpoint.write(folder.resolve(FILE), rule, lr, seed, settings, net, opt, null, step, seconds, lines, extra);
    }

    /**
     * The folder's checkpoint, verified (its rule and learning rate are part of the settings that
     * {@link #requireSettings} compares), or null when the folder has none.
     */
    static Checkpoint readIfPresent(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        return Files.exists(file) ? new Checkpoint(TrainingCheckpoint.read(file)) : null;
    }

    int step() {
        return saved.step();
    }

    double seconds() {
        return saved.seconds();
    }

    List<String> lines() {
        return saved.lines();
    }

    /** Consecutive steps without an update when the checkpoint was written. */
    int refusals() throws FormatException {
        String r = saved.metadata("refusals");
        try {
            return r == null ? 0 : Integer.parseInt(r);
        } catch (NumberFormatException e) {
            throw new FormatException(saved.contents().source(), "records refusals '" + r + "', not a whole number");
        }
    }

    /**
     * Refuses to resume a run with other settings: names the settings that differ and how to go on.
     *
     * @param settings this run's settings as JSON (the form {@link #write} stores)
     */
    void requireSettings(String settings) throws FormatException {
        if (settings.equals(saved.settings())) {
            return;
        }
        Map<String, Object> before = new LinkedHashMap<>();
        flatten("", Json.parse(saved.settings(), saved.contents().source()), before);
        Map<String, Object> now = new LinkedHashMap<>();
        flatten("", Json.parse(settings, "the options"), now);
        TreeSet<String> keys = new TreeSet<>();
        before.keySet().forEach(k -> keys.add(k.toString()));
        now.keySet().forEach(k -> keys.add(k.toString()));
        List<String> diff = new ArrayList<>();
        for (String k : keys) {
            Object a = before.get(k);
            Object b = now.get(k);
            if (a == null ? b != null : !a.equals(b)) {
                diff.add(k + " " + a + " (saved) vs " + b + " (now)");
            }
        }
        throw new IllegalArgumentException(saved.contents().source() + " was written by a run with other settings ("
                + String.join("; ", diff) + "): give the options (or config) of that run to resume it, or another --out"
                + " folder for a new run");
    }

    /** Settings with nested tables (a --config run's) as dotted keys, e.g. "run.train.batch_size". */
    private static void flatten(String prefix, Object value, Map<String, Object> into) {
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, into));
        } else {
            into.put(prefix, value);
        }
    }

    /** Checks the shapes, then copies the saved parameters into the network and the state into the optimizer. */
    void restore(FixedPointNetwork net, Optimizer opt) throws FormatException {
        saved.checkShapes(net);
        saved.restore(net, opt, null);
    }
}
