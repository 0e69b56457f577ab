package org.fprnn.bench;

import java.util.List;
import java.util.Locale;
import org.fprnn.diag.Environment;

/**
 * One benchmark's result: its section of BENCHMARKS.md (between the markers of its id) and what it
 * prints on the console.
 */
public record Section(String id, String markdown, String console) {

    /**
     * A section: title, the command and machine that wrote it, the explanation, then tables (each
     * optionally preceded by a line of text), then closing notes.
     */
    static Section of(String id, String title, BenchOptions o, String explanation, List<Table> tables,
                      List<String> captions, String notes) {
        StringBuilder md = new StringBuilder();
        StringBuilder con = new StringBuilder();
        md.append("## ").append(title).append("\n\n");
        md.append("Written by `").append(o.command()).append("` on ").append(Environment.describe()).append(".\n\n");
        con.append("== ").append(title).append(" ==\n");
        if (o.quick()) {
            md.append("**A --quick run: tiny shapes and single measurements, to check that the benchmark runs;"
                    + " these numbers are not for comparison.**\n\n");
            con.append("(--quick: tiny shapes, single measurements; not for comparison)\n");
        }
        md.append(explanation.strip()).append("\n\n");
        for (int i = 0; i < tables.size(); i++) {
            String caption = i < captions.size() ? captions.get(i) : null;
            if (caption != null && !caption.isBlank()) {
                md.append(caption.strip()).append("\n\n");
                con.append(caption.strip()).append('\n');
            }
            md.append(tables.get(i).markdown()).append('\n');
            con.append(tables.get(i).console()).append('\n');
        }
        if (notes != null && !notes.isBlank()) {
            md.append(notes.strip()).append('\n');
            con.append(notes.strip()).append('\n');
        }
        return new Section(id, md.toString(), con.toString());
    }

    static Section of(String id, String title, BenchOptions o, String explanation, Table table, String notes) {
        return of(id, title, o, explanation, List.of(table), List.of(), notes);
    }

    /** Formatting shared by the benchmarks: fixed locale, a few significant digits. */
    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** Milliseconds with three significant digits or more. */
    static String ms(double seconds) {
        double v = seconds * 1e3;
        if (!Double.isFinite(v)) {
            return "-";
        }
        return v >= 100 ? f("%.0f", v) : v >= 10 ? f("%.1f", v) : v >= 1 ? f("%.2f", v) : f("%.3g", v);
    }

    /** Seconds with three significant digits or more. */
    static String sec(double seconds) {
        return !Double.isFinite(seconds) ? "-" : seconds >= 100 ? f("%.0f", seconds) : seconds >= 10 ? f("%.1f", seconds)
                : seconds >= 1 ? f("%.2f", seconds) : f("%.3g", seconds);
    }

    /** A ratio: two significant digits below 10, whole numbers above. */
    static String ratio(double r) {
        return !Double.isFinite(r) ? "-" : r >= 10 ? f("%.0f", r) : f("%.2f", r);
    }
}
