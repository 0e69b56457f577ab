package org.fprnn.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.fprnn.io.DType;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Optimizer;

/**
 * The driver's checkpoint of a run: one safetensors file, {@code checkpoint.safetensors} in the output
 * folder, written atomically (a killed driver leaves the previous checkpoint or the new one, never a
 * torn file). The layout is that of {@code fprnn run}'s checkpoints, so the same Python code opens
 * both: the network's parameters under their own names, the optimizer's state under "optimizer." +
 * its names, and string metadata format, rule, lr, step (steps done), seconds (training time so far),
 * refusals (consecutive steps without an update at that point), settings (JSON) and metrics (the
 * metrics.jsonl lines so far). Because the batches, test batches and Spark's shard sums are functions
 * of the step, the weights and the settings, a run resumed from it continues exactly as if never
 * stopped.
 */
record Checkpoint(int step, double seconds, int refusals, String settings, List<String> lines,
                  Safetensors.Contents contents) {
    static final String FILE = "checkpoint.safetensors";
    static final String FORMAT = "fprnn-checkpoint/1";
    private static final String OPT = "optimizer.";

    static void write(Path folder, String rule, double lr, String settings, FixedPointNetwork net, Optimizer opt,
                      int step, double seconds, int refusals, List<String> lines) throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>(net.params().asMap());
        Params state = opt.state();
        for (String n : state.names()) {
            tensors.put(OPT + n, state.get(n));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("trainer", "fprnn-spark");
        meta.put("rule", rule);
        meta.put("lr", Double.toString(lr));
        meta.put("step", Integer.toString(step));
        meta.put("seconds", Double.toString(seconds));
        meta.put("refusals", Integer.toString(refusals));
        meta.put("settings", settings);
        meta.put("metrics", String.join("\n", lines));
        Safetensors.write(folder.resolve(FILE), tensors, meta);
    }

    /** The folder's checkpoint, or null when it has none. */
    static Checkpoint readIfPresent(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new FormatException(file, "is not an fprnn checkpoint (metadata format is " + meta.get("format")
                    + ", expected " + FORMAT + ")");
        }
        try {
            List<String> lines = new ArrayList<>();
            for (String l : meta.getOrDefault("metrics", "").split("\n")) {
                if (!l.isBlank()) {
                    lines.add(l);
                }
            }
            return new Checkpoint(Integer.parseInt(meta.get("step")), Double.parseDouble(meta.get("seconds")),
                    Integer.parseInt(meta.getOrDefault("refusals", "0")), meta.get("settings"), lines, c);
        } catch (RuntimeException e) {
            throw new FormatException(file, "has unreadable checkpoint metadata: " + e.getMessage());
        }
    }

    /**
     * Refuses to resume a run with other settings: names the settings that differ and how to go on.
     *
     * @param settings this run's settings as JSON (the form {@link #write} stores)
     */
    void requireSettings(String settings) throws FormatException {
        if (settings.equals(this.settings)) {
            return;
        }
        Map<?, ?> saved = (Map<?, ?>) Json.parse(this.settings, contents.source().toString());
        Map<?, ?> now = (Map<?, ?>) Json.parse(settings, "the options");
        TreeSet<String> keys = new TreeSet<>();
        saved.keySet().forEach(k -> keys.add(k.toString()));
        now.keySet().forEach(k -> keys.add(k.toString()));
        List<String> diff = new ArrayList<>();
        for (String k : keys) {
            Object a = saved.get(k);
            Object b = now.get(k);
            if (a == null ? b != null : !a.equals(b)) {
                diff.add(k + " " + a + " (saved) vs " + b + " (now)");
            }
        }
        throw new IllegalArgumentException(contents.source() + " was written by a run with other settings ("
                + String.join("; ", diff) + "): give the options of that run to resume it, or another --out"
                + " folder for a new run");
    }

    /** Copies the saved parameters into the network and the saved state into the optimizer. */
    void restore(FixedPointNetwork net, Optimizer opt) throws FormatException {
        for (String name : net.params().names()) {
            NdArray a = contents.tensors().get(name);
            if (a == null) {
                throw new FormatException(contents.source(), "holds no parameter " + name);
            }
            Matrix m = a.toMatrix(net.precision());
            Matrix p = net.params().get(name);
            if (!m.sameShape(p)) {
                throw new FormatException(contents.source(), "holds " + name + " of shape " + m.shape()
                        + " but the network's is " + p.shape());
            }
            p.copyFrom(m);
        }
        Params state = new Params();
        for (var e : contents.tensors().entrySet()) {
            if (e.getKey().startsWith(OPT)) {
                NdArray a = e.getValue();
                state.put(e.getKey().substring(OPT.length()),
                        a.toMatrix(a.dtype() == DType.FLOAT64 ? Precision.DOUBLE : Precision.FLOAT));
            }
        }
        opt.restore(state);
    }
}
