package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config errors of protocol classification: each names the key and what is allowed, before any work. */
class ClassificationConfigTest {
    @TempDir
    Path dir;

    static final String MINIMAL = """
            name = "m"
            protocol = "classification"
            [data]
            name = "mnist"
            [sweep]
            rules = ["gradient", "linearized"]
            [sweep.learning_rates]
            gradient = [0.01]
            linearized = [0.1]
            """;

    RunConfig parse(String text, String... overrides) {
        return ConfigLoader.parse(text, "test.toml", List.of(overrides), RunConfig.class);
    }

    /** Runs the config and returns stderr, asserting exit code 2 and that no results folder was made. */
    String error(String text, String... overrides) throws IOException {
        Path cfg = dir.resolve("c.toml");
        Files.writeString(cfg, text);
        Path out = dir.resolve("out");
        String[] args = new String[4 + 2 * overrides.length];
        args[0] = "run";
        args[1] = cfg.toString();
        args[2] = "--out";
        args[3] = out.toString();
        for (int i = 0; i < overrides.length; i++) {
            args[4 + 2 * i] = "--set";
            args[5 + 2 * i] = overrides[i];
        }
        CliRunner r = CliRunner.run(args);
        assertEquals(2, r.exitCode(), r.err() + r.out());
        assertFalse(Files.exists(out), "no work before the config is checked");
        return r.err();
    }

    @Test
    void missingKeysTakeDefaults() {
        RunConfig c = parse(MINIMAL);
        assertEquals(1L, c.seed());
        assertEquals(300, c.network().units());
        assertEquals("tanh", c.network().nonlinearity());
        assertEquals("rate", c.network().dynamics());
        assertEquals("float", c.network().precision());
        assertEquals(0.5, c.network().recurrentScale());
        assertEquals("warn", c.train().onNonconverged());
        assertEquals(1e6, c.train().maxDirectionNorm());
        assertEquals(10, c.train().maxConsecutiveRefusals());
        RunConfig s = parse(MINIMAL + "[train]\non_nonconverged = \"SKIP\"\nmax_direction_norm = 1e3\n"
                + "max_consecutive_refusals = 3\n");
        assertEquals("skip", s.train().onNonconverged());
        assertEquals(1e3, s.train().maxDirectionNorm());
        assertEquals(3, s.train().maxConsecutiveRefusals());
        assertFalse(c.network().trainInput() || c.network().trainBias() || c.network().trainReadout());
        assertEquals("anderson", c.solver().method());
        assertEquals(1e-6, c.solver().tol());
        assertEquals("derivative", c.rule().gains());
        assertEquals(1e-8, c.rule().adjointTol());
        // rule.adjoint_memory: absent stays absent (run identities), and the adjoint keeps memory 6
        assertEquals(null, c.rule().adjointMemory());
        assertEquals(6, c.rule().adjoint().memory());
        assertEquals(12, parse(MINIMAL, "rule.adjoint_memory=12").rule().adjoint().memory());
        // rule.adjoint_preconditioner: absent stays absent, and the mean-gain preconditioner is on
        assertEquals(null, c.rule().adjointPreconditioner());
        assertTrue(c.rule().meanGainPreconditioner());
        assertFalse(parse(MINIMAL, "rule.adjoint_preconditioner=\"none\"").rule().meanGainPreconditioner());
        assertTrue(parse(MINIMAL, "rule.adjoint_preconditioner=\"mean_gain\"").rule().meanGainPreconditioner());
        assertEquals(512, c.train().batchSize());
        assertEquals(1, c.train().epochs());
        assertEquals("sgd", c.train().optimizer());
        assertEquals(512, c.train().testBatch());
        assertFalse(c.train().fullTestEveryEpoch());
        assertEquals(Map.of("gradient", List.of(0.01), "linearized", List.of(0.1)), c.sweep().perRule());
        assertEquals(500, parse(MINIMAL, "solver.method=\"euler\"").solver().maxIter());
        // solver.chunk_rows: absent stays absent (run identities), and solves in automatic chunks
        assertEquals(null, c.solver().chunkRows());
        assertEquals(SolverConfig.AUTO_CHUNK, c.solver().toSolverConfig().chunkRows());
        assertEquals(64, parse(MINIMAL, "solver.chunk_rows=64").solver().toSolverConfig().chunkRows());
        // solver.preconditioner: absent stays absent (run identities), and the forward solve is plain
        assertEquals(null, c.solver().preconditioner());
        assertFalse(c.solver().toSolverConfig().meanGain());
        assertTrue(parse(MINIMAL, "solver.preconditioner=\"mean_gain\"").solver().toSolverConfig().meanGain());
        assertFalse(parse(MINIMAL, "solver.preconditioner=\"none\"").solver().toSolverConfig().meanGain());
        assertEquals(0, parse(MINIMAL, "solver.method=\"euler\"", "solver.chunk_rows=0").solver().toSolverConfig()
                .chunkRows());
        // One list for every rule is allowed too.
        assertEquals(List.of(0.1, 0.2), parse(MINIMAL.replaceAll("(?s)\\[sweep.learning_rates].*", "")
                + "learning_rates = [0.1, 0.2]\n").sweep().perRule().get("linearized"));
    }

    @Test
    void unknownKeysAreErrorsNamingTheAllowedKeys() throws IOException {
        String e = error(MINIMAL + "[network]\nunitz = 10\n");
        assertTrue(e.contains("unitz") && e.contains("[network]") && e.contains("units") && e.contains("recurrent_scale"), e);
        e = error(MINIMAL, "solver.tolerance=1e-3");
        assertTrue(e.contains("tolerance") && e.contains("[solver]") && e.contains("tol"), e);
        e = error(ConfigText.edit(MINIMAL, "linearized = [0.1]", "linearized = [0.1]\nlinearised = [0.1]"));
        assertTrue(e.contains("sweep.learning_rates.linearised") && e.contains("sweep.rules"), e);
        e = error(MINIMAL + "[teacher]\nunits = 3\n");
        assertTrue(e.contains("[teacher]"), e);
    }

    @Test
    void missingRequiredKeysAreErrors() throws IOException {
        String e = error(ConfigText.edit(MINIMAL, "[data]\nname = \"mnist\"\n", ""));
        assertTrue(e.contains("[data]") && e.contains("mnist"), e);
        e = error(ConfigText.edit(MINIMAL, "name = \"mnist\"\n", "train_limit = 10\n"));
        assertTrue(e.contains("data.name is missing"), e);
        e = error(ConfigText.edit(MINIMAL, "rules = [\"gradient\", \"linearized\"]\n", ""));
        assertTrue(e.contains("sweep.rules"), e);
        e = error(ConfigText.edit(MINIMAL, "linearized = [0.1]\n", ""));
        assertTrue(e.contains("sweep.learning_rates.linearized is missing"), e);
    }

    @Test
    void impossibleValuesAreErrorsNamingTheKeyAndWhatIsAllowed() throws IOException {
        record Case(String override, String... expect) {
        }
        for (Case c : List.of(
                new Case("solver.tol=-1", "solver.tol", ">= 0"),
                new Case("solver.max_iter=0", "solver.max_iter", ">= 1"),
                new Case("solver.method=\"jacobi\"", "solver.method", "anderson", "euler"),
                new Case("solver.alpha=1.5", "solver.alpha", "(0, 1]"),
                new Case("train.epochs=0", "train.epochs", ">= 1"),
                new Case("train.epochs=1.5", "epochs"),
                new Case("solver.warm_start=3", "'warm_start' in [solver]", "true or false"),
                new Case("solver.chunk_rows=-1", "solver.chunk_rows", ">= 0"),
                new Case("solver.chunk_rows=1.5", "chunk_rows"),
                new Case("network.train_input=1", "'train_input' in [network]", "true or false"),
                new Case("train.batch_size=-4", "train.batch_size"),
                new Case("train.optimizer=\"rmsprop\"", "train.optimizer", "adam"),
                new Case("train.momentum=1", "train.momentum", "[0, 1)"),
                new Case("train.test_batch=-1", "train.test_batch"),
                new Case("train.on_nonconverged=\"ignore\"", "train.on_nonconverged", "warn", "skip", "stop"),
                new Case("train.on_nonconverged=1", "on_nonconverged"),
                new Case("train.max_direction_norm=-1", "train.max_direction_norm", "> 0"),
                new Case("train.max_direction_norm=0", "train.max_direction_norm", "> 0"),
                new Case("train.max_direction_norm=inf", "train.max_direction_norm", "finite"),
                new Case("train.max_direction_norm=\"big\"", "max_direction_norm"),
                new Case("train.max_consecutive_refusals=0", "train.max_consecutive_refusals", ">= 1"),
                new Case("train.max_consecutive_refusals=2.5", "max_consecutive_refusals"),
                new Case("network.units=0", "network.units"),
                new Case("network.nonlinearity=\"sigmoid\"", "network.nonlinearity", "tanh"),
                new Case("network.dynamics=\"fast\"", "network.dynamics", "rate"),
                new Case("network.precision=\"half\"", "network.precision", "float"),
                new Case("rule.gains=\"exact\"", "rule.gains", "from_rates"),
                new Case("rule.adjoint_tol=0", "rule.adjoint_tol", "> 0"),
                new Case("rule.adjoint_memory=0", "rule.adjoint_memory", ">= 1"),
                new Case("rule.adjoint_memory=2.5", "adjoint_memory"),
                new Case("rule.adjoint_preconditioner=\"jacobi\"", "rule.adjoint_preconditioner", "mean_gain"),
                new Case("solver.preconditioner=\"jacobi\"", "solver.preconditioner", "mean_gain"),
                new Case("data.name=\"svhn\"", "data.name", "fashion-mnist"),
                new Case("data.train_limit=0", "data.train_limit"),
                new Case("sweep.rules=[\"gradient\", \"hebbian\"]", "sweep.rules[1]", "linearized_alt"),
                new Case("sweep.rules=[\"gradient\", \"gradient\"]", "sweep.rules[1]", "each rule may appear once"),
                new Case("sweep.learning_rates.gradient=[0.1, -0.1]", "sweep.learning_rates.gradient[1]", "> 0"),
                new Case("sweep.learning_rates.gradient=[]", "sweep.learning_rates.gradient"),
                new Case("threads=0", "threads"))) {
            String e = error(MINIMAL, c.override());
            for (String x : c.expect()) {
                assertTrue(e.contains(x), c.override() + ": " + e);
            }
        }
        String e = error(MINIMAL, "solver.method=\"newton\"", "solver.chunk_rows=64");
        assertTrue(e.contains("solver.chunk_rows = 64 does not apply to solver.method = \"newton\""), e);
        e = error(MINIMAL, "solver.method=\"picard\"", "solver.preconditioner=\"mean_gain\"");
        assertTrue(e.contains("solver.preconditioner = \"mean_gain\" does not apply to solver.method = \"picard\""), e);
        e = error(MINIMAL, "solver.method=\"direct\"", "solver.warm_start=true");
        assertTrue(e.contains("solver.warm_start = true does not apply to solver.method = \"direct\""), e);
        e = error(ConfigText.edit(MINIMAL,
                "[data]", "[rule]\ngains = \"from_rates\"\n[network]\nnonlinearity = \"relu\"\n[data]"));
        assertTrue(e.contains("rule.gains") && e.contains("network.nonlinearity"), e);
        e = error(ConfigText.edit(MINIMAL, "\"linearized\"]", "\"reparam\"]", "linearized =", "reparam ="));
        assertTrue(e.contains("reparam") && e.contains("network.nonlinearity"), e);
        e = error(ConfigText.edit(MINIMAL, "\"linearized\"]", "\"bptt\"]", "linearized =", "bptt ="));
        assertTrue(e.contains("bptt") && e.contains("solver.method"), e);
    }

    @Test
    void shippedConfigsParseAndP1HasThePublishedSettings() {
        Path configs = Path.of("..", "configs");
        RunConfig p1 = ConfigLoader.load(configs.resolve("paper-mnist.toml"), List.of(), RunConfig.class);
        assertEquals("classification", p1.protocol());
        assertEquals("mnist", p1.data().name());
        assertEquals(null, p1.data().trainLimit());
        var n = p1.network();
        assertEquals(300, n.units());
        assertEquals("tanh", n.nonlinearity());
        assertEquals("rate", n.dynamics());
        assertEquals("float", n.precision());
        assertEquals(0.5, n.recurrentScale());
        assertFalse(n.trainInput() || n.trainBias() || n.trainReadout() || n.readoutBias());
        assertEquals("euler", p1.solver().method());
        assertEquals(0.01, p1.solver().alpha());
        assertEquals(500, p1.solver().maxIter());
        assertEquals(0.0, p1.solver().tol());
        assertEquals("from_rates", p1.rule().gains());
        assertEquals(1e-8, p1.rule().adjointTol());
        var t = p1.train();
        assertEquals(512, t.batchSize());
        assertEquals(3, t.epochs());
        assertEquals("sgd", t.optimizer());
        assertEquals(0.0, t.momentum());
        assertEquals(0.0, t.weightDecay());
        assertEquals(512, t.testBatch());
        assertFalse(t.fullTestEveryEpoch());
        assertEquals(List.of("gradient", "linearized", "linearized_alt"), p1.sweep().rules());
        assertEquals(Map.of("gradient", List.of(0.001, 0.0025, 0.005, 0.01, 0.025),
                "linearized", List.of(0.01, 0.025, 0.05, 0.1, 0.25),
                "linearized_alt", List.of(0.005, 0.01, 0.02, 0.05, 0.1)), p1.sweep().perRule());

        RunConfig conv = ConfigLoader.load(configs.resolve("paper-mnist-converged.toml"), List.of(), RunConfig.class);
        assertEquals("anderson", conv.solver().method());
        assertEquals(1e-6, conv.solver().tol());
        assertTrue(conv.train().fullTestEveryEpoch());
        assertEquals(p1.network(), conv.network());
        assertEquals(p1.rule(), conv.rule());
        assertEquals(p1.sweep().perRule(), conv.sweep().perRule());
        assertEquals(p1.train().epochs(), conv.train().epochs());
        assertEquals(p1.train().batchSize(), conv.train().batchSize());

        RunConfig quick = ConfigLoader.load(configs.resolve("quick-mnist.toml"), List.of(), RunConfig.class);
        assertEquals("classification", quick.protocol());
        ConfigLoader.load(configs.resolve("paper-linear.toml"), List.of(), RunConfig.class);
    }

    /** A byte-order mark some editors write is skipped; a binary file is named as not being text. */
    @Test
    void aByteOrderMarkIsSkippedAndABinaryFileIsNamed(@TempDir Path tmp) throws IOException {
        Path bom = tmp.resolve("bom.toml");
        Files.writeString(bom, "\uFEFF" + MINIMAL);
        assertEquals("m", ConfigLoader.load(bom, List.of(), RunConfig.class).name());
        Path binary = tmp.resolve("binary.toml");
        Files.write(binary, new byte[] {(byte) 0xC3, 0x28, 0x00, (byte) 0xFF});
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class,
                () -> ConfigLoader.load(binary, List.of(), RunConfig.class));
        assertTrue(e.getMessage().contains("is not UTF-8 text"), e.getMessage());
    }
}
