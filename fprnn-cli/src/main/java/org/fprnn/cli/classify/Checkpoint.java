package org.fprnn.cli.classify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.io.DType;
import org.fprnn.io.FormatException;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Params;
import org.fprnn.optim.Optimizer;
import org.fprnn.train.WarmStartCache;

/**
 * A run's checkpoint: one safetensors file, written atomically, so that Python users can open it.
 * Tensors: the network's parameters under their own names (W, U, R, and b, c when present) and the
 * optimizer's state under "optimizer." + its names (empty for plain SGD), and with warm starts the
 * per-sample states of {@link WarmStartCache} under its names. Metadata (strings):
 * format, rule, lr, step (steps done), seconds (wall time so far), settings (the run's settings as
 * JSON) and metrics (the metrics.jsonl lines so far).
 */
record Checkpoint(RunSpec spec, String settings, int step, double seconds, List<String> lines,
                  Safetensors.Contents contents) {
    static final String FORMAT = "fprnn-checkpoint/1";
    private static final String OPT = "optimizer.";

    static void write(Path file, RunSpec spec, String settings, FixedPointNetwork net, Optimizer opt,
                      WarmStartCache warm, int step, double seconds, List<String> lines) throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>();
        net.params().asMap().forEach(tensors::put);
        Params state = opt.state();
        for (String n : state.names()) {
            tensors.put(OPT + n, state.get(n));
        }
        if (warm != null) {
            tensors.putAll(warm.tensors());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("rule", spec.rule());
        meta.put("lr", Double.toString(spec.lr()));
        meta.put("step", Integer.toString(step));
        meta.put("seconds", Double.toString(seconds));
        meta.put("settings", settings);
        meta.put("metrics", RunResult.joinLines(lines));
        Safetensors.write(file, tensors, meta);
    }

    static Checkpoint read(Path file, RunSpec spec) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new FormatException(file, "is not an fprnn checkpoint (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        try {
            List<String> lines = new ArrayList<>();
            for (String l : meta.getOrDefault("metrics", "").split("\n")) {
                if (!l.isBlank()) {
                    lines.add(l);
                }
            }
            return new Checkpoint(spec, meta.get("settings"), Integer.parseInt(meta.get("step")),
                    Double.parseDouble(meta.get("seconds")), lines, c);
        } catch (RuntimeException e) {
            throw new FormatException(file, "has unreadable checkpoint metadata: " + e.getMessage());
        }
    }

    /**
     * Copies the saved parameters into the network, the saved state into the optimizer and, with warm
     * starts ({@code warm} not null), the saved per-sample states into the cache.
     */
    void restore(FixedPointNetwork net, Optimizer opt, WarmStartCache warm) throws FormatException {
        if (warm != null) {
            for (String name : warm.tensors().keySet()) {
                if (!contents.tensors().containsKey(name)) {
                    throw new FormatException(contents.source(), "holds no " + name + " (the warm starts of a run with"
                            + " solver.warm_start = true); delete it to start that run afresh");
                }
                try {
                    warm.restore(name, contents.get(name).toMatrix(Precision.FLOAT));
                } catch (IllegalArgumentException e) {
                    throw new FormatException(contents.source(), "holds " + e.getMessage());
                }
            }
        }
        for (String name : net.params().names()) {
            Matrix m = contents.get(name).toMatrix(net.precision());
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
