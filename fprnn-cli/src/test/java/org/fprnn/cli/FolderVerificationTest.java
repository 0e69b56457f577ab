package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.io.Checksums;
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 2: checkpoints and finished runs are verified before any work. A damaged or
 * edited checkpoint, a finished run whose weights were deleted or altered, a malformed run record
 * or metrics line: each is refused with exit 2 and one message naming the file and what to do, and
 * nothing in the folder changes. Files of earlier versions (no checksums) are still used, with a
 * note.
 */
class FolderVerificationTest {
    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path cfg;
    static Path base;
    static Path whole;

    /** One interrupted folder (copied by every test) and one uninterrupted sweep to compare with. */
    @BeforeAll
    static void sweep() throws IOException {
        cfg = TinySweep.config(shared);
        base = shared.resolve("base");
        TinySweep.interrupted(cfg, base);
        whole = shared.resolve("whole");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    private Path copy() throws IOException {
        Path out = dir.resolve("res");
        for (var e : TinySweep.snapshot(base).entrySet()) {
            Path f = out.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        return out;
    }

    /** Runs the sweep into out and asserts a refusal: exit 2, a message naming file, nothing changed. */
    private String assertRefused(Path out, Path file, String why) throws IOException {
        Map<String, byte[]> before = TinySweep.snapshot(out);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(TinySweep.isCleanMessage(r.err(), file.getFileName().toString()), r.err());
        assertTrue(r.err().contains(why), "message should say '" + why + "': " + r.err());
        assertEquals(List.of(), TinySweep.changed(before, TinySweep.snapshot(out)), "files changed by a refused run");
        return r.err();
    }

    /**
     * Weights without a record or checkpoint (a finish cut short, or a deleted record): with this
     * sweep's settings the run is trained again, with a note, to the same weights; weights recorded
     * with other settings, or that do not verify, are refused and left alone (they used to be
     * trained over silently).
     */
    @Test
    void weightsWithoutARecordAreTrainedAgainOnlyWithTheSameSettings() throws IOException {
        Path out = copy();
        Files.delete(TinySweep.record(out));
        Files.delete(out.resolve("runs").resolve(TinySweep.FINISHED + ".metrics.jsonl"));
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("has weights but no record"), r.out());
        assertArrayEquals(Files.readAllBytes(TinySweep.weights(whole)), Files.readAllBytes(TinySweep.weights(out)));

        Path o = copy();    // the interrupted folder again, over the one above
        Files.delete(TinySweep.record(o));
        TinySweep.rewrite(TinySweep.weights(o), t -> t, m -> {
            m.put("settings", m.get("settings").replace("\"lr\":0.2", "\"lr\":0.3"));
            return m;
        }, true);
        assertRefused(o, TinySweep.weights(o), "made with other settings");

        Files.write(TinySweep.weights(o), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertRefused(o, TinySweep.weights(o), "do not verify");
    }

    @Test
    void checkpointWithAFlippedByteIsRefused() throws IOException {
        Path out = copy();
        Path ckpt = TinySweep.checkpoint(out);
        byte[] b = Files.readAllBytes(ckpt);
        b[b.length - 5] ^= 0x10;   // a byte of the last tensor's data
        Files.write(ckpt, b);
        String err = assertRefused(out, ckpt, "does not match its recorded SHA-256");
        assertTrue(err.contains("Delete " + ckpt), err);
    }

    @Test
    void checkpointWithANaNIsRefusedEvenWithItsChecksumsRecomputed() throws IOException {
        Path out = copy();
        Path ckpt = TinySweep.checkpoint(out);
        TinySweep.rewrite(ckpt, t -> {
            t.put("W", TinySweep.with(t.get("W"), 7, Double.NaN));
            return t;
        }, m -> m, true);
        assertRefused(out, ckpt, "non-finite values");
    }

    @Test
    void checkpointStepsOutsideTheRunAreRefused() throws IOException {
        for (String step : List.of("50", "10", "-3", "0", "2", "x")) {
            Path out = copy();
            Path ckpt = TinySweep.checkpoint(out);
            TinySweep.rewrite(ckpt, t -> t, m -> {
                m.put("step", step);
                return m;
            }, true);
            assertRefused(out, ckpt, "step");
            deleteTree(out);
        }
    }

    @Test
    void finishedRunWhoseWeightsAreDeletedOrAlteredIsRefused() throws IOException {
        Path out = copy();
        Path w = TinySweep.weights(out);
        Files.delete(w);
        String err = assertRefused(out, w, "is missing");
        assertTrue(err.contains("delete those three files"), err);
        assertTrue(err.contains("--allow-missing-weights"), err);

        out = dir.resolve("res2");
        Files.move(dir.resolve("res"), out);
        Files.write(TinySweep.weights(out), Files.readAllBytes(TinySweep.weights(whole)));
        byte[] b = Files.readAllBytes(TinySweep.weights(out));
        b[b.length - 1] ^= 1;
        Files.write(TinySweep.weights(out), b);
        assertRefused(out, TinySweep.weights(out), "does not match the SHA-256");
    }

    /**
     * A folder taken from git has runs/ but no weights/: told so, the sweep uses the finished run
     * from its checked record and metrics, resumes the other to the uninterrupted sweep's weights,
     * and still refuses weights that are present but altered.
     */
    @Test
    void missingWeightsAreAcceptedOnlyWhenAllowedAndAlteredOnesStillRefused() throws IOException {
        Path out = copy();
        Path w = TinySweep.weights(out);
        Files.delete(w);
        Path rec = TinySweep.record(out);
        Path metrics = out.resolve("runs").resolve(TinySweep.FINISHED + ".metrics.jsonl");
        byte[] recBefore = Files.readAllBytes(rec);
        byte[] metricsBefore = Files.readAllBytes(metrics);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--allow-missing-weights");
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("note: 1 finished run has no weights file"), r.out());
        assertTrue(r.out().contains("finished before, skipped"), r.out());
        assertFalse(Files.exists(w), "a missing weights file is not made up");
        assertEquals(-1, Files.mismatch(rec, TinySweep.record(out)));
        assertArrayEquals(recBefore, Files.readAllBytes(rec));
        assertArrayEquals(metricsBefore, Files.readAllBytes(metrics));
        Path resumed = out.resolve("weights").resolve(TinySweep.RESUMED + ".safetensors");
        assertEquals(-1, Files.mismatch(whole.resolve("weights").resolve(TinySweep.RESUMED + ".safetensors"), resumed),
                "the resumed run's final weights differ from the uninterrupted sweep's");
        assertEquals(accuracies(whole.resolve("summary.json")), accuracies(out.resolve("summary.json")),
                "the page's accuracies differ from the uninterrupted sweep's");

        deleteTree(out);
        out = copy();
        byte[] b = Files.readAllBytes(TinySweep.weights(out));
        b[b.length - 1] ^= 1;
        Files.write(TinySweep.weights(out), b);
        Map<String, byte[]> before = TinySweep.snapshot(out);
        r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--allow-missing-weights");
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("does not match the SHA-256"), r.err());
        assertEquals(List.of(), TinySweep.changed(before, TinySweep.snapshot(out)), "files changed by a refused run");
    }

    @Test
    void malformedRunRecordOrMetricsLineIsRefused() throws IOException {
        Path out = copy();
        Path rec = TinySweep.record(out);
        Files.writeString(rec, Files.readString(rec).substring(0, 200));
        assertRefused(out, rec, "finished run refused");

        deleteTree(out);
        out = copy();
        Path metrics = out.resolve("runs").resolve(TinySweep.FINISHED + ".metrics.jsonl");
        String text = Files.readString(metrics);
        Files.writeString(metrics, text.replaceFirst("\"train_loss\":", "\"train_loss\":{"));
        assertRefused(out, metrics, "SHA-256");
        // A record of an earlier version (no checksums) with a malformed metrics line: still refused.
        Path record = TinySweep.record(out);
        Files.writeString(record, Files.readString(record).replaceAll("\"(metrics|weights)_sha256\": \"[0-9a-f]+\",?", ""));
        assertRefused(out, metrics, "finished run refused");
    }

    @Test
    void filesOfEarlierVersionsWithoutChecksumsStillResumeToTheSameResult() throws IOException {
        Path out = copy();
        TinySweep.rewrite(TinySweep.checkpoint(out), t -> t, m -> {
            m.keySet().removeIf(k -> k.startsWith(Checksums.TENSOR_PREFIX));
            return m;
        }, false);
        Path record = TinySweep.record(out);
        String text = Files.readString(record).replaceAll("\\s*\"(metrics|weights)_sha256\": \"[0-9a-f]+\",?", "");
        Files.writeString(record, text);
        assertFalse(text.contains("sha256"), text);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        assertTrue(r.out().contains("without checksums"), r.out());
        assertTrue(r.out().contains("resuming from its checkpoint at step 3"), r.out());
        for (String id : List.of(TinySweep.FINISHED, TinySweep.RESUMED)) {
            Path wa = whole.resolve("weights").resolve(id + ".safetensors");
            Path wb = out.resolve("weights").resolve(id + ".safetensors");
            assertEquals(-1, Files.mismatch(wa, wb), id + ": final weights differ");
        }
    }

    @Test
    void weightsRecordTheirChecksumInTheRunRecord() throws IOException {
        var rec = (Map<?, ?>) org.fprnn.io.Json.parse(Files.readString(TinySweep.record(whole)), "record");
        assertEquals(Checksums.ofFile(TinySweep.weights(whole)), rec.get("weights_sha256"));
        assertTrue(Checksums.verify(Safetensors.read(TinySweep.weights(whole))));
    }

    /** Every "final_test_acc" and "best_full_test_acc" value of a summary.json, in order. */
    private static List<String> accuracies(Path summary) throws IOException {
        var m = java.util.regex.Pattern.compile("\"(final_test_acc|best_full_test_acc)\": ([^,\\n]+)")
                .matcher(Files.readString(summary));
        List<String> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(m.group(0));
        }
        assertFalse(found.isEmpty(), summary + " holds no accuracies");
        return found;
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
