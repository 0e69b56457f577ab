package org.fprnn.cli.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.Json;
import org.fprnn.train.LinearTeacherProtocol;
import org.fprnn.train.LinearTeacherProtocol.Run;
import org.knowm.xchart.XYChart;

/** Writes the results of protocol P2: summary.json, metrics.jsonl, figures and results.md. */
public final class LinearTeacherReport {
    private LinearTeacherReport() {
    }

    public static void write(ResultsFolder out, LinearTeacherProtocol.Settings s, List<Run> runs,
                             Map<String, Object> info, String configText, double wallSeconds) throws IOException {
        Map<String, Object> summary = new LinkedHashMap<>(info);
        summary.put("protocol", FolderProtocol.LINEAR_TEACHER);
        summary.put("settings", s.identity());   // FolderProtocol refuses a later P2 with others into this folder
        summary.put("wall_seconds", wallSeconds);
        summary.put("config", configText);
        List<Object> rs = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", r.rule());
            m.put("lr", r.lr());
            m.put("initial_loss", r.loss()[0]);
            m.put("final_loss", r.finalLoss());
            m.put("min_loss", min(r.loss()));
            m.put("diverged", r.divergedAt() >= 0);
            m.put("diverged_at", r.divergedAt());
            m.put("max_weight_norm", r.maxWeightNorm());
            m.put("median_angle", median(r.angle()));
            m.put("median_angle_to_gradient", median(r.angleToGradient()));
            m.put("seconds", r.seconds());
            rs.add(m);
        }
        summary.put("runs", rs);
        // summary.json first: it marks the folder as P2's (FolderProtocol), so that a write that fails
        // after it leaves a folder the same command may write again
        out.writeText("summary.json", Json.pretty(summary));
        writeMetrics(out, runs);
        writeFigures(out, s, runs);
        out.writeText("results.md", markdown(s, runs, info, wallSeconds));
    }

    private static void writeMetrics(ResultsFolder out, List<Run> runs) throws IOException {
        AtomicFiles.write(out.root().resolve("metrics.jsonl"), o -> {
            Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
            for (Run r : runs) {
                for (int k = 0; k < r.loss().length; k++) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("rule", r.rule());
                    m.put("lr", r.lr());
                    m.put("iteration", k);
                    m.put("loss", r.loss()[k]);
                    if (k < r.angle().length) {
                        m.put("angle", r.angle()[k]);
                        m.put("angle_to_gradient", r.angleToGradient()[k]);
                    }
                    w.write(Json.write(m));
                    w.write('\n');
                }
            }
            w.flush();
        });
    }

    private static void writeFigures(ResultsFolder out, LinearTeacherProtocol.Settings s, List<Run> runs) throws IOException {
        List<XYChart> loss = new ArrayList<>();
        for (String rule : s.rules()) {
            XYChart c = Figures.lineChart(rule, "iteration", "J(W)", true, 600, 420);
            for (Run r : runs) {
                if (r.rule().equals(rule)) {
                    Figures.addLine(c, "lr " + fmt(r.lr()) + (r.divergedAt() >= 0 ? " (diverged)" : ""),
                            range(r.loss().length), r.loss());
                }
            }
            loss.add(c);
        }
        Figures.saveGrid(loss, loss.size(), out.figure("p2_loss.png"));
        List<XYChart> angle = new ArrayList<>();
        for (String rule : s.rules()) {
            String title = switch (rule) {
                case "reparam" -> "gradient vs reparam, reparam trajectory";
                case "linearized" -> "reparam vs linearized, linearized trajectory";
                case "linearized_alt" -> "reparam vs linearized_alt, its trajectory";
                default -> "linearized vs gradient, gradient trajectory";
            };
            XYChart c = Figures.lineChart(title, "iteration", "angle (degrees)", false, 600, 420);
            for (Run r : runs) {
                if (r.rule().equals(rule)) {
                    Figures.addLine(c, "lr " + fmt(r.lr()), range(r.angle().length), r.angle());
                }
            }
            angle.add(c);
        }
        Figures.saveGrid(angle, angle.size(), out.figure("p2_angle.png"));
    }

    static String markdown(LinearTeacherProtocol.Settings s, List<Run> runs, Map<String, Object> info, double wall) {
        StringBuilder sb = new StringBuilder();
        sb.append("# P2: linear teacher\n\n");
        sb.append("Written by `").append(info.get("command")).append("` (fprnn ").append(info.get("fprnn_version"))
                .append(", commit ").append(info.get("git_commit")).append(").\n\n");
        sb.append(String.format(Locale.ROOT, "N = %d, %d samples, %d full-batch steps, seed %d; BLAS: %s; machine: %s; "
                        + "wall time %.1f s.%n%n", s.units(), s.samples(), s.iterations(), s.seed(), info.get("blas"),
                info.get("machine"), wall));
        sb.append("Final J(W) (mean squared error over samples) after ").append(s.iterations())
                .append(" steps; 'diverged at k' means that at step k J exceeded ").append(s.divergeAbove())
                .append(" or was not finite, the fixed point was singular, or the weights blew up: ||W||_F above ")
                .append(String.format(Locale.ROOT, "%.0f", LinearTeacherProtocol.WEIGHT_GROWTH_LIMIT))
                .append(" times that of W at start (or non-finite); J stays finite as W grows without bound"
                        + " (r = (I - W)^-1 x goes to 0), so J alone would hide it.\n\n");
        sb.append("| rule |");
        for (double lr : s.learningRates()) {
            sb.append(" lr ").append(fmt(lr)).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(s.learningRates().size()));
        sb.append('\n');
        for (String rule : s.rules()) {
            sb.append("| ").append(rule).append(" |");
            for (double lr : s.learningRates()) {
                Run r = find(runs, rule, lr);
                sb.append(' ').append(r == null ? "-" : r.divergedAt() >= 0 ? "diverged at " + r.divergedAt()
                        : String.format(Locale.ROOT, "%.4g", r.finalLoss())).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nMedian angle along each trajectory (degrees): gradient vs reparam on the reparam runs, "
                + "reparam vs linearized on the linearized runs, linearized vs gradient on the gradient runs.\n\n");
        sb.append("| rule |");
        for (double lr : s.learningRates()) {
            sb.append(" lr ").append(fmt(lr)).append(" |");
        }
        sb.append("\n|---|").append("---|".repeat(s.learningRates().size())).append('\n');
        for (String rule : s.rules()) {
            sb.append("| ").append(rule).append(" |");
            for (double lr : s.learningRates()) {
                Run r = find(runs, rule, lr);
                sb.append(' ').append(r == null ? "-" : String.format(Locale.ROOT, "%.2f", median(r.angle()))).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\n![loss](figures/p2_loss.png)\n\n![angle](figures/p2_angle.png)\n");
        return sb.toString();
    }

    private static Run find(List<Run> runs, String rule, double lr) {
        for (Run r : runs) {
            if (r.rule().equals(rule) && r.lr() == lr) {
                return r;
            }
        }
        return null;
    }

    static String fmt(double lr) {
        return String.format(Locale.ROOT, "%s", lr == Math.rint(lr) ? String.valueOf((long) lr) : String.valueOf(lr));
    }

    private static double[] range(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return x;
    }

    static double min(double[] a) {
        double m = Double.NaN;
        for (double v : a) {
            if (Double.isFinite(v) && !(v >= m)) {
                m = v;
            }
        }
        return m;
    }

    static double median(double[] a) {
        double[] f = java.util.Arrays.stream(a).filter(Double::isFinite).sorted().toArray();
        if (f.length == 0) {
            return Double.NaN;
        }
        return f.length % 2 == 1 ? f[f.length / 2] : 0.5 * (f[f.length / 2 - 1] + f[f.length / 2]);
    }
}
