package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.fprnn.data.Idx;
import org.fprnn.io.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 3: the classes of an IDX folder are data.classes or the training labels' range
 * (stated in summary.json); a label outside them in either split, or test images of another shape,
 * is exit code 2 at load, naming the file and the index.
 */
class IdxFolderLabelsTest {
    @TempDir
    Path dir;

    Path data;

    @BeforeEach
    void folder() throws IOException {
        data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 60, 20, 9);
    }

    /** Sets label i of a labels file (prefix train or t10k) to v. */
    void setLabel(String prefix, int i, int v) throws IOException {
        Path f = data.resolve(prefix + "-labels-idx1-ubyte");
        Idx.IdxArray a = Idx.readLabels(f);
        byte[] y = a.data().clone();
        y[i] = (byte) v;
        Idx.write(f, a.dims(), y, false);
    }

    CliRunner run(String extraData) throws IOException {
        String cfg = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.5]"),
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]",
                "threads = 2", "threads = 1",
                "epochs = 2", "epochs = 1",
                "[network]", extraData + "\n[network]");
        Path file = Files.writeString(dir.resolve("c.toml"), cfg);
        return CliRunner.run("run", file.toString(), "--out", dir.resolve("res").toString());
    }

    @Test
    void aStrayTrainingLabelIsAnErrorNamingFileAndIndex() throws IOException {
        setLabel("train", 17, 42);
        CliRunner r = run("");
        UserErrorTest.assertUserError(r, "train-labels-idx1-ubyte", "label 42 at index 17", "data.classes = 43");
        assertFalse(Files.exists(dir.resolve("res").resolve("runs")), "nothing run");
    }

    @Test
    void aTestLabelOutsideTheTrainingClassesIsAnError() throws IOException {
        setLabel("t10k", 5, 255);
        UserErrorTest.assertUserError(run(""), "t10k-labels-idx1-ubyte", "label 255 at index 5", "0..9");
    }

    @Test
    void declaredClassesBoundBothSplitsAndAreStatedInTheSummary() throws IOException {
        setLabel("t10k", 3, 12);
        UserErrorTest.assertUserError(run("classes = 12"), "t10k-labels-idx1-ubyte", "label 12 at index 3",
                "data.classes = 12");
        setLabel("t10k", 3, 11);
        CliRunner ok = run("classes = 12");
        assertEquals(0, ok.exitCode(), ok.err());
        Map<?, ?> summary = (Map<?, ?>) Json.parse(Files.readString(dir.resolve("res/summary.json")), "summary");
        assertEquals(12L, ((Map<?, ?>) summary.get("data")).get("classes"));
    }

    @Test
    void classesKeyIsForIdxFoldersOnly() throws IOException {
        String cfg = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.5]"),
                "name = \"idx\"", "name = \"mnist\"",
                "[network]", "classes = 10\n[network]");
        Path file = Files.writeString(dir.resolve("m.toml"), cfg);
        UserErrorTest.assertUserError(CliRunner.run("run", file.toString()), "data.classes = 10 does not apply");
    }

    @Test
    void testImagesOfAnotherShapeAreAnErrorAtLoad() throws IOException {
        Path f = data.resolve("t10k-images-idx3-ubyte");
        Idx.IdxArray a = Idx.readImages(f);
        Idx.write(f, new int[] {a.count(), 14, 56}, a.data(), false);
        CliRunner r = run("");
        UserErrorTest.assertUserError(r, "t10k-images-idx3-ubyte", "14 x 56", "28 x 28");
        assertFalse(r.out().contains("[1/1]"), "no run started: " + r.out());
    }
}
