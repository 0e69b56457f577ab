package org.fprnn.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader and writer, so that fprnn-core needs no JSON library. Objects are read
 * into LinkedHashMap (keys in file order; duplicate keys are an error), arrays into ArrayList,
 * integers into Long, other numbers into Double, and true/false/null into Boolean and null.
 */
public final class Json {
    private Json() {
    }

    /**
     * Parses one JSON value; only whitespace may follow it.
     *
     * @param source the name used in error messages
     */
    public static Object parse(String text, String source) throws FormatException {
        Parser p = new Parser(text, source);
        Object v = p.value(0);
        p.skipSpace();
        if (p.i < text.length()) {
            throw p.error("unexpected text after the JSON value");
        }
        return v;
    }

    /** Writes a value (Map with string keys, List, String, Number, Boolean, null) compactly. */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value);
        return b.toString();
    }

    private static void write(StringBuilder b, Object value) {
        switch (value) {
            case null -> b.append("null");
            case String s -> quote(b, s);
            case Boolean v -> b.append(v);
            case Double d when !Double.isFinite(d) ->
                    throw new IllegalArgumentException("JSON cannot hold " + d);
            case Float f when !Float.isFinite(f) ->
                    throw new IllegalArgumentException("JSON cannot hold " + f);
            case Number n -> b.append(n);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    quote(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case Iterable<?> l -> {
                b.append('[');
                boolean first = true;
                for (Object o : l) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    write(b, o);
                }
                b.append(']');
            }
            case long[] a -> {
                b.append('[');
                for (int k = 0; k < a.length; k++) {
                    b.append(k > 0 ? "," : "").append(a[k]);
                }
                b.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a "
                    + value.getClass().getSimpleName() + " as JSON");
        }
    }

    /** Appends s as a JSON string literal. */
    public static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 64;
        private final String s;
        private final String source;
        int i;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        FormatException error(String what) {
            return new FormatException(source, "malformed JSON: " + what + " at character " + i);
        }

        void skipSpace() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }

        Object value(int depth) throws FormatException {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipSpace();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    skipSpace();
                    if (i < s.length() && s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        skipSpace();
                        if (i >= s.length() || s.charAt(i) != '"') {
                            throw error("expected a string key");
                        }
                        String k = string();
                        skipSpace();
                        expect(':');
                        Object v = value(depth + 1);
                        if (m.containsKey(k)) {
                            throw error("duplicate key \"" + k + "\"");
                        }
                        m.put(k, v);
                        skipSpace();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect('}');
                        return m;
                    }
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    skipSpace();
                    if (i < s.length() && s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value(depth + 1));
                        skipSpace();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect(']');
                        return l;
                    }
                }
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character '" + c + "'");
            }
        }

        private void expect(char c) throws FormatException {
            if (i >= s.length() || s.charAt(i) != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private void literal(String w) throws FormatException {
            if (!s.startsWith(w, i)) {
                throw error("unexpected token");
            }
            i += w.length();
        }

        private String string() throws FormatException {
            i++;
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private Object number() throws FormatException {
            int start = i;
            if (s.charAt(i) == '-') {
                i++;
            }
            boolean integral = true;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c >= '0' && c <= '9') {
                    i++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    i++;
                } else {
                    break;
                }
            }
            String num = s.substring(start, i);
            try {
                if (integral) {
                    return Long.parseLong(num);
                }
                return Double.parseDouble(num);
            } catch (NumberFormatException e) {
                i = start;
                throw error("bad number " + num);
            }
        }
    }
}
