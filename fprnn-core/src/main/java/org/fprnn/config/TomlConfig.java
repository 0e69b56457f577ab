package org.fprnn.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Binds TOML configs to records (the one parser of configs/*.toml, for the command line, Spark and
 * the library). Unknown or misspelled keys are errors that name the key, its table and the keys
 * allowed there; missing keys take the defaults the records give. Overrides "table.key=value"
 * (TOML values) are applied before binding. Every error is a {@link ConfigException} whose message
 * says what was wrong and how to fix it.
 */
public final class TomlConfig {
    private static final TomlMapper MAPPER = TomlMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // warm_start = 3 is a typo, not true: a switch takes only true or false.
            .withCoercionConfig(com.fasterxml.jackson.databind.type.LogicalType.Boolean, c -> c.setCoercion(
                    com.fasterxml.jackson.databind.cfg.CoercionInputShape.Integer,
                    com.fasterxml.jackson.databind.cfg.CoercionAction.Fail))
            .build();

    private TomlConfig() {
    }

    /**
     * Parses TOML text (named {@code source} in errors), applies the overrides and binds it to
     * {@code type}.
     *
     * @throws ConfigException if the text is not TOML, a key is unknown or a value is not allowed
     */
    public static <T> T parse(String text, String source, List<String> overrides, Class<T> type) {
        return bind(tree(text, source, overrides), "", source, type);
    }

    /**
     * Binds one top-level table of a config (for example "network") to {@code type}, ignoring the
     * other tables; an absent table binds as an empty one (every key at its default). Errors name
     * keys as the whole-config binding does ("unknown key 'x' in [network]").
     *
     * @throws ConfigException if the text is not TOML or the entry is not a table, or as {@link #parse}
     */
    public static <T> T parseTable(String text, String source, String table, Class<T> type) {
        JsonNode t = tree(text, source, List.of()).get(table);
        if (t != null && !(t instanceof ObjectNode)) {
            throw new ConfigException("config " + source + ": '" + table + "' must be a table, [" + table + "]");
        }
        return bind(t == null ? MAPPER.createObjectNode() : t, table, source, type);
    }

    private static ObjectNode tree(String text, String source, List<String> overrides) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("config " + source + " is not valid TOML" + at(e.getLocation()) + ": "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("config " + source + " is not valid TOML: " + firstLine(e.getMessage()));
        }
        if (!(tree instanceof ObjectNode root)) {
            throw new ConfigException("config " + source + " is empty");
        }
        for (String o : overrides) {
            applyOverride(root, o, source);
        }
        return root;
    }

    /** Binds a tree whose keys sit under {@code prefix} ("" for a whole config) to {@code type}. */
    private static <T> T bind(JsonNode tree, String prefix, String source, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String where = join(prefix, e.getPath().stream().limit(Math.max(0, e.getPath().size() - 1))
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."))).replace(".[", "[");
            List<String> known = e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw new ConfigException("config " + source + ": unknown key '" + e.getPropertyName() + "'"
                    + (where.isEmpty() ? " at the top level" : " in [" + where + "]") + "; allowed keys: " + known);
        } catch (ValueInstantiationException e) {
            // A record's own check failed: its message names the key and what is allowed.
            Throwable c = e;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            throw new ConfigException("config " + source + ": " + firstLine(c.getMessage()), e);
        } catch (InvalidFormatException e) {
            throw new ConfigException("config " + source + ": bad value " + e.getValue() + " for '" + path(prefix, e)
                    + "' (expected " + e.getTargetType().getSimpleName() + ")");
        } catch (MismatchedInputException e) {
            throw new ConfigException("config " + source + ": bad value for '" + path(prefix, e) + "': "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("config " + source + ": " + firstLine(e.getMessage()));
        } catch (IllegalArgumentException e) {
            Throwable c = e;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            throw new ConfigException("config " + source + ": " + firstLine(c.getMessage()), e);
        }
    }

    private static String path(String prefix, com.fasterxml.jackson.databind.JsonMappingException e) {
        return join(prefix, e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")));
    }

    private static String join(String prefix, String path) {
        return prefix.isEmpty() || path.isEmpty() ? prefix + path : prefix + "." + path;
    }

    /** Sets table.key = value, where value is TOML (a number, boolean, "string" or [array]). */
    private static void applyOverride(ObjectNode root, String override, String source) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override '" + override + "' is not of the form table.key=value");
        }
        String[] path = override.substring(0, eq).trim().split("\\.");
        String value = override.substring(eq + 1).trim();
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree("v = " + value).get("v");
        } catch (IOException e) {
            try {
                parsed = MAPPER.readTree("v = \"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").get("v");
            } catch (IOException e2) {
                throw new ConfigException("override '" + override + "': cannot parse the value");
            }
        }
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null) {
                child = node.putObject(path[i]);
            }
            if (!(child instanceof ObjectNode on)) {
                throw new ConfigException("override '" + override + "': " + path[i] + " is not a table in " + source);
            }
            node = on;
        }
        node.set(path[path.length - 1], parsed);
    }

    /** " at line L, column C" of a parser location, or "" when it has none. */
    private static String at(com.fasterxml.jackson.core.JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " at line " + loc.getLineNr() + (loc.getColumnNr() >= 1 ? ", column " + loc.getColumnNr() : "");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
