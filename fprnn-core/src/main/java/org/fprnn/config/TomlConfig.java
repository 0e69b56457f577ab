package org.fprnn.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.util.ArrayList;
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
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            // units = "16" is a string where a number belongs: refused, not read as 16 (nor "true" as true),
            // and units = "" is refused too, not read as the key's default.
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            // schedule = 3 or adam_second_moment = true is not a name: refused as written, not read as "3"
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
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
        ObjectNode tree = tree(text, source, overrides);
        checkNumbers(tree, tree, new ArrayList<>(), "", source, overrides);
        return bind(tree, "", source, type, overrides);
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
        if (t != null) {
            checkNumbers(t, t, new ArrayList<>(), table, source, List.of());
        }
        return bind(t == null ? MAPPER.createObjectNode() : t, table, source, type, List.of());
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

    /**
     * Refuses every number written in the config (or an override) that a double cannot hold: one
     * whose literal is not 0 but which would be read as 0 (1e-400), or as infinity (1e400), so that
     * no key is silently given 0 or infinity for what was written. Literal inf and nan are left to the
     * keys' own checks, which say what each key takes.
     */
    private static void checkNumbers(JsonNode root, JsonNode n, List<Object> path, String prefix, String source,
                                     List<String> overrides) {
        if (n.isObject()) {
            for (var e : n.properties()) {
                path.add(e.getKey());
                checkNumbers(root, e.getValue(), path, prefix, source, overrides);
                path.removeLast();
            }
            return;
        }
        if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                path.add(i);
                checkNumbers(root, n.get(i), path, prefix, source, overrides);
                path.removeLast();
            }
            return;
        }
        if (!n.isBigDecimal() && !n.isBigInteger()) {
            return;   // ints and longs are exact; a double node is a literal inf or nan
        }
        String why = DecimalLiterals.whyNotHeld(n.decimalValue());
        if (why != null) {
            throw new ConfigException("config " + source + ": bad value " + valueAt(root, path) + " for "
                    + key(prefix, path) + givenBy(prefix, path, overrides) + ": " + why);
        }
    }

    /** Binds a tree whose keys sit under {@code prefix} ("" for a whole config) to {@code type}. */
    private static <T> T bind(JsonNode tree, String prefix, String source, Class<T> type, List<String> overrides) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            List<Object> tables = steps(e.getPath());
            String given = givenBy(prefix, tables, overrides);
            tables.removeLast();
            String where = table(prefix, tables);
            List<String> known = e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            throw new ConfigException("config " + source + ": unknown key '" + e.getPropertyName() + "'"
                    + (where.isEmpty() ? " at the top level" : " in " + where) + given + "; allowed keys: " + known);
        } catch (ValueInstantiationException e) {
            // A record's own check failed: its message names the key and what is allowed.
            Throwable c = e;
            while (c.getCause() != null && c.getCause() != c) {
                c = c.getCause();
            }
            throw new ConfigException("config " + source + ": " + firstLine(c.getMessage()), e);
        } catch (MismatchedInputException e) {   // InvalidFormatException too
            List<Object> path = steps(e.getPath());
            String given = givenBy(prefix, path, overrides);
            String o = override(prefix, path, overrides);
            String quote = "";
            if (o != null && e.getTargetType() == String.class) {   // --set name=2024 is read as a number
                int eq = o.indexOf('=');
                quote = "; on the command line, quote it for the shell: --set '" + o.substring(0, eq).trim() + "=\""
                        + o.substring(eq + 1).trim() + "\"'";
            }
            throw new ConfigException("config " + source + ": bad value " + valueAt(tree, path) + " for "
                    + key(prefix, path) + given + ": expected " + expected(e.getTargetType(), false) + quote);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof InputCoercionException c) {   // a whole number beyond int or long
                List<Object> path = steps(e.getPath());
                throw new ConfigException("config " + source + ": bad value " + valueAt(tree, path) + " for "
                        + key(prefix, path) + ": out of range, expected " + expected(c.getTargetType(), true), e);
            }
            throw new ConfigException("config " + source + ": " + firstLine(e.getMessage()), e);
        } catch (InputCoercionException e) {     // the same, unwrapped
            List<Object> path = e.getProcessor() instanceof JsonParser p ? steps(p.getParsingContext()) : List.of();
            throw new ConfigException("config " + source + ": bad value " + valueAt(tree, path) + " for "
                    + key(prefix, path) + ": out of range, expected " + expected(e.getTargetType(), true), e);
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

    /**
     * " (given by --set K=V)" when the value at this path came from an override rather than the file,
     * so that the message points at the command line; "" otherwise.
     */
    private static String givenBy(String prefix, List<Object> path, List<String> overrides) {
        String o = override(prefix, path, overrides);
        return o == null ? "" : " (given by --set " + o + ")";
    }

    /** The override (KEY=VALUE) that set the value at this path, the last if several did, or null. */
    private static String override(String prefix, List<Object> path, List<String> overrides) {
        StringBuilder k = new StringBuilder(prefix);
        for (Object step : path) {
            k.append(k.isEmpty() ? "" : ".").append(step);
        }
        for (String o : overrides.reversed()) {   // the last override of a key is the one applied
            int eq = o.indexOf('=');
            if (eq > 0 && o.substring(0, eq).trim().equals(k.toString())) {
                return o;
            }
        }
        return null;
    }

    /** A binding error's path: field names and (0-based) array indices, outermost first. */
    private static List<Object> steps(List<JsonMappingException.Reference> path) {
        List<Object> out = new ArrayList<>();
        for (JsonMappingException.Reference r : path) {
            out.add(r.getFieldName() != null ? r.getFieldName() : (Object) r.getIndex());
        }
        return out;
    }

    /** The path of the value a parser stands on (as {@link #steps(List)}). */
    private static List<Object> steps(JsonStreamContext ctx) {
        List<Object> out = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            out.addFirst(c.inArray() ? (Object) c.getCurrentIndex() : c.getCurrentName());
        }
        return out;
    }

    /**
     * A table as a config's reader writes it: "[network]", "layer 2 of [[network.layers]]" (array
     * entries counted from 1, as the other messages count layers), "" at the top level.
     */
    private static String table(String prefix, List<Object> tables) {
        List<String> names = new ArrayList<>(prefix.isEmpty() ? List.of() : List.of(prefix.split("\\.")));
        String entry = "";
        for (Object step : tables) {
            if (step instanceof Integer i) {
                String array = String.join(".", names);
                entry = (names.getLast().equals("layers") ? "layer " : "entry ") + (i + 1) + " of [[" + array + "]]";
            } else {
                names.add(String.valueOf(step));
                entry = entry.isEmpty() ? "" : entry + ", table " + step;
            }
        }
        return !entry.isEmpty() ? entry : names.isEmpty() ? "" : "[" + String.join(".", names) + "]";
    }

    /** A value's key and table: "'units' in layer 2 of [[network.layers]]", "element 3 of 'seeds' at the top level". */
    private static String key(String prefix, List<Object> path) {
        List<Object> p = new ArrayList<>(path);
        String element = "";
        while (!p.isEmpty() && p.getLast() instanceof Integer i) {
            element = "element " + (i + 1) + " of " + element;
            p.removeLast();
        }
        if (p.isEmpty()) {
            return element.isEmpty() ? "the config" : element + "the config";
        }
        Object name = p.removeLast();
        String where = table(prefix, p);
        return element + "'" + name + "'" + (where.isEmpty() ? " at the top level" : " in " + where);
    }

    /** The TOML text of the value at a path of the tree (what the user wrote), or "" if it is not there. */
    private static String valueAt(JsonNode tree, List<Object> path) {
        JsonNode n = tree;
        for (Object step : path) {
            n = n == null ? null : step instanceof Integer i ? n.get(i) : n.get((String) step);
        }
        if (n != null && n.isFloatingPointNumber() && Double.isFinite(n.doubleValue())) {
            // 8.0 and 300.0 as written, not the 8 and 3E+2 of the parsed decimal with its zeros stripped
            double x = Math.abs(n.doubleValue());
            if (n.decimalValue().signum() == 0 || (x >= 1e-4 && x < 1e15)) {
                String t = n.decimalValue().toPlainString();
                return t.contains(".") ? t : t + ".0";
            }
        }
        if (n != null && n.isBigDecimal()) {   // 1e-400 as written, not 1E-400
            return n.decimalValue().toString().toLowerCase(java.util.Locale.ROOT).replace("e+", "e");
        }
        return n == null ? "" : n.isTextual() ? "\"" + n.asText() + "\"" : n.toString();
    }

    /**
     * What a target type takes, in the words of a config's reader; with {@code range}, the whole numbers
     * the type holds (for a number beyond them; the key's own range is checked after binding).
     */
    private static String expected(Class<?> type, boolean range) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == int.class || type == Integer.class) {
            return range ? "a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + " (no quotes)"
                    : "a whole number (no quotes)";
        }
        if (type == long.class || type == Long.class) {
            return "a whole number (no quotes)";
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            return "a number (no quotes)";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false (no quotes)";
        }
        if (type == String.class) {
            return "a string in quotes";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (type.isArray() || List.class.isAssignableFrom(type)) {
            return "an array, [...]";
        }
        return "a table";
    }

    /** Sets table.key = value, where value is TOML (a number, boolean, "string" or [array]). */
    private static void applyOverride(ObjectNode root, String override, String source) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override '" + override + "' is not of the form table.key=value");
        }
        String[] path = override.substring(0, eq).trim().split("\\.");
        String value = override.substring(eq + 1).trim();
        if (value.isEmpty()) {   // --set network.units=$N with N unset: not the key's default
            throw new ConfigException("override '" + override + "' has no value after '=': give one (a number, true"
                    + " or false, or \"text\" in quotes), e.g. " + override.substring(0, eq).trim() + "=VALUE");
        }
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
