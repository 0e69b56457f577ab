package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A results folder records the data its runs were trained on (data.json): the same sweep pointed at
 * other data (an IDX data_dir with other images of the same shape, or other sizes) is refused naming
 * the data, before it touches a finished run or a checkpoint; the same data resume as before, and a
 * folder made before data.json existed records the data it reads next.
 */
class DataFingerprintTest {
    @TempDir
    Path dir;

    @Test
    void otherDataInTheSameFolderAreRefusedNamingTheData() throws IOException {
        Path cfg = TinySweep.config(dir);
        Path out = dir.resolve("out");
        TinySweep.interrupted(cfg, out);   // one run finished, one checkpoint
        Path record = out.resolve("data.json");
        assertTrue(Files.isRegularFile(record));
        String first = Files.readString(record);
        assertTrue(first.contains("\"train_samples\":300") && first.contains("\"sha256\":"), first);

        Path same = Files.createDirectories(dir.resolve("same-shape"));
        TinyIdx.write(same, 300, 100, 12);   // the same shape and sizes, other pixels
        Path fewer = Files.createDirectories(dir.resolve("fewer"));
        TinyIdx.write(fewer, 200, 100, 11);
        Map<String, byte[]> before = TinySweep.snapshot(out);
        for (Path other : List.of(same, fewer)) {
            CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString(), "--set",
                    "data.data_dir=\"" + other.toString().replace("\\", "\\\\") + "\"");
            assertEquals(2, r.exitCode(), r.err() + r.out());
            assertTrue(r.err().contains("are not those the runs in") && r.err().contains("sha256"), r.err());
            assertTrue(other == same || r.err().contains("train_samples 300 -> 200"), r.err());
            assertFalse(r.err().contains("Delete"), "no advice to delete the checkpoint: " + r.err());
        }
        Map<String, byte[]> after = TinySweep.snapshot(out);
        after.remove(".fprnn.lock");
        before.remove(".fprnn.lock");
        assertEquals(List.of(), TinySweep.changed(before, after), "nothing in the folder changed");

        Files.writeString(record, "[1]\n");   // damaged: refused naming the file, nothing run
        CliRunner damaged = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(2, damaged.exitCode(), damaged.err() + damaged.out());
        assertTrue(damaged.err().contains("data.json cannot be read"), damaged.err());
        Files.writeString(record, first);

        CliRunner resumed = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, resumed.exitCode(), resumed.err() + resumed.out());
        assertEquals(first, Files.readString(record));

        // a folder without runs yet (a first sweep stopped before its first step) takes the data read now
        Path empty = dir.resolve("no-runs");
        Files.createDirectories(empty);
        Files.writeString(empty.resolve("data.json"), first.replace("\"sha256\":\"", "\"sha256\":\"0"));
        CliRunner fresh = CliRunner.run("run", cfg.toString(), "--out", empty.toString(), "--stop-after-steps", "1");
        assertEquals(130, fresh.exitCode(), fresh.err() + fresh.out());
        assertEquals(first, Files.readString(empty.resolve("data.json")));

        Files.delete(record);   // a folder made before data.json: the data read next are recorded
        CliRunner old = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(0, old.exitCode(), old.err() + old.out());
        assertEquals(first, Files.readString(record));
    }
}
