package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.junit.jupiter.api.Test;

/**
 * Keys that the rest of a config leaves without effect were accepted without a word (the adjoint's
 * tolerance with no gradient rule, the diagnostics' settings with diagnostics off, ...). They are
 * still accepted, and stay in the runs' identities, but each is named in one note.
 */
class KeysWithoutEffectTest {
    static final String LINEARIZED = """
            name = "m"
            protocol = "classification"
            [data]
            name = "mnist"
            [sweep]
            rules = ["linearized_alt"]
            learning_rates = [0.1]
            """;

    /** The base config with this rule in its sweep too. */
    static String withRule(String rule) {
        return ConfigText.edit(LINEARIZED, "[\"linearized_alt\"]", "[\"linearized_alt\", \"" + rule + "\"]");
    }

    static List<String> notes(String text, String... overrides) {
        return ConfigLoader.parse(text, "test.toml", List.of(overrides), RunConfig.class).keysWithoutEffect();
    }

    @Test
    void theAdjointsAndTheGainsSettingsWithoutTheGradientRuleOrDiagnostics() {
        String why = " has no effect: only the gradient rule (and the diagnostics' angle to it) solves the adjoint,"
                + " and sweep.rules has no gradient and diagnostics.every = 0";
        assertEquals(List.of("rule.adjoint_tol = 1.0E-6" + why, "rule.adjoint_max_iter = 50" + why,
                "rule.adjoint_memory = 3" + why, "rule.adjoint_preconditioner = \"none\"" + why),
                notes(LINEARIZED, "rule.adjoint_tol=1e-6", "rule.adjoint_max_iter=50", "rule.adjoint_memory=3",
                        "rule.adjoint_preconditioner=\"none\""));
        // With the gradient rule, or the diagnostics' angle to it, they act.
        String gradient = withRule("gradient");
        assertEquals(List.of(), notes(gradient, "rule.adjoint_tol=1e-6", "rule.adjoint_memory=3"));
        assertEquals(List.of(), notes(LINEARIZED, "rule.adjoint_tol=1e-6", "diagnostics.every=10"));
        // The defaults written out change nothing either way.
        assertEquals(List.of(), notes(LINEARIZED, "rule.adjoint_tol=1e-8", "rule.adjoint_max_iter=2000"));
        // The gains act in the linearized rules; bptt and reparam have none.
        assertEquals(List.of(), notes(LINEARIZED, "rule.gains=\"from_rates\""));
        assertEquals(List.of("rule.gains = \"from_rates\" has no effect: only the gradient and linearized rules (and"
                + " the diagnostics' angle to the gradient) use the gains, and sweep.rules has none of them and"
                + " diagnostics.every = 0"), notes(ConfigText.edit(LINEARIZED, "\"linearized_alt\"", "\"bptt\""),
                "rule.gains=\"from_rates\"", "rule.bptt_steps=10"));
        assertEquals(List.of("rule.adjoint_preconditioner = \"none\" has no effect: it preconditions the adjoint solves"
                + " of float networks, and network.precision = \"double\""),
                notes(gradient, "rule.adjoint_preconditioner=\"none\"", "network.precision=\"double\""));
    }

    @Test
    void bpttsUnrollWithoutTheBpttRule() {
        String why = " has no effect: it sets the bptt rule's own unroll, and sweep.rules has no bptt";
        assertEquals(List.of("rule.bptt_steps = 40" + why), notes(LINEARIZED, "rule.bptt_steps=40",
                "rule.bptt_alpha=0.5"), "alpha at its default is not named");
        assertEquals(List.of("rule.bptt_steps = 40" + why, "rule.bptt_alpha = 0.25" + why),
                notes(LINEARIZED, "rule.bptt_steps=40", "rule.bptt_alpha=0.25"));
        assertEquals(List.of(), notes(withRule("bptt"), "rule.bptt_steps=40", "rule.bptt_alpha=0.25"));
    }

    @Test
    void theDiagnosticsSettingsWithDiagnosticsOff() {
        String off = " has no effect: diagnostics.every = 0 turns the diagnostics off";
        assertEquals(List.of("diagnostics.singularity = false" + off, "diagnostics.samples = 2" + off,
                "diagnostics.exact_max_units = 10" + off, "diagnostics.dense_max_units = 5000" + off),
                notes(LINEARIZED, "diagnostics.singularity=false", "diagnostics.samples=2",
                        "diagnostics.exact_max_units=10", "diagnostics.dense_max_units=5000"));
        String noSingularity = " has no effect: it is a setting of the distance to singularity, which"
                + " diagnostics.singularity = false turns off";
        assertEquals(List.of("diagnostics.samples = 2" + noSingularity),
                notes(LINEARIZED, "diagnostics.every=5", "diagnostics.singularity=false", "diagnostics.samples=2"));
        assertEquals(List.of(), notes(LINEARIZED, "diagnostics.every=5", "diagnostics.samples=2",
                "diagnostics.dense_max_units=5000"));
    }

    @Test
    void solverAndTrainingSettingsTheOthersLeaveWithoutEffect() {
        assertEquals(List.of("train.on_nonconverged = \"skip\" has no effect: with solver.tol = 0 there is no"
                + " tolerance to miss, and training acts on no solve as not converged"),
                notes(LINEARIZED, "solver.method=\"euler\"", "solver.tol=0", "train.on_nonconverged=\"skip\""));
        assertEquals(List.of(), notes(LINEARIZED, "train.on_nonconverged=\"skip\""));
        assertEquals(List.of("solver.preconditioner = \"mean_gain\" has no effect: it preconditions the solves of float"
                + " networks with rate or discrete dynamics, and network.dynamics = \"current\""),
                notes(LINEARIZED, "solver.preconditioner=\"mean_gain\"", "network.dynamics=\"current\""));
        assertEquals(List.of(), notes(LINEARIZED, "solver.preconditioner=\"mean_gain\""));
        assertEquals(List.of(), notes(LINEARIZED), "a config of defaults has no note");
    }
}
