package org.fprnn.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.config.Keys;

/**
 * The [sweep] table: which rules, and which learning rates. learning_rates is either one list used
 * for every rule, or a table with one list per rule ([sweep.learning_rates] gradient = [...]).
 */
public record SweepConfig(List<String> rules, JsonNode learningRates) {
    public SweepConfig {
        rules = rules == null ? List.of() : List.copyOf(rules);
        for (int i = 0; i < rules.size(); i++) {
            // both protocols: a rule twice would run twice into the same results, and P2's figures refuse it
            if (rules.indexOf(rules.get(i)) != i) {
                throw Keys.bad("sweep.rules[" + i + "]", rules.get(i), "each rule may appear once");
            }
        }
        if (learningRates != null && learningRates.isNull()) {
            learningRates = null;
        }
        if (learningRates != null) {
            if (learningRates.isArray()) {
                numbers("sweep.learning_rates", learningRates);
            } else if (learningRates.isObject()) {
                for (var it = learningRates.fields(); it.hasNext(); ) {
                    var e = it.next();
                    numbers("sweep.learning_rates." + e.getKey(), e.getValue());
                }
            } else {
                throw Keys.bad("sweep.learning_rates", learningRates, "give a list of learning rates, or a table"
                        + " with one list per rule");
            }
        }
    }

    public static SweepConfig empty() {
        return new SweepConfig(null, null);
    }

    /** One list for every rule (protocol linear_teacher); empty when not given. */
    public List<Double> commonLearningRates() {
        if (learningRates == null) {
            return List.of();
        }
        if (!learningRates.isArray()) {
            throw new IllegalArgumentException("sweep.learning_rates: this protocol takes one list of learning rates"
                    + " for every rule, not a table per rule");
        }
        return numbers("sweep.learning_rates", learningRates);
    }

    /** Learning rates per rule, in the order of {@code rules}; every rule needs at least one. */
    public Map<String, List<Double>> perRule() {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("sweep.rules is missing or empty: give the rules to compare, e.g."
                    + " rules = [\"gradient\", \"linearized\"] (any of " + org.fprnn.rule.Rules.NAMES + ")");
        }
        if (learningRates == null) {
            throw new IllegalArgumentException("sweep.learning_rates is missing: give one list for every rule,"
                    + " or a table [sweep.learning_rates] with one list per rule (" + String.join(", ", rules) + ")");
        }
        Map<String, List<Double>> out = new LinkedHashMap<>();
        if (learningRates.isArray()) {
            List<Double> lrs = numbers("sweep.learning_rates", learningRates);
            for (String r : rules) {
                out.put(r, lrs);
            }
            return out;
        }
        for (var it = learningRates.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!rules.contains(k)) {
                throw new IllegalArgumentException("sweep.learning_rates." + k + " is given but '" + k
                        + "' is not in sweep.rules " + rules);
            }
        }
        for (String r : rules) {
            JsonNode n = learningRates.get(r);
            if (n == null) {
                throw new IllegalArgumentException("sweep.learning_rates." + r + " is missing: every rule in"
                        + " sweep.rules needs its list of learning rates");
            }
            out.put(r, numbers("sweep.learning_rates." + r, n));
        }
        return out;
    }

    private static List<Double> numbers(String key, JsonNode n) {
        if (!n.isArray() || n.isEmpty()) {
            throw Keys.bad(key, n, "give a non-empty list of learning rates, e.g. [0.01, 0.1]");
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode v = n.get(i);
            if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
                throw Keys.bad(key + "[" + i + "]", v, "learning rates must be finite numbers > 0");
            }
            if (out.contains(v.asDouble())) {
                throw Keys.bad(key + "[" + i + "]", v, "each learning rate may appear once per rule");
            }
            out.add(v.asDouble());
        }
        return out;
    }
}
