package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 4 (full disk), with real processes on a small tmpfs (which needs root: skipped
 * otherwise). A run that fills the disk stops with exit 2 and a message, keeps its last good
 * checkpoint byte for byte and records nothing; with room again, the same command resumes and ends
 * with bitwise the weights of an uninterrupted run.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    static final long TIMEOUT_S = 240;

    @Test
    void aRunThatFillsTheDiskStopsCleanlyAndResumesLater() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a small tmpfs needs root; the full-disk test runs only as root");
        Path disk = Files.createDirectories(dir.resolve("disk"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.toString()) == 0,
                "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        try {
            Path cfg = TinySweep.config(dir);
            Path logs = dir.resolve("logs");
            Path whole = dir.resolve("whole");
            assertEquals(0, waitFor(Processes.start(logs, "whole", "run", cfg.toString(), "--out", whole.toString())),
                    Processes.log(logs, "whole"));

            Path out = disk.resolve("res");
            assertEquals(130, waitFor(Processes.start(logs, "first", "run", cfg.toString(), "--out", out.toString(),
                    "--stop-after-steps", "3")), Processes.log(logs, "first"));
            Path ckpt = out.resolve("checkpoints").resolve("gradient_lr0.2.safetensors");
            byte[] good = Files.readAllBytes(ckpt);
            // Leave 8 KiB: the metrics lines of a few steps fit, the next checkpoint (about 55 KB) does not.
            long free = Files.getFileStore(disk).getUsableSpace();
            Path filler = disk.resolve("filler");
            Files.write(filler, new byte[(int) (free - 8192)]);

            int code = waitFor(Processes.start(logs, "full", "run", cfg.toString(), "--out", out.toString()));
            String err = Processes.err(logs, "full");
            assertEquals(2, code, Processes.log(logs, "full"));
            assertTrue(err.contains("No space left on device") && err.contains("last checkpoint")
                    && err.contains("(step 3)") && err.contains("run the same command to resume"), err);
            assertFalse(err.contains("\tat ") || err.contains("Exception"), err);
            assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(ckpt)), "the last good checkpoint is kept");
            assertFalse(Files.exists(out.resolve("runs").resolve("gradient_lr0.2.json")), "nothing recorded");
            try (var s = Files.list(ckpt.getParent())) {
                assertEquals(List.of(ckpt.getFileName().toString()),
                        s.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
            }

            Files.delete(filler);
            assertEquals(0, waitFor(Processes.start(logs, "again", "run", cfg.toString(), "--out", out.toString())),
                    Processes.log(logs, "again"));
            assertTrue(Processes.out(logs, "again").contains("resuming from its checkpoint at step 3"));
            for (String id : List.of(TinySweep.FINISHED, TinySweep.RESUMED)) {
                assertEquals(-1, Files.mismatch(whole.resolve("weights").resolve(id + ".safetensors"),
                        out.resolve("weights").resolve(id + ".safetensors")), id + ": final weights differ");
            }
            assertEquals(KillResumeTest.withoutSeconds(whole.resolve("metrics.jsonl")),
                    KillResumeTest.withoutSeconds(out.resolve("metrics.jsonl")));
        } finally {
            run("umount", "-l", disk.toString());
        }
    }

    private static int waitFor(Process p) throws InterruptedException {
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("a run did not end within " + TIMEOUT_S + " s");
        }
        return p.exitValue();
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
