package org.fprnn.rule;

import java.util.List;

/** The rule registry: rules by name (MATH section 3). */
public final class Rules {
    /** Every registered name. */
    public static final List<String> NAMES = List.of("gradient", "bptt", "linearized", "linearized_alt", "reparam");

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
            default -> throw new IllegalArgumentException("unknown rule '" + name + "': use one of " + NAMES);
        };
    }
}
