package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.fprnn.io.Checksums;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;

/**
 * A tiny two-run sweep (gradient lr 0.2 and linearized lr 0.05, 10 steps each, 5 per epoch) and
 * the results folder states the reliability tests start from: after 13 steps the first run is
 * finished (runs/gradient_lr0.2.*, weights/gradient_lr0.2.safetensors) and the second has a
 * checkpoint at step 3. Also: snapshots of a folder's bytes, and rewriting a safetensors file as a
 * hostile editor would (with its checksums recomputed).
 */
final class TinySweep {
    static final String FINISHED = "gradient_lr0.2";
    static final String RESUMED = "linearized_lr0.05";
    static final int STEPS = 10;

    private TinySweep() {
    }

    /** Writes the data (300 training, 100 test samples) and the config into dir; returns the config. */
    static Path config(Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 300, 100, 11);
        Path cfg = dir.resolve("tiny.toml");
        Files.writeString(cfg, ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.2]\nlinearized = [0.05]"),
                "threads = 2", "threads = 1"));
        return cfg;
    }

    /** Runs the sweep into out for 13 steps: one run finished, one checkpoint at step 3. */
    static void interrupted(Path cfg, Path out) {
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--stop-after-steps", "13");
        assertEquals(130, r.exitCode(), r.err() + r.out());
    }

    static Path checkpoint(Path out) {
        return out.resolve("checkpoints").resolve(RESUMED + ".safetensors");
    }

    static Path weights(Path out) {
        return out.resolve("weights").resolve(FINISHED + ".safetensors");
    }

    static Path record(Path out) {
        return out.resolve("runs").resolve(FINISHED + ".json");
    }

    /** Every file under dir (relative path to bytes). */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return m;
    }

    /** Files that differ between two snapshots (added, removed or changed). */
    static List<String> changed(Map<String, byte[]> a, Map<String, byte[]> b) {
        List<String> out = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(union(a, b))) {
            if (!a.containsKey(k) || !b.containsKey(k) || !java.util.Arrays.equals(a.get(k), b.get(k))) {
                out.add(k);
            }
        }
        return out;
    }

    private static java.util.Set<String> union(Map<String, byte[]> a, Map<String, byte[]> b) {
        java.util.Set<String> s = new java.util.HashSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    /**
     * Rewrites a safetensors file with edited tensors and metadata; with {@code restamp} its
     * checksums are recomputed (a deliberate edit), else the old ones are kept.
     */
    static void rewrite(Path file, UnaryOperator<Map<String, NdArray>> tensors,
                        UnaryOperator<Map<String, String>> metadata, boolean restamp) throws IOException {
        var c = Safetensors.read(file);
        Map<String, NdArray> t = tensors.apply(new LinkedHashMap<>(c.tensors()));
        Map<String, String> meta = metadata.apply(new LinkedHashMap<>(c.metadata()));
        if (restamp) {
            meta.keySet().removeIf(k -> k.startsWith(Checksums.TENSOR_PREFIX));
            meta = Checksums.stamp(t, meta);
        }
        Safetensors.write(file, t, meta);
    }

    /** The tensor with element i set to v (a copy). */
    static NdArray with(NdArray a, int i, double v) {
        Object data = switch (a.data()) {
            case float[] f -> {
                float[] g = f.clone();
                g[i] = (float) v;
                yield g;
            }
            case double[] d -> {
                double[] g = d.clone();
                g[i] = v;
                yield g;
            }
            default -> throw new IllegalArgumentException("not a float tensor: " + a.dtype());
        };
        return new NdArray(a.source(), a.dtype(), a.shape(), data);
    }

    /** A message for the user: "fprnn: ..." naming the file, and no Java stack trace. */
    static boolean isCleanMessage(String err, String fileName) {
        return err.contains("fprnn: ") && err.contains(fileName) && !err.contains("\tat ")
                && !err.contains("Exception");
    }
}
