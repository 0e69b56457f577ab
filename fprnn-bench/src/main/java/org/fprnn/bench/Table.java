package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;

/** A table of text cells, written as Markdown for BENCHMARKS.md and as aligned columns for the console. */
final class Table {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    int size() {
        return rows.size();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", headers)).append(" |\n");
        sb.append("|").append("---|".repeat(headers.size())).append('\n');
        for (List<String> r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }

    String console() {
        int[] w = new int[headers.size()];
        for (int j = 0; j < w.length; j++) {
            w[j] = headers.get(j).length();
            for (List<String> r : rows) {
                w[j] = Math.max(w[j], r.get(j).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, w);
        for (int j = 0; j < w.length; j++) {
            sb.append(j == 0 ? "" : "  ").append("-".repeat(w[j]));
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        for (int j = 0; j < w.length; j++) {
            String c = cells.get(j);
            sb.append(j == 0 ? "" : "  ").append(c).append(" ".repeat(w[j] - c.length()));
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        sb.append('\n');
    }
}
