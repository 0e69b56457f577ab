package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.bench.Benchmarks;
import org.fprnn.io.BenchmarksFile;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fprnn bench: every benchmark's --quick mode runs end to end (on synthetic MNIST-shaped data where
 * it needs data) and writes a well-formed section into a BENCHMARKS.md: its markers, the command and
 * machine, a table with rows, and only finite numbers.
 */
class BenchCommandTest {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?(e[-+]?\\d+)?");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"rules", "solver", "convergence", "end-to-end", "warm", "warm-reach", "scaling", "memory", "threads",
        "blas", "parts", "conv", "chunks", "adjoint"})
    void quickModeWritesAWellFormedSection(String name) throws Exception {
        Path md = dir.resolve("BENCHMARKS.md");
        Files.writeString(md, "# Benchmarks\n\nIntro kept.\n\n<!-- begin other -->\nother section kept\n<!-- end other -->\n");
        List<String> args = new java.util.ArrayList<>(List.of("bench", name, "--quick", "--synthetic-data", "--out",
                md.toString()));
        if (name.equals("solver") || name.equals("adjoint")) {   // only they read it (others refuse it)
            args.addAll(List.of("--results-dir", dir.resolve("no-results").toString()));
        }
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err() + r.out());
        String text = Files.readString(md);
        assertTrue(text.startsWith("# Benchmarks\n\nIntro kept."), text);
        assertEquals("other section kept", BenchmarksFile.section(text, "other"));
        String section = BenchmarksFile.section(text, name);
        assertNotNull(section, "no section " + name + " in\n" + text);
        assertTrue(section.startsWith("## "), section);
        assertTrue(section.contains("Written by `fprnn bench " + name + " --quick"), section);
        assertTrue(section.contains("cores; Java "), "the machine is named: " + section);
        assertTrue(section.contains("A --quick run"), section);
        List<List<String>> rows = tableRows(section);
        assertFalse(rows.isEmpty(), "no table rows in\n" + section);
        assertFalse(section.contains("NaN") || section.contains("Infinity"), section);
        for (List<String> row : rows) {
            boolean anyNumber = false;
            for (String cell : row.subList(1, row.size())) {
                Matcher m = NUMBER.matcher(cell);
                while (m.find()) {
                    anyNumber = true;
                    assertTrue(Double.isFinite(Double.parseDouble(m.group())), cell);
                }
            }
            assertTrue(anyNumber, "a row without numbers: " + row);
        }
        // The console shows the same table.
        assertTrue(r.out().contains(rows.getFirst().getFirst()), r.out());
        assertEquals(1, count(text, BenchmarksFile.begin(name)));
    }

    /**
     * A BENCHMARKS.md whose section the benchmark would write has broken markers: exit 2 before any
     * benchmark runs, naming the file and the section, and the file is left as it was.
     */
    @Test
    void aBrokenSectionIsRefusedBeforeTheBenchmarkRuns() throws Exception {
        Path md = dir.resolve("BENCHMARKS.md");
        String broken = "# Benchmarks\n\n<!-- begin memory -->\nhalf a section\n";
        Files.writeString(md, broken);
        CliRunner r = CliRunner.run("bench", "memory", "--quick", "--out", md.toString());
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("broken section 'memory'") && r.err().contains(md.toString()), r.err());
        assertFalse(r.out().contains("memory:"), "no benchmark ran: " + r.out());
        assertEquals(broken, Files.readString(md));
    }

    /** Rerunning a benchmark replaces its section in place. */
    @Test
    void aSecondRunReplacesTheSection() throws Exception {
        Path md = dir.resolve("B.md");
        for (int i = 0; i < 2; i++) {
            CliRunner r = CliRunner.run("bench", "memory", "--quick", "--out", md.toString());
            assertEquals(0, r.exitCode(), r.err());
        }
        String text = Files.readString(md);
        assertEquals(1, count(text, BenchmarksFile.begin("memory")));
        assertEquals(1, count(text, BenchmarksFile.end("memory")));
    }

    /** The solver benchmark loads trained weights given with --weights and names them. */
    @Test
    void solverBenchmarkLoadsWeightsFiles() throws Exception {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(784).units(300).outputs(10).precision(Precision.FLOAT)
                .seed(4).recurrentScale(0.6).build();
        Path w = dir.resolve("paper-mnist").resolve("weights").resolve("linearized_lr0.25.safetensors");
        Files.createDirectories(w.getParent());
        Safetensors.write(w, new LinkedHashMap<>(net.params().asMap()), Map.of("rule", "linearized", "lr", "0.25",
                "steps", "354"));
        Path md = dir.resolve("B.md");
        CliRunner r = CliRunner.run("bench", "solver", "--quick", "--synthetic-data", "--results-dir", dir.toString(),
                "--out", md.toString());
        assertEquals(0, r.exitCode(), r.err());
        String section = BenchmarksFile.section(Files.readString(md), "solver");
        assertTrue(section.contains("`paper-mnist/weights/linearized_lr0.25.safetensors` (linearized, lr 0.25, 354 steps)"),
                section);
        assertFalse(section.contains("trained here"), section);

        CliRunner missing = CliRunner.run("bench", "solver", "--quick", "--synthetic-data", "--weights",
                dir.resolve("nope.safetensors").toString(), "--out", md.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("nope.safetensors does not exist"), missing.err());

        // a network that does not read MNIST: refused naming the file (it failed in mid-benchmark naming none)
        FixedPointNetwork other = FixedPointNetwork.builder().inputs(5).units(3).outputs(10).precision(Precision.FLOAT)
                .seed(4).build();
        Path o = dir.resolve("other.safetensors");
        Safetensors.write(o, new LinkedHashMap<>(other.params().asMap()), Map.of());
        for (String bench : List.of("solver", "adjoint")) {
            CliRunner wrong = CliRunner.run("bench", bench, "--quick", "--synthetic-data", "--weights", o.toString());
            assertEquals(2, wrong.exitCode(), wrong.err());
            assertTrue(wrong.err().contains("weights file " + o + ": U (3, 5) and R (10, 3) make a network of 5 inputs"
                    + " and 10 outputs; the benchmarks run it on MNIST, which needs 784 and 10"), wrong.err());
        }
    }

    /** Both sides reach a low target: the section gives their steps and the ratio of their times. */
    @Test
    void endToEndReportsTheRatioWhenBothReachTheTarget() throws Exception {
        Path md = dir.resolve("B.md");
        CliRunner r = CliRunner.run("bench", "end-to-end", "--quick", "--synthetic-data", "--target", "0.3", "--out",
                md.toString());
        assertEquals(0, r.exitCode(), r.err());
        String section = BenchmarksFile.section(Files.readString(md), "end-to-end");
        assertTrue(section.contains("## Time to 30% test accuracy"), section);
        List<List<String>> rows = tableRows(section);
        assertEquals(3, rows.size(), section);
        for (List<String> row : rows) {
            assertEquals("yes", row.get(1), section);
            assertTrue(Double.parseDouble(row.get(3)) > 0, section);
        }
        // the third side preconditions its forward solves (--quick: N = 32, B = 64, so it applies): its
        // products with Q are not counted, and its median sample takes fewer iterations
        assertTrue(rows.get(2).get(0).contains("mean-gain"), section);
        assertEquals("-", rows.get(2).get(7), section);
        double plainFirst = Double.parseDouble(rows.get(1).get(10).split(" / ")[0]);
        double meanGainFirst = Double.parseDouble(rows.get(2).get(10).split(" / ")[0]);
        assertTrue(meanGainFirst < plainFirst, "iterations " + meanGainFirst + " against " + plainFirst + "\n" + section);
        assertTrue(section.contains("With the forward solve preconditioned by the batch's mean gains"), section);
        Matcher m = Pattern.compile("P1-converged reached 30% (\\S+) times sooner than P1").matcher(section);
        assertTrue(m.find(), section);
        assertTrue(Double.parseDouble(m.group(1)) > 0, section);
        // The products per training step, in B x N by N x N units (--quick: N = 32, 784 inputs): P1's 500
        // Euler steps make about 500 products with W (a few more: the residual check and the rule's), the
        // drive x U^T 784 / 32 = 24.5 units and the weight product 1. The evaluations' products (on 500
        // test images every 5 steps, from 500 Euler steps each) are left out, or the count would be far above.
        Matcher perStep = Pattern.compile("\\(([0-9.]+) per step\\)").matcher(rows.get(0).get(7));
        assertTrue(perStep.find(), section);
        double p1 = Double.parseDouble(perStep.group(1));
        assertTrue(p1 >= 500 + 24.5 + 1 - 2 && p1 <= 505 + 24.5 + 1, "P1's products per step: " + p1 + "\n" + section);
        // every side times the raw product after each of its training steps (two calls each)
        for (List<String> row : rows) {
            Matcher raw = Pattern.compile("(\\S+) ms \\(median of (\\d+)\\)").matcher(row.get(8));
            assertTrue(raw.find(), section);
            assertTrue(Double.parseDouble(raw.group(1)) > 0, section);
            assertEquals(2 * Integer.parseInt(row.get(2)), Integer.parseInt(raw.group(2)), section);
        }
        Matcher floor = Pattern.compile("its matrix products alone take at raw sgemm speed \\((\\S+) s\\)")
                .matcher(section);
        assertTrue(floor.find(), section);
        assertTrue(Double.parseDouble(floor.group(1)) > 0, section);
        assertTrue(Double.parseDouble(floor.group(1)) < Double.parseDouble(rows.get(1).get(3)),
                "the products alone take less than the training steps: " + section);
    }

    /** The peers section says why it skipped the peers when they cannot run (here: synthetic data). */
    @Test
    void peersAreSkippedWithAReason() throws Exception {
        Path md = dir.resolve("BENCHMARKS.md");
        CliRunner r = CliRunner.run("bench", "peers", "--quick", "--synthetic-data", "--peers-dir",
                dir.resolve("no-peers").toString(), "--out", md.toString());
        assertEquals(0, r.exitCode(), r.err() + r.out());
        String section = BenchmarksFile.section(Files.readString(md), "peers");
        assertNotNull(section);
        assertTrue(section.contains("Skipped: the peers read MNIST itself"), section);
        assertTrue(section.contains("env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE"), section);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        CliRunner r = CliRunner.run("bench", "rulez", "--quick");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown benchmark 'rulez'") && r.err().contains("end-to-end"), r.err());
        CliRunner t = CliRunner.run("bench", "end-to-end", "--quick", "--target", "85");
        assertEquals(2, t.exitCode());
        assertTrue(t.err().contains("--target"), t.err());
        // options that no chosen benchmark reads are refused, not ignored
        for (String[] c : new String[][] {{"--weights", "w.safetensors", "only solver and adjoint read it"},
            {"--target", "0.5", "only end-to-end reads it"}, {"--peers-dir", "p", "only peers and conv read it"},
            {"--data-dir", "d", "read MNIST"}, {"--results-dir", "r", "only solver and adjoint read it"}}) {
            CliRunner o = CliRunner.run("bench", "convergence", "rules", "--quick", c[0], c[1]);
            assertEquals(2, o.exitCode(), o.err());
            assertTrue(o.err().contains(c[0] + " does not apply to the benchmarks chosen (rules, convergence)")
                    && o.err().contains(c[2]), o.err());
        }
    }

    /** The adjoint benchmark reads MNIST, so it takes --data-dir (which was refused as not applying to it). */
    @Test
    void adjointReadsMnistFromTheDataDir() {
        Path missing = dir.resolve("no-mnist");
        CliRunner r = CliRunner.run("bench", "adjoint", "--quick", "--data-dir", missing.toString(), "--results-dir",
                dir.resolve("no-results").toString());
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("MNIST (train split): the folder given, " + missing), r.err());
    }

    /**
     * MNIST that is not there is an error before the first benchmark, not after the benchmarks chosen before
     * the first that reads it (minutes of them in a full run); nothing is written.
     */
    @Test
    void missingMnistIsFoundBeforeAnyBenchmarkRuns() throws Exception {
        Path md = dir.resolve("BENCHMARKS.md");
        CliRunner r = CliRunner.run("bench", "rules", "end-to-end", "--quick", "--data-dir",
                dir.resolve("no-mnist").toString(), "--out", md.toString());
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertTrue(r.err().contains("the folder given, " + dir.resolve("no-mnist")), r.err());
        assertFalse(r.out().contains("rules: running"), r.out());
        assertFalse(Files.exists(md));
    }

    /** An --out that cannot be written is refused before the benchmarks run (they take minutes). */
    @Test
    void anOutThatCannotBeWrittenIsRefusedFirst() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("file"), "x");
        for (String[] bad : new String[][] {{dir.resolve("file/x.md").toString(), "is a file, not a folder"},
                {dir.resolve("file/deeper/x.md").toString(), "is a file, not a folder"}, {dir.toString(), "is a folder"},
                {"", "--out is empty; give the Markdown file to write"}}) {
            CliRunner r = CliRunner.run("bench", "rules", "--quick", "--out", bad[0]);
            assertEquals(2, r.exitCode(), r.err());
            assertTrue(r.err().contains(bad[1]), r.err());
            assertTrue(!r.out().contains("rules:"), "refused before any benchmark: " + r.out());
        }
        BenchCommand.writableFile(dir.resolve("new/folders/B.md"));   // missing folders are made later: accepted
    }

    /**
     * An --out that is not a text file (a binary file, a device) is refused before the benchmarks run, with
     * exit 2, and left as it was (it was an internal error, the device's only after the benchmarks had run).
     */
    @Test
    void anOutThatIsNotATextFileIsRefusedFirst() throws Exception {
        Path binary = dir.resolve("weights.safetensors");
        byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80, (byte) 0xc3};
        Files.write(binary, bytes);
        for (String[] bad : new String[][] {{binary.toString(), "is not a UTF-8 text file"},
                {"/dev/null", "is not a regular file"}}) {
            CliRunner r = CliRunner.run("bench", "convergence", "--quick", "--out", bad[0]);
            assertEquals(2, r.exitCode(), r.err() + r.out());
            assertTrue(r.err().contains(bad[0] + ": " + bad[1]), r.err());
            assertFalse(r.out().contains("convergence:"), "refused before any benchmark: " + r.out());
        }
        assertTrue(java.util.Arrays.equals(bytes, Files.readAllBytes(binary)));
        assertFalse(Files.exists(dir.resolve(".weights.safetensors.lock")));
    }

    @Test
    void allSelectsEveryBenchmarkInOrder() {
        assertEquals(Benchmarks.NAMES, Benchmarks.select(List.of("all")));
        assertEquals(Benchmarks.NAMES, Benchmarks.select(List.of()));
        assertEquals(List.of("rules", "threads"), Benchmarks.select(List.of("threads", "rules", "threads")));
    }

    /** The data rows of the Markdown tables in a section (cells trimmed; header and rule rows left out). */
    static List<List<String>> tableRows(String section) {
        List<List<String>> rows = new ArrayList<>();
        String[] lines = section.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            boolean header = i + 1 < lines.length && lines[i + 1].startsWith("|---");
            if (l.startsWith("|") && !l.startsWith("|---") && !header) {
                List<String> cells = new ArrayList<>();
                for (String c : l.substring(1, l.length() - 1).split("\\|")) {
                    cells.add(c.strip());
                }
                rows.add(cells);
            }
        }
        return rows;
    }

    private static int count(String text, String s) {
        int n = 0;
        for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) {
            n++;
        }
        return n;
    }
}
