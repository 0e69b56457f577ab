package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.fprnn.NameList;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.model.Dynamics;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Solvers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each registry's names (fprnn-core) are what a config error for a wrong name lists, and what the
 * commands' help and refusals list: one test per kind of name.
 */
class RegistryNamesTest {

    private static NameList registry(String kind) {
        return switch (kind) {
            case "solver" -> Solvers.NAMES;
            case "nonlinearity" -> Nonlinearity.NAMES;
            case "dynamics" -> Dynamics.NAMES;
            case "optimizer" -> Optimizers.NAMES;
            case "rule" -> Rules.NAMES;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static void assertListsEvery(NameList names, String message) {
        for (String name : names) {
            assertTrue(message.contains(name), "'" + name + "' missing from: " + message);
        }
    }

    @ParameterizedTest
    @CsvSource({"solver, solver.method=\"bogus\"", "nonlinearity, network.nonlinearity=\"bogus\"",
        "dynamics, network.dynamics=\"bogus\"", "optimizer, train.optimizer=\"bogus\"", "rule, sweep.rules=[\"bogus\"]"})
    void aConfigErrorForAWrongNameListsTheRegistry(String kind, String override) {
        String text = ClassificationRunTest.config(Path.of("data"), ClassificationRunTest.LRS);
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.parse(text, "t.toml", List.of(override),
                RunConfig.class));
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
        assertListsEvery(registry(kind), e.getMessage());
    }

    @Test
    void theCommandsHelpListsTheRegistries() {
        String train = CliRunner.run("train", "--help").out();
        for (String kind : List.of("solver", "nonlinearity", "dynamics", "optimizer", "rule")) {
            assertListsEvery(registry(kind), train);
        }
        String rule = CliRunner.run("rule", "--help").out();
        assertListsEvery(Rules.NAMES, rule);
        assertListsEvery(Solvers.ITERATIVE, rule);
        assertListsEvery(Nonlinearity.BASIC, rule);
        assertListsEvery(Dynamics.NAMES, CliRunner.run("simulate", "--help").out());
    }

    @Test
    void aCommandRefusingANameListsTheRegistry() {
        CliRunner r = CliRunner.run("simulate", "--W", "W.npy", "--U", "U.npy", "--nonlinearity", "tanh",
                "--solver", "bogus", "--input", "X.npy", "--out", "unused");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("unknown solver 'bogus'"), r.err());
        assertListsEvery(Solvers.ITERATIVE, r.err());
        CliRunner f = CliRunner.run("simulate", "--W", "W.npy", "--U", "U.npy", "--nonlinearity", "powerlaw",
                "--input", "X.npy", "--out", "unused");
        assertEquals(2, f.exitCode(), f.err());
        assertListsEvery(Nonlinearity.BASIC, f.err());
    }
}
