package org.fprnn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.io.Checksums;
import org.fprnn.io.DType;
import org.fprnn.io.FormatException;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Adam;
import org.fprnn.optim.Optimizer;

/**
 * A training run's checkpoint, as {@code fprnn run} and fprnn-spark's driver write it: one
 * safetensors file, written atomically, so that Python users can open it.
 * Tensors: the network's parameters under their own names (W, U, R, and b, c when present) and the
 * optimizer's state under "optimizer." + its names (empty for plain SGD), and with warm starts the
 * per-sample states of {@link WarmStartCache} under its names. Metadata (strings):
 * format, rule, lr, seed (absent in checkpoints written before seeds existed), step (steps done),
 * seconds (wall time so far), settings (the run's settings as JSON), metrics (the metrics.jsonl lines so far), any further keys the writer adds (fprnn-spark:
 * trainer, refusals), and the SHA-256 checksums of every tensor and of the metadata
 * ({@link Checksums#stamp}).
 *
 * <p>A checkpoint is never trusted blindly: {@link #read} verifies the checksums and the metadata
 * (rule and learning rate of its run, 1 <= step, finite seconds, metrics lines that number the steps
 * 0..step-1, every tensor finite) and {@link #check} the step against the run's length and every
 * tensor's shape against the network, before anything is restored. A file that fails is refused
 * with a {@link FormatException} naming it and what is wrong. Checkpoints of earlier versions,
 * written without checksums, are accepted with the same metadata checks ({@link #verified()} false:
 * the caller prints a one-line note).
 */
public record TrainingCheckpoint(String rule, double lr, String settings, int step, double seconds,
                                 List<String> lines, Safetensors.Contents contents, boolean verified) {
    public static final String FORMAT = "fprnn-checkpoint/1";
    private static final String OPT = "optimizer.";
    private static final String WARM = "warm_start.";

    /**
     * Writes a checkpoint after {@code step} steps of the run of {@code rule} at {@code lr} from {@code seed}.
     *
     * @param settings the run's identity (JSON), compared by whoever resumes it
     * @param warm the run's warm starts, or null
     * @param extra further metadata (names other than the ones above)
     */
    public static void write(Path file, String rule, double lr, long seed, String settings, FixedPointNetwork net,
                             Optimizer opt, WarmStartCache warm, int step, double seconds, List<String> lines,
                             Map<String, String> extra) throws IOException {
        Params state = opt.state();
        // read() refuses such a file as damaged, so it could never be resumed: refuse to write it.
        for (Params p : List.of(net.params(), state)) {
            for (String n : p.names()) {
                if (!p.get(n).allFinite()) {
                    throw new IllegalArgumentException("cannot checkpoint " + file + ": "
                            + (p == state ? "optimizer state " : "parameter ") + n + " holds non-finite values (NaN or infinity), and a checkpoint of it"
                            + " could not be resumed");
                }
            }
        }
        Map<String, Object> tensors = new LinkedHashMap<>();
        net.params().asMap().forEach(tensors::put);
        for (String n : state.names()) {
            tensors.put(OPT + n, state.get(n));
        }
        if (warm != null) {
            tensors.putAll(warm.tensors());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("rule", rule);
        meta.put("lr", Double.toString(lr));
        meta.put("seed", Long.toString(seed));
        meta.put("step", Integer.toString(step));
        meta.put("seconds", Double.toString(seconds));
        meta.put("settings", settings);
        StringBuilder metrics = new StringBuilder();
        lines.forEach(l -> metrics.append(l).append('\n'));
        meta.put("metrics", metrics.toString());
        extra.forEach((k, v) -> {
            if (meta.containsKey(k)) {
                throw new IllegalArgumentException("checkpoint metadata '" + k + "' is written by every checkpoint");
            }
            meta.put(k, v);
        });
        Safetensors.write(file, tensors, Checksums.stamp(tensors, meta));
    }

    /**
     * Reads a checkpoint of the run of {@code rule} at {@code lr} from {@code seed} and verifies its
     * checksums and metadata (see the class comment).
     */
    public static TrainingCheckpoint read(Path file, String rule, double lr, long seed) throws IOException {
        return read(file, rule, Double.valueOf(lr), Long.valueOf(seed));
    }

    /**
     * Reads a checkpoint of any run and verifies it as {@link #read(Path, String, double, long)} does, but
     * for its rule, learning rate and seed, which the caller compares with its own (fprnn-spark compares
     * every setting at once, naming those that differ).
     */
    public static TrainingCheckpoint read(Path file) throws IOException {
        return read(file, null, null, null);
    }

    private static TrainingCheckpoint read(Path file, String wantRule, Double wantLr, Long wantSeed)
            throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new FormatException(file, "is not an fprnn checkpoint (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        boolean verified = Checksums.verify(c);
        for (String key : List.of("rule", "lr", "step", "seconds", "settings")) {
            if (meta.get(key) == null) {
                throw new FormatException(file, "has no '" + key + "' in its checkpoint metadata");
            }
        }
        String rule = meta.get("rule");
        if (wantRule != null && !wantRule.equals(rule)) {
            throw new FormatException(file, "is a checkpoint of rule " + rule + ", not of " + wantRule);
        }
        int step = (int) number(file, meta, "step", true);
        double seconds = number(file, meta, "seconds", false);
        double lr = number(file, meta, "lr", false);
        if (wantLr != null && lr != wantLr) {
            throw new FormatException(file, "is a checkpoint of learning rate " + meta.get("lr") + ", not of " + wantLr);
        }
        if (wantSeed != null && meta.get("seed") != null && !meta.get("seed").strip().equals(wantSeed.toString())) {
            // Checkpoints written before seeds existed have no seed; their settings name it.
            throw new OtherSeed(file, meta.get("seed").strip(), wantSeed);
        }
        if (step < 1) {
            throw new FormatException(file, "records step " + step + "; a checkpoint holds at least one step");
        }
        if (!(seconds >= 0 && Double.isFinite(seconds))) {
            throw new FormatException(file, "records a wall time of " + meta.get("seconds") + " s");
        }
        List<String> lines = new ArrayList<>();
        for (String l : meta.getOrDefault("metrics", "").split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        checkLines(file, lines, step);
        for (var e : c.tensors().entrySet()) {
            // Warm-start caches mark the rows never kept with NaN; the checksums cover them.
            if (!e.getKey().startsWith(WARM) && !allFinite(e.getValue())) {
                throw new FormatException(file, "holds non-finite values (NaN or infinity) in tensor " + e.getKey()
                        + "; training never saves such weights, so the file was altered or damaged");
            }
        }
        return new TrainingCheckpoint(rule, lr, meta.get("settings"), step, seconds, lines, c, verified);
    }

    /** A number of the metadata; a FormatException naming the key if it is not one (or not whole). */
    private static double number(Path file, Map<String, String> meta, String key, boolean whole) throws FormatException {
        try {
            return whole ? Integer.parseInt(meta.get(key).strip()) : Double.parseDouble(meta.get(key));
        } catch (NumberFormatException e) {
            throw new FormatException(file, "records " + key + " '" + meta.get(key) + "', not a"
                    + (whole ? " whole number" : " number"));
        }
    }

    /** The metrics lines must be those of steps 0..step-1, in order (with evaluations between them). */
    private static void checkLines(Path file, List<String> lines, int step) throws FormatException {
        int next = 0;
        for (String l : lines) {
            Object rec = MetricsLines.parse(l, file + " (metrics in its metadata)");
            if (rec instanceof StepRecord s) {
                if (s.step() != next) {
                    throw new FormatException(file, "its metrics give step " + s.step() + " where step " + next
                            + " belongs; the file was altered");
                }
                next++;
            } else if (rec instanceof EvalRecord e && (e.step() < 1 || e.step() > next)) {
                throw new FormatException(file, "its metrics give an evaluation after step " + e.step() + " among the"
                        + " first " + next + " steps; the file was altered");
            }
        }
        if (next != step) {
            throw new FormatException(file, "records step " + step + " but its metrics hold " + next + " steps;"
                    + " the file was altered");
        }
    }

    private static boolean allFinite(NdArray a) {
        for (int i = 0; i < a.size(); i++) {
            if (!Double.isFinite(a.getDouble(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks that this checkpoint fits its run: a step before the run's end and, for every parameter
     * of the network and every optimizer state tensor, a tensor of the same shape. Changes nothing.
     */
    public void check(int totalSteps, FixedPointNetwork net) throws FormatException {
        if (step >= totalSteps) {
            throw new FormatException(contents.source(), "records step " + step + " but the run has " + totalSteps
                    + " steps (a checkpoint is written only before a run's end)");
        }
        checkShapes(net);
    }

    /**
     * Checks that every parameter of the network and every optimizer state tensor has a tensor of
     * the same shape here. Changes nothing.
     */
    public void checkShapes(FixedPointNetwork net) throws FormatException {
        String file = contents.source();
        Params params = net.params();
        for (String name : params.names()) {
            NdArray a = contents.get(name);
            Matrix p = params.get(name);
            if (a.ndim() != 2 || a.dim(0) != p.rows || a.dim(1) != p.cols) {
                throw new FormatException(file, "holds " + name + " of shape " + a.shapeString()
                        + " but the network's is " + p.shape());
            }
        }
        for (var e : contents.tensors().entrySet()) {
            if (!e.getKey().startsWith(OPT)) {
                continue;
            }
            String n = e.getKey().substring(OPT.length());
            NdArray a = e.getValue();
            if (n.equals("step")) {
                double t = a.size() == 1 ? a.getDouble(0) : Double.NaN;
                if (!(t >= 0 && t <= step && t == Math.rint(t))) {
                    throw new FormatException(file, "holds an optimizer step count of " + t + " after " + step
                            + " steps; the file was altered");
                }
                continue;
            }
            if (n.equals(Adam.GLOBAL_V) && !params.names().contains(n)) {
                double v = a.size() == 1 ? a.getDouble(0) : Double.NaN;
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new FormatException(file, "holds Adam's global second moment " + v + " (of shape "
                            + a.shapeString() + "): it must be one finite number >= 0; the file was altered");
                }
                continue;
            }
            String param = params.names().contains(n) ? n : n.substring(n.indexOf('.') + 1);
            if (!params.names().contains(param)) {
                throw new FormatException(file, "holds optimizer state " + n + " for no parameter of the network");
            }
            Matrix p = params.get(param);
            if (a.ndim() != 2 || a.dim(0) != p.rows || a.dim(1) != p.cols) {
                throw new FormatException(file, "holds optimizer state " + n + " of shape " + a.shapeString()
                        + " but the parameter " + param + " has shape " + p.shape());
            }
        }
    }

    /**
     * Copies the saved parameters into the network, the saved state into the optimizer and, with warm
     * starts ({@code warm} not null), the saved per-sample states into the cache.
     */
    public void restore(FixedPointNetwork net, Optimizer opt, WarmStartCache warm) throws FormatException {
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

    /** A metadata value (e.g. one the writer added), or null. */
    public String metadata(String key) {
        return contents.metadata().get(key);
    }

    /**
     * An intact checkpoint of the same rule and learning rate but another seed: the file is sound,
     * the caller asked for the wrong run (a sweep's runs of its first seed are named without a seed).
     */
    public static final class OtherSeed extends FormatException {
        private static final long serialVersionUID = 1L;
        private final String seed;

        OtherSeed(Path file, String seed, long wanted) {
            super(file, "is a checkpoint of seed " + seed + ", not of " + wanted);
            this.seed = seed;
        }

        /** The seed the checkpoint was made with, as its metadata writes it. */
        public String seed() {
            return seed;
        }
    }
}
