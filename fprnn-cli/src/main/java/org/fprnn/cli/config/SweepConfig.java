package org.fprnn.cli.config;

import java.util.List;

/** The [sweep] table: which rules, and which learning rates for each. */
public record SweepConfig(List<String> rules, List<Double> learningRates) {
    public SweepConfig {
        rules = rules == null ? List.of() : List.copyOf(rules);
        learningRates = learningRates == null ? List.of() : List.copyOf(learningRates);
    }
}
