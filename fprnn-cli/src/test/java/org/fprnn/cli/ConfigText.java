package org.fprnn.cli;

/**
 * Edits of a config's TOML text in tests, the one way tests change a base config's text. Each edit
 * must find its text: a replacement that finds nothing would leave the base config as it is, and the
 * test would then check the base config, silently.
 */
final class ConfigText {
    private ConfigText() {
    }

    /**
     * The text with each (from, to) pair replaced in turn, every occurrence of from.
     *
     * @throws AssertionError if a from does not occur (in the text as the earlier pairs left it)
     */
    static String edit(String text, String... fromTo) {
        if (fromTo.length % 2 != 0) {
            throw new IllegalArgumentException("edit takes (from, to) pairs, got " + fromTo.length + " strings");
        }
        String s = text;
        for (int i = 0; i < fromTo.length; i += 2) {
            if (!s.contains(fromTo[i])) {
                throw new AssertionError("the config has no '" + fromTo[i] + "' to replace (has the base config"
                        + " changed?):\n" + s);
            }
            s = s.replace(fromTo[i], fromTo[i + 1]);
        }
        return s;
    }
}
