package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fprnn.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4: train.adam_second_moment = "global" in a run: it changes the trajectory, its
 * checkpoint (with the one second moment) resumes bitwise, the other value is another run for an
 * existing folder while "entry" written out is the default's run, and it is refused without Adam.
 */
class AdamSecondMomentRunTest {
    @TempDir
    Path dir;

    private static final String ID = "weights/linearized_lr0.01.safetensors";

    private Path config(String trainExtra) throws IOException {
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data)) {
            TinyIdx.write(Files.createDirectories(data), 300, 100, 11);
        }
        String base = ClassificationRunTest.config(data, "linearized = [0.01]");
        String text = base.replace("rules = [\"gradient\", \"linearized\"]", "rules = [\"linearized\"]")
                .replace("full_test_every_epoch = true", "full_test_every_epoch = true\n" + trainExtra);
        assertNotEquals(base, text, "the base config changed: this test's edits no longer apply");
        Path cfg = dir.resolve("c" + Integer.toHexString(trainExtra.hashCode()) + ".toml");
        Files.writeString(cfg, text);
        return cfg;
    }

    @Test
    void globalSecondMomentChangesTheRunAndResumesBitwise() throws IOException {
        Path entry = dir.resolve("entry");
        CliRunner e = CliRunner.run("run", config("optimizer = \"adam\"").toString(), "--out", entry.toString());
        assertEquals(0, e.exitCode(), e.err() + e.out());
        Path cfg = config("optimizer = \"adam\"\nadam_second_moment = \"global\"");
        Path whole = dir.resolve("whole");
        CliRunner a = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, a.exitCode(), a.err() + a.out());
        assertNotEquals(-1L, Files.mismatch(entry.resolve(ID), whole.resolve(ID)), "the option changes the run");
        assertTrue(Files.readString(whole.resolve("results.md")).contains("- training: adam with one second moment for"
                + " all trained parameters"), "the page says which Adam ran");
        assertTrue(Files.readString(entry.resolve("results.md")).contains("- training: adam, batch"));

        Path parts = dir.resolve("parts");
        assertEquals(130, CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "3")
                .exitCode());
        var checkpoint = Safetensors.read(parts.resolve("checkpoints/linearized_lr0.01.safetensors"));
        assertTrue(checkpoint.tensors().containsKey("optimizer.v_global"), checkpoint.tensors().keySet().toString());
        CliRunner b = CliRunner.run("run", cfg.toString(), "--out", parts.toString());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.out().contains("resuming from its checkpoint at step 3"), b.out());
        assertEquals(-1L, Files.mismatch(whole.resolve(ID), parts.resolve(ID)), "resumed weights differ");

        // The default written out is the default's run; the other value is another run.
        CliRunner same = CliRunner.run("run", config("optimizer = \"adam\"\nadam_second_moment = \"entry\"").toString(),
                "--out", entry.toString());
        assertEquals(0, same.exitCode(), same.err());
        assertTrue(same.out().contains("finished before, skipped"), same.out());
        CliRunner other = CliRunner.run("run", cfg.toString(), "--out", entry.toString());
        assertEquals(2, other.exitCode(), other.err());
        assertTrue(other.err().contains("made with other settings"), other.err());
    }

    @Test
    void withoutAdamOrWithAnUnknownValueItIsAConfigError() throws IOException {
        CliRunner sgd = CliRunner.run("run", config("adam_second_moment = \"global\"").toString(), "--out",
                dir.resolve("x").toString());
        assertEquals(2, sgd.exitCode());
        assertTrue(sgd.err().contains("train.adam_second_moment = \"global\" does not apply"), sgd.err());
        CliRunner unknown = CliRunner.run("run", config("optimizer = \"adam\"\nadam_second_moment = \"layer\"")
                .toString(), "--out", dir.resolve("y").toString());
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("train.adam_second_moment"), unknown.err());
        assertTrue(unknown.err().contains("global"), unknown.err());
    }
}
