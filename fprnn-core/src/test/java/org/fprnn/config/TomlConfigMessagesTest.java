package org.fprnn.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A value of the wrong kind is refused with a message that names its key and table as the config
 * is written (layers counted from 1), what was written and what the key takes: a string where a
 * number or switch belongs is not read as one, and a whole number beyond the key's range names the
 * key too. A number or switch where a name belongs is refused as written, not read as its text, and
 * a value given by --set is named as such.
 */
class TomlConfigMessagesTest {
    /** A config of one table and an array of tables. */
    public record Config(Table train, List<Layer> layers, List<Long> seeds) {
    }

    public record Table(Integer epochs, Double lr, Boolean shuffle, String schedule) {
    }

    public record Layer(Integer units) {
    }

    private static String error(String toml, String... overrides) {
        return assertThrows(ConfigException.class, () -> TomlConfig.parse(toml, "c.toml", List.of(overrides),
                Config.class)).getMessage();
    }

    @Test
    void aValueOfTheWrongKindNamesItsKeyWhatWasWrittenAndWhatTheKeyTakes() {
        String ints = "a whole number (no quotes)";
        String range = "a whole number from -2147483648 to 2147483647 (no quotes)";
        assertEquals("config c.toml: bad value \"16\" for 'units' in layer 2 of [[layers]]: expected " + ints,
                error("[[layers]]\nunits = 3\n[[layers]]\nunits = \"16\"\n"));
        assertEquals("config c.toml: bad value true for 'units' in layer 1 of [[layers]]: expected " + ints,
                error("[[layers]]\nunits = true\n"));
        assertEquals("config c.toml: bad value 9999999999 for 'units' in layer 1 of [[layers]]: out of range,"
                + " expected " + range, error("[[layers]]\nunits = 9999999999\n"));
        assertEquals("config c.toml: bad value 2.5 for 'epochs' in [train]: expected " + ints,
                error("[train]\nepochs = 2.5\n"));
        assertEquals("config c.toml: bad value 8.0 for 'epochs' in [train]: expected " + ints,
                error("[train]\nepochs = 8.0\n"), "the value as written, not 8");
        // an empty string is refused, not read as the key's default
        assertEquals("config c.toml: bad value \"\" for 'epochs' in [train]: expected " + ints,
                error("[train]\nepochs = \"\"\n"));
        assertEquals("config c.toml: bad value \"\" for 'lr' in [train]: expected a number (no quotes)",
                error("[train]\nlr = \"\"\n"));
        assertEquals("config c.toml: bad value \"\" for 'shuffle' in [train]: expected true or false (no quotes)",
                error("[train]\nshuffle = \"\"\n"));
        assertEquals("override 'train.epochs=' has no value after '=': give one (a number, true or false, or \"text\""
                + " in quotes), e.g. train.epochs=VALUE", error("[train]\nepochs = 3\n", "train.epochs="));
        assertEquals("config c.toml: bad value 300.0 for 'epochs' in [train]: expected " + ints,
                error("[train]\nepochs = 300.0\n"));
        // not-a-number and infinity where a whole number or switch belongs: refused, not a crash
        for (String v : new String[] {"nan", "inf", "-inf"}) {
            String m = error("[train]\nepochs = " + v + "\n");
            assertTrue(m.startsWith("config c.toml: bad value ") && m.endsWith("for 'epochs' in [train]: expected " + ints),
                    m);
            m = error("[train]\nshuffle = true\n", "train.shuffle=" + v);
            assertTrue(m.contains("for 'shuffle' in [train]") && m.contains("true or false"), m);
        }
        assertEquals("config c.toml: bad value \"0.5\" for 'lr' in [train] (given by --set train.lr=\"0.5\"): expected a"
                + " number (no quotes)", error("[train]\nlr = 1\n", "train.lr=\"0.5\""));
        assertEquals("config c.toml: bad value 2024 for 'schedule' in [train] (given by --set train.schedule=2024):"
                + " expected a string in quotes; on the command line, quote it for the shell: --set"
                + " 'train.schedule=\"2024\"'", error("[train]\nepochs = 1\n", "train.schedule=2024"));
        for (String v : new String[] {"3", "2.5", "true"}) {
            assertEquals("config c.toml: bad value " + v + " for 'schedule' in [train]: expected a string in quotes",
                    error("[train]\nschedule = " + v + "\n"));
        }
        assertEquals("config c.toml: bad value \"true\" for 'shuffle' in [train]: expected true or false (no quotes)",
                error("[train]\nshuffle = \"true\"\n"));
        assertEquals("config c.toml: bad value \"x\" for element 2 of 'seeds' at the top level: expected a whole"
                + " number (no quotes)", error("seeds = [1, \"x\"]\n"));
        assertEquals("config c.toml: bad value 3 for 'train' at the top level: expected a table",
                error("train = 3\n"));
    }

    @Test
    void anUnknownKeyGivenByAnOverrideIsNamedAsSuch() {
        String m = error("[train]\nepochs = 3\n", "train.epochs=4", "train.schedul=cosine");
        assertEquals("config c.toml: unknown key 'schedul' in [train] (given by --set train.schedul=cosine); allowed"
                + " keys: [epochs, lr, schedule, shuffle]", m);
        assertEquals("config c.toml: unknown key 'schedul' in [train]; allowed keys: [epochs, lr, schedule, shuffle]",
                error("[train]\nschedul = \"cosine\"\n"), "a key written in the file names no override");
    }

    /**
     * A number a double cannot hold was read as 0 (1e-400: solver.tol = 0, fixed-step solves) or as
     * infinity, without a word; now it is refused, in the file, an override or a list, naming the key
     * and the value as written. The smallest numbers a double holds still bind.
     */
    @Test
    void aNumberReadAsZeroOrInfinityIsRefused() {
        String small = "it is not 0 but too small for a number (the smallest above 0 is about 4.9e-324) and would be"
                + " read as 0; write 0 if zero is meant, or a larger value";
        String large = "it is too large for a number (the largest is about 1.8e308) and would be read as infinity;"
                + " give a finite value";
        assertEquals("config c.toml: bad value 1e-400 for 'lr' in [train]: " + small, error("[train]\nlr = 1e-400\n"));
        assertEquals("config c.toml: bad value 1e-400 for 'lr' in [train] (given by --set train.lr=1e-400): " + small,
                error("[train]\nlr = 1\n", "train.lr=1e-400"));
        assertEquals("config c.toml: bad value -2.5e-400 for 'lr' in [train]: " + small,
                error("[train]\nlr = -2.5e-400\n"));
        assertEquals("config c.toml: bad value 1e400 for 'lr' in [train]: " + large, error("[train]\nlr = 1e400\n"));
        assertEquals("config c.toml: bad value 1e400 for element 2 of 'seeds' at the top level: " + large,
                error("seeds = [1, 1e400]\n"));
        assertEquals("config c.toml: bad value 1" + "0".repeat(400) + " for 'lr' in [train]: " + large,
                error("[train]\nlr = 1" + "0".repeat(400) + "\n"), "a whole number beyond a double too");
        for (String v : new String[] {"0.0", "-0.0", "0e-400", "4.9e-324", "1.7e308"}) {
            Config c = TomlConfig.parse("[train]\nlr = " + v + "\n", "c.toml", List.of(), Config.class);
            assertEquals(Double.parseDouble(v), c.train().lr(), 0.0, v);
        }
    }

    @Test
    void numbersAndSwitchesWrittenAsSuchStillBind() {
        Config c = TomlConfig.parse("seeds = [1, 2]\n[train]\nepochs = 3\nlr = 1\nshuffle = true\n[[layers]]\nunits = 4\n",
                "c.toml", List.of("train.lr=0.25", "train.schedule=cosine"), Config.class);
        assertEquals(new Config(new Table(3, 0.25, true, "cosine"), List.of(new Layer(4)), List.of(1L, 2L)), c);
    }
}
