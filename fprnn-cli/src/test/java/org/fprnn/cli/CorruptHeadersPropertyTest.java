package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.fprnn.data.Idx;
import org.fprnn.io.Npy;

/**
 * Issue 16, the property test of the input half: random corruptions of the header of an NPY input of
 * fprnn rule, or of an IDX file of a data folder (data.name = "idx"), never give a stack trace; a
 * corrupted file that the readers refuse gives exit code 2 with a message naming the file, before
 * anything is written; the input files are never changed (nothing consumed). A corruption the readers
 * still accept (a header that happens to stay valid) may run (exit 0) or be refused later (exit 2).
 */
class CorruptHeadersPropertyTest {
    private static Path root;
    private static byte[][] npyClean;
    private static byte[][] idxClean;
    private static final List<String> NPY = List.of("W.npy", "U.npy", "R.npy", "X.npy", "y.npy");
    private static final List<String> IDX = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
    private static int tries;

    @BeforeContainer
    static void inputs() throws IOException {
        root = Files.createTempDirectory("fprnn-corrupt");
        Path in = Files.createDirectories(root.resolve("clean-npy"));
        RuleInputs.write(in);
        npyClean = new byte[NPY.size()][];
        for (int k = 0; k < NPY.size(); k++) {
            npyClean[k] = Files.readAllBytes(in.resolve(NPY.get(k)));
        }
        Path data = Files.createDirectories(root.resolve("clean-idx"));
        TinyIdx.write(data, 40, 20, 6);
        idxClean = new byte[IDX.size()][];
        for (int k = 0; k < IDX.size(); k++) {
            idxClean[k] = Files.readAllBytes(data.resolve(IDX.get(k)));
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One corruption: set a byte, drop a byte, insert a byte, or cut the file, at a header position. */
    record Corruption(int file, int kind, int position, int value) {
        byte[] apply(byte[] clean, int headerLength) {
            int pos = position % (headerLength + (kind == 3 ? 1 : 0));
            byte[] b;
            switch (kind) {
                case 0 -> {
                    b = clean.clone();
                    b[pos] = (byte) (b[pos] == (byte) value ? value + 1 : value);
                }
                case 1 -> {
                    b = new byte[clean.length - 1];
                    System.arraycopy(clean, 0, b, 0, pos);
                    System.arraycopy(clean, pos + 1, b, pos, clean.length - pos - 1);
                }
                case 2 -> {
                    b = new byte[clean.length + 1];
                    System.arraycopy(clean, 0, b, 0, pos);
                    b[pos] = (byte) value;
                    System.arraycopy(clean, pos, b, pos + 1, clean.length - pos);
                }
                default -> b = Arrays.copyOf(clean, pos);
            }
            return b;
        }
    }

    @Provide
    Arbitrary<Corruption> npyCorruptions() {
        return Combinators.combine(Arbitraries.integers().between(0, NPY.size() - 1), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 255)).as(Corruption::new);
    }

    @Provide
    Arbitrary<Corruption> idxCorruptions() {
        return Combinators.combine(Arbitraries.integers().between(0, IDX.size() - 1), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 255)).as(Corruption::new);
    }

    /** The NPY header: magic, version, the header length field and the header text. */
    static int npyHeaderLength(byte[] b) {
        int len = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        return 10 + len;
    }

    @Property(tries = 150)
    void corruptNpyHeaderOfARuleInput(@ForAll("npyCorruptions") Corruption c) throws IOException {
        Path in = Files.createDirectories(root.resolve("npy-" + tries++));
        for (int k = 0; k < NPY.size(); k++) {
            Files.write(in.resolve(NPY.get(k)), npyClean[k]);
        }
        Path file = in.resolve(NPY.get(c.file()));
        byte[] bad = c.apply(npyClean[c.file()], npyHeaderLength(npyClean[c.file()]));
        Files.write(file, bad);
        boolean readable;
        try {
            Npy.read(file);
            readable = true;
        } catch (IOException | RuntimeException e) {
            readable = false;
        }
        Path out = in.resolve("out");
        CliRunner r = CliRunner.run(RuleInputs.args(in, out).toArray(String[]::new));
        check(r, readable, file, c);
        assertArrayEquals(bad, Files.readAllBytes(file), "the input is unchanged");
        if (r.exitCode() == 2) {
            assertFalse(Files.exists(out), "nothing written on exit 2");
        }
    }

    @Property(tries = 60)
    void corruptIdxHeaderOfADataFolder(@ForAll("idxCorruptions") Corruption c) throws IOException {
        Path data = Files.createDirectories(root.resolve("idx-" + tries++));
        for (int k = 0; k < IDX.size(); k++) {
            Files.write(data.resolve(IDX.get(k)), idxClean[k]);
        }
        Path file = data.resolve(IDX.get(c.file()));
        boolean images = IDX.get(c.file()).contains("images");
        byte[] bad = c.apply(idxClean[c.file()], images ? 16 : 8);
        Files.write(file, bad);
        boolean readable;
        try {
            if (images) {
                Idx.readImages(file);
            } else {
                Idx.readLabels(file);
            }
            readable = true;
        } catch (IOException | RuntimeException e) {
            readable = false;
        }
        Path out = data.resolve("res");
        CliRunner r = CliRunner.run("train", "--lr", "0.1", "--data", "idx", "--data-dir", data.toString(), "--units", "4",
                "--batch-size", "20", "--test-batch", "0", "--threads", "1", "--out", out.toString());
        check(r, readable, file, c);
        assertArrayEquals(bad, Files.readAllBytes(file), "the data file is unchanged");
        if (r.exitCode() == 2) {
            assertFalse(Files.exists(out.resolve("runs")) || Files.exists(out.resolve("weights")), "no run on exit 2");
        }
    }

    private static void check(CliRunner r, boolean readable, Path file, Corruption c) {
        String what = c + ": exit " + r.exitCode() + "\n" + r.err();
        assertFalse(UserErrorTest.hasTrace(r.err()) || UserErrorTest.hasTrace(r.out()), what);
        assertFalse(r.err().contains("internal error"), what);
        if (!readable) {
            assertEquals(2, r.exitCode(), what);
            assertTrue(r.err().contains(file.getFileName().toString()), "the message names the file: " + what);
        } else {
            assertTrue(r.exitCode() == 0 || r.exitCode() == 2, what);
            if (r.exitCode() == 2) {
                assertTrue(r.err().startsWith("fprnn: ") && r.err().length() > 20, what);
            }
        }
    }
}
