package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.fprnn.model.Dynamics;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.Rules;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/** The registries' lists read as sentences, and every parser's refusal lists its registry. */
class NameListTest {
    @Test
    void listsReadAsSentences() {
        assertEquals("rate, current or discrete", Dynamics.NAMES.orList());
        assertEquals("unknown dynamics 'leaky': use rate, current or discrete", Dynamics.NAMES.unknown("dynamics", "leaky"));
        assertEquals("sgd", new NameList("sgd") { }.orList());
    }

    @Test
    void everyParserRefusesWithItsRegistry() {
        assertEquals(Nonlinearity.NAMES.unknown("nonlinearity", "sin"),
                assertThrows(IllegalArgumentException.class, () -> Nonlinearity.parse("sin")).getMessage());
        assertEquals(Dynamics.NAMES.unknown("dynamics", "leaky"),
                assertThrows(IllegalArgumentException.class, () -> Dynamics.parse("leaky")).getMessage());
        assertEquals(Rules.NAMES.unknown("rule", "hebb"),
                assertThrows(IllegalArgumentException.class, () -> Rules.create("hebb", null)).getMessage());
        assertEquals(Optimizers.NAMES.unknown("optimizer", "lion"),
                assertThrows(IllegalArgumentException.class, () -> Optimizers.create("lion", 0.1, 0, 0)).getMessage());
        assertEquals(org.fprnn.solve.Solvers.NAMES.unknown("solver", "gmres"),
                assertThrows(IllegalArgumentException.class, () -> SolverConfig.of("gmres", 0, 1)).getMessage());
    }
}
