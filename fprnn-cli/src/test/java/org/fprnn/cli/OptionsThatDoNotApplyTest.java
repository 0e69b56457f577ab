package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 5: an option (or config key) that the other settings do not use is refused with exit
 * code 2 and a message naming it and what it does not apply to, in every command (one policy,
 * {@link OptionCheck}); nothing is written and nothing is saved into a config.
 */
class OptionsThatDoNotApplyTest {
    @TempDir
    Path dir;

    Path in;

    @BeforeEach
    void inputs() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        RuleInputs.write(in);
        Random rng = new Random(2);
        org.fprnn.io.Npy.write(in.resolve("ends.npy"), RuleCommandTest.randn(2, 4, 1, rng));
        org.fprnn.io.Npy.write(in.resolve("seq.npy"), RuleCommandTest.randn(5, 4, 1, rng));
    }

    static void assertRefused(List<String> args, String option, String context) {
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.err() + r.out());
        assertTrue(r.err().contains(option + " does not apply to " + context), r.err());
        assertFalse(UserErrorTest.hasTrace(r.err()), r.err());
    }

    static List<String> with(List<String> a, String... extra) {
        List<String> c = new ArrayList<>(a);
        c.addAll(List.of(extra));
        return c;
    }

    /**
     * The options of the rule cross-check contract (--gain, --dt, --lr) are ignored with a warning
     * where they do not apply, and change nothing: the direction is bitwise the one computed without.
     */
    @Test
    void ruleWarnsAndIgnoresContractOptionsThatDoNotApply() throws IOException {
        Path plain = dir.resolve("plain");
        CliRunner base = CliRunner.run(RuleInputs.args(in, plain).toArray(String[]::new));
        assertEquals(0, base.exitCode(), base.err());
        String[][] cases = {{"--gain", "3", "--nonlinearity tanh"}, {"--dt", "0.5", "--solver anderson"},
            {"--lr", "0.5", "--rule gradient"}};
        for (String[] c : cases) {
            Path out = dir.resolve("with" + c[0]);
            CliRunner r = CliRunner.run(with(RuleInputs.args(in, out), c[0], c[1]).toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.err().contains("warning: " + c[0] + " does not apply to " + c[2]), r.err());
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(plain.resolve("direction_W.npy")),
                    Files.readAllBytes(out.resolve("direction_W.npy"))), c[0] + " changed the direction");
        }
    }

    @Test
    void ruleRefusesOptionsItWouldIgnore() {
        Path out = dir.resolve("out");
        List<String> a = RuleInputs.args(in, out);
        List<String> lin = RuleCommandTest.with(a, "--rule", "linearized");
        assertRefused(with(lin, "--adjoint-tol", "1e-9"), "--adjoint-tol", "--rule linearized");
        assertFalse(Files.exists(out), "nothing written");
        // The same options where they apply are accepted.
        List<String> euler = RuleCommandTest.with(RuleCommandTest.with(a, "--solver", "euler"), "--nonlinearity", "linear");
        CliRunner ok = CliRunner.run(with(euler, "--dt", "0.2", "--gain", "0.5", "--adjoint-tol", "1e-9")
                .toArray(String[]::new));
        assertEquals(0, ok.exitCode(), ok.err());
    }

    @Test
    void trainRefusesAlphaWithAndersonAndSavesNoConfig() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        TinyIdx.write(data, 40, 20, 1);
        List<String> t = List.of("train", "--lr", "0.1", "--data", "idx", "--data-dir", data.toString(), "--units", "8",
                "--batch-size", "20", "--test-batch", "10", "--threads", "1", "--out", dir.resolve("res").toString());
        assertRefused(with(t, "--alpha", "0.5"), "--alpha", "--solver anderson");
        assertRefused(with(t, "--solver", "euler", "--memory", "3"), "--memory", "--solver euler");
        assertRefused(with(t, "--solver", "newton", "--beta", "0.5"), "--beta", "--solver newton");
        assertRefused(with(t, "--solver", "direct", "--nonlinearity", "linear", "--warm-start"), "--warm-start",
                "--solver direct");
        assertRefused(with(t, "--adjoint-tol", "1e-9"), "--adjoint-tol", "--rule linearized");
        assertRefused(with(t, "--adjoint-memory", "10"), "--adjoint-memory", "--rule linearized");
        assertRefused(with(t, "--adjoint-preconditioner", "none"), "--adjoint-preconditioner", "--rule linearized");
        assertRefused(with(t, "--solver", "euler", "--preconditioner", "mean_gain"), "--preconditioner",
                "--solver euler");
        assertRefused(with(t, "--optimizer", "adam", "--momentum", "0.9"), "--momentum", "--optimizer adam");
        assertFalse(Files.exists(dir.resolve("res")), "no results folder, no saved config");
        CliRunner threads = CliRunner.run(with(List.copyOf(t.subList(0, t.indexOf("--threads"))), "--threads", "1000",
                "--out", dir.resolve("res").toString()).toArray(String[]::new));
        assertEquals(2, threads.exitCode(), threads.err());
        assertTrue(threads.err().contains("threads = 1000 does not apply to this machine: it has"), threads.err());
        assertFalse(Files.exists(dir.resolve("res").resolve("runs")));
        assertTrue(org.fprnn.linalg.Blas.get().threads() < 1000, "the count is restored");
        // where they apply, --adjoint-memory and --adjoint-preconditioner reach the run's config and its
        // results page
        Path grad = dir.resolve("grad");
        CliRunner g = CliRunner.run(with(List.copyOf(t.subList(0, t.indexOf("--out"))), "--rule", "gradient",
                "--adjoint-memory", "10", "--adjoint-preconditioner", "none", "--epochs", "1", "--out",
                grad.toString()).toArray(String[]::new));
        assertEquals(0, g.exitCode(), g.err());
        String saved = Files.readString(grad.resolve("summary.json"));
        assertTrue(saved.contains("adjoint_memory = 10") && saved.contains("adjoint_preconditioner = \\\"none\\\""), saved);
        assertTrue(Files.readString(grad.resolve("results.md")).contains("(Anderson memory 10), without the mean-gain"
                + " preconditioner"));
    }

    /** True if the BLAS in use would lower a count of 1000 (OpenBLAS, built with MAX_THREADS below it). */
    @Test
    void configKeysTheSolverDoesNotReadAreRefused() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        String cfg = ConfigText.edit(ClassificationRunTest.config(data, "gradient = [0.5]"),
                "rules = [\"gradient\", \"linearized\"]", "rules = [\"gradient\"]");
        Path file = Files.writeString(dir.resolve("c.toml"), ConfigText.edit(cfg,
                "max_iter = 100", "max_iter = 100\nalpha = 0.5"));
        CliRunner r = CliRunner.run("run", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("solver.alpha = 0.5 does not apply to solver.method = \"anderson\""), r.err());
        Path euler = Files.writeString(dir.resolve("e.toml"), ConfigText.edit(cfg,
                "method = \"anderson\"", "method = \"euler\"",
                "max_iter = 100", "max_iter = 100\nmemory = 3"));
        CliRunner e = CliRunner.run("run", euler.toString());
        assertEquals(2, e.exitCode(), e.err());
        assertTrue(e.err().contains("solver.memory = 3 does not apply to solver.method = \"euler\""), e.err());
        Path many = Files.writeString(dir.resolve("t.toml"), ConfigText.edit(cfg, "threads = 2", "threads = 1000"));
        CliRunner m = CliRunner.run("run", many.toString(), "--out", dir.resolve("many").toString());
        assertEquals(2, m.exitCode(), m.err());
        assertTrue(m.err().contains("threads = 1000 does not apply to this machine"), m.err());
    }

    @Test
    void simulateRefusesOptionsOfTheOtherMode() {
        List<String> base = List.of("simulate", "--W", in.resolve("W.npy").toString(), "--U", in.resolve("U.npy").toString(),
                "--nonlinearity", "tanh", "--out", dir.resolve("sim").toString());
        List<String> input = with(base, "--input", in.resolve("seq.npy").toString());
        List<String> builtIn = with(base, "--stimulus", "morph", "--endpoints", in.resolve("ends.npy").toString());
        assertRefused(with(input, "--records", "50"), "--records", "--input");
        assertRefused(with(input, "--ts", "3"), "--ts", "--input");
        assertRefused(with(builtIn, "--record-every", "2"), "--record-every", "built-in stimuli");
        assertRefused(with(builtIn, "--periods", "4"), "--periods", "--stimulus morph");
        assertRefused(with(builtIn, "--ratio-count", "4"), "--ratio-count", "a run without --sweep");
        assertRefused(with(builtIn, "--gain", "2"), "--gain", "--nonlinearity tanh");
        assertRefused(with(builtIn, "--seed", "3"), "--seed", "a run without noise");
        assertRefused(with(input, "--dynamics", "discrete", "--tau", "2"), "--tau", "--dynamics discrete");
        assertRefused(with(input, "--endpoints", in.resolve("ends.npy").toString()), "--endpoints", "--input");
        assertRefused(with(input, "--digits", "3,8"), "--digits", "--input");
        assertRefused(with(input, "--images", "1,2"), "--images", "--input");
        String noImages = "a run without --config and without MNIST images";
        assertRefused(with(input, "--data", dir.toString()), "--data", noImages);
        assertRefused(with(builtIn, "--data", dir.toString()), "--data", noImages);
        assertRefused(with(input, "--tau-units", in.resolve("tau.npy").toString(), "--tau", "2"), "--tau",
                "--tau-units");
        assertFalse(Files.exists(dir.resolve("sim")), "nothing written");
    }
}
