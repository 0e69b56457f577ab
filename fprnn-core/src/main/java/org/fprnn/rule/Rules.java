package org.fprnn.rule;

import org.fprnn.NameList;

/** The rule registry: rules by name (MATH section 3). */
public final class Rules {
    /** The registered names, in the order of MATH section 3. */
    public static final class Known extends NameList {
        public Known() {
            super("gradient", "bptt", "linearized", "linearized_alt", "reparam");
        }
    }

    /** Every registered name. */
    public static final NameList NAMES = new Known();

    private Rules() {
    }

    /** A new rule (with its own workspaces) for the given settings. */
    public static Rule create(String name, RuleSettings settings) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "gradient" -> new GradientRule(settings);
            case "bptt" -> new BpttRule(settings);
            case "linearized" -> new LinearizedRule(settings, false);
            case "linearized_alt" -> new LinearizedRule(settings, true);
            case "reparam" -> new ReparamRule(settings);
            default -> throw new IllegalArgumentException(NAMES.unknown("rule", name));
        };
    }
}
