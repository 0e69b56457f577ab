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
 * Issue 13 item 2: the training options (learning-rate schedule with warm-up, gradient-norm clipping,
 * shift augmentation) in a run: they change the trajectory, a run using them resumes bitwise, a
 * changed value is refused for an existing folder, and bad combinations are config errors.
 */
class TrainOptionsRunTest {
    @TempDir
    Path dir;

    private static final String OPTIONS = "schedule = \"cosine\"\nwarmup_steps = 2\nclip_norm = 0.05\naugment_shift = 2";

    private Path config(String trainExtra) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 300, 100, 11);
        String base = ClassificationRunTest.config(data, "linearized = [0.5]");
        String text = base.replace("rules = [\"gradient\", \"linearized\"]", "rules = [\"linearized\"]")
                .replace("full_test_every_epoch = true", "full_test_every_epoch = true\n" + trainExtra);
        assertNotEquals(base, text, "the base config changed: this test's edits no longer apply");
        Path cfg = dir.resolve("c" + trainExtra.hashCode() + ".toml");
        Files.writeString(cfg, text);
        return cfg;
    }

    @Test
    void optionsChangeTheRunAndResumeBitwise() throws IOException {
        Path plain = dir.resolve("plain");
        assertEquals(0, CliRunner.run("run", config("").toString(), "--out", plain.toString()).exitCode());
        Path cfg = config(OPTIONS);
        Path whole = dir.resolve("whole");
        CliRunner a = CliRunner.run("run", cfg.toString(), "--out", whole.toString());
        assertEquals(0, a.exitCode(), a.err() + a.out());
        String id = "weights/linearized_lr0.5.safetensors";
        assertNotEquals(-1L, Files.mismatch(plain.resolve(id), whole.resolve(id)), "the options change the run");
        // The page says how the runs were trained, options included.
        String page = Files.readString(whole.resolve("results.md"));
        for (String said : new String[] {"learning rate decayed to 0 along a cosine over the run after a linear"
                + " warm-up of 2 steps", "direction clipped to Frobenius norm 0.05 over all trained parameters",
                "each training image shifted by up to 2 pixels along each axis"}) {
            assertTrue(page.contains(said), said + "\n" + page);
        }
        String line = Files.readString(plain.resolve("results.md")).lines().filter(l -> l.startsWith("- training: "))
                .findFirst().orElseThrow();
        assertTrue(line.contains("cross-entropy; test batch"), "no options, no clause: " + line);

        Path parts = dir.resolve("parts");
        assertEquals(130, CliRunner.run("run", cfg.toString(), "--out", parts.toString(), "--stop-after-steps", "3")
                .exitCode());
        assertEquals("3", Safetensors.read(parts.resolve("checkpoints/linearized_lr0.5.safetensors")).metadata()
                .get("step"));
        CliRunner b = CliRunner.run("run", cfg.toString(), "--out", parts.toString());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.out().contains("resuming from its checkpoint at step 3"), b.out());
        assertEquals(-1L, Files.mismatch(whole.resolve(id), parts.resolve(id)), "resumed weights differ");
        assertEquals(ResumeTest.withoutSeconds(whole, 12), ResumeTest.withoutSeconds(parts, 12));

        // Another clipping norm is another run: the folder's run is not reused.
        CliRunner other = CliRunner.run("run", cfg.toString(), "--out", whole.toString(), "--set", "train.clip_norm=0.1");
        assertEquals(2, other.exitCode(), other.err());
        assertTrue(other.err().contains("train.clip_norm"), other.err());
    }

    @Test
    void badCombinationsAreConfigErrors() throws IOException {
        CliRunner noEvery = CliRunner.run("run", config("schedule = \"step\"").toString(), "--out",
                dir.resolve("x").toString());
        assertEquals(2, noEvery.exitCode());
        assertTrue(noEvery.err().contains("train.step_every"), noEvery.err());
        CliRunner gamma = CliRunner.run("run", config("schedule = \"cosine\"\nstep_gamma = 0.5").toString(), "--out",
                dir.resolve("y").toString());
        assertEquals(2, gamma.exitCode());
        assertTrue(gamma.err().contains("train.step_gamma = 0.5 does not apply"), gamma.err());
        CliRunner clip = CliRunner.run("run", config("clip_norm = -1").toString(), "--out", dir.resolve("z").toString());
        assertEquals(2, clip.exitCode());
        assertTrue(clip.err().contains("train.clip_norm"), clip.err());
    }
    /**
     * Settings that cannot act in the run are said before it starts: a warm-up as long as the run, a
     * step decay that never comes (notes), and a clipping norm at or above the norm whose directions
     * are refused anyway (a config error, exit 2).
     */
    @Test
    void settingsThatCannotActAreNotedOrRefused() throws IOException {
        CliRunner warm = CliRunner.run("run", config("schedule = \"cosine\"\nwarmup_steps = 1000").toString(), "--out",
                dir.resolve("w").toString(), "--stop-after-steps", "1");
        assertEquals(130, warm.exitCode(), warm.err() + warm.out());
        assertTrue(warm.out().contains("note: train.warmup_steps = 1000 is not shorter than the run's"), warm.out());
        assertTrue(warm.out().contains("the cosine schedule never starts"), warm.out());
        CliRunner step = CliRunner.run("run", config("schedule = \"step\"\nstep_every = 1000").toString(), "--out",
                dir.resolve("s").toString(), "--stop-after-steps", "1");
        assertEquals(130, step.exitCode(), step.err() + step.out());
        assertTrue(step.out().contains("note: train.step_every = 1000 is not shorter than the run's"), step.out());
        assertTrue(step.out().contains("the learning rate never decays"), step.out());
        CliRunner fine = CliRunner.run("run", config("schedule = \"step\"\nstep_every = 3").toString(), "--out",
                dir.resolve("f").toString(), "--stop-after-steps", "1");
        assertTrue(!fine.out().contains("note: train."), "no note for settings that act: " + fine.out());
        CliRunner clip = CliRunner.run("run", config("clip_norm = 1e7").toString(), "--out", dir.resolve("c").toString());
        assertEquals(2, clip.exitCode(), clip.err() + clip.out());
        assertTrue(clip.err().contains("train.clip_norm = 1.0E7 is not below train.max_direction_norm"), clip.err());
        assertTrue(!Files.exists(dir.resolve("c")), "nothing written for a refused config");
    }

    /**
     * A shift of more than half the image's side moves most of each image out of its frame (all of it
     * at the side's length): refused before any run starts, saying the largest shift allowed, also for
     * a value that would overflow the draw.
     */
    @Test
    void aShiftTooLargeForTheImagesIsRefused() throws IOException {
        for (String shift : new String[] {"15", "28", "2147483647"}) {
            Path out = dir.resolve("big" + shift);
            CliRunner r = CliRunner.run("run", config("augment_shift = " + shift).toString(), "--out", out.toString());
            assertEquals(2, r.exitCode(), r.err() + r.out());
            assertTrue(r.err().contains("train.augment_shift = " + shift + " on "), r.err());
            assertTrue(r.err().contains("a shift of " + shift + " pixels is too large for 28 x 28 images: give at most"
                    + " 14"), r.err());
            assertTrue(!Files.exists(out.resolve("runs")), "nothing written for a refused shift");
        }
        CliRunner ok = CliRunner.run("run", config("augment_shift = 14").toString(), "--out", dir.resolve("ok").toString(),
                "--stop-after-steps", "1");
        assertEquals(130, ok.exitCode(), "14 pixels are allowed: the run starts and stops after its first step; "
                + ok.err());
    }

    /**
     * Shift augmentation moves images; on samples of a single pixel it does nothing, so it is refused
     * (exit 2, naming the key) before any run starts, and nothing is written.
     */
    @Test
    void shiftAugmentationOfSamplesThatAreNotImagesIsRefused() throws IOException {
        Path data = Files.createDirectories(dir.resolve("pixels"));
        java.util.Random rng = new java.util.Random(3);
        for (String split : new String[] {"train", "t10k"}) {
            int n = 40;
            byte[] px = new byte[n];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 2);
                px[i] = (byte) (rng.nextInt(100) + 100 * (i % 2));
            }
            org.fprnn.data.Idx.write(data.resolve(split + "-images-idx3-ubyte"), new int[] {n, 1, 1}, px, false);
            org.fprnn.data.Idx.write(data.resolve(split + "-labels-idx1-ubyte"), new int[] {n}, labels, false);
        }
        String text = ClassificationRunTest.config(data, "linearized = [0.5]")
                .replace("rules = [\"gradient\", \"linearized\"]", "rules = [\"linearized\"]")
                .replace("full_test_every_epoch = true", "full_test_every_epoch = true\naugment_shift = 1");
        Path cfg = dir.resolve("pixels.toml");
        Files.writeString(cfg, text);
        Path out = dir.resolve("pixels-out");
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("train.augment_shift = 1 does not apply"), r.err());
        assertTrue(r.err().contains("not images"), r.err());
        assertTrue(!Files.exists(out.resolve("runs")) && !Files.exists(out.resolve("summary.json")),
                "nothing written for a refused config");
    }
}
