package org.fprnn.cli.report;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.fprnn.simulate.TrackingError;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Figures of `fprnn simulate`: distance to the current fixed point over time, and the error against T_s. */
public final class SimulateReport {
    private SimulateReport() {
    }

    /** One run's distance over time; x is t / timeScale. */
    public record Curve(String label, TrackingError error, double timeScale) {
    }

    /** One run's summary at T_s / tau_relax = ratio. */
    public record Point(String kind, double ratio, TrackingError.Summary summary) {
    }

    public static String tsLabel(double ts, double tauRelax) {
        if (!Double.isFinite(tauRelax)) {
            return String.format(Locale.ROOT, "T_s = %.3g", ts);
        }
        return String.format(Locale.ROOT, "T_s = %.3g tau_relax", ts / tauRelax);
    }

    /** k indices spread evenly over 0 .. n-1 (all of them if n <= k). */
    public static int[] pickSpread(int n, int k) {
        if (n <= k) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = (int) Math.round(i * (n - 1) / (double) (k - 1));
        }
        return idx;
    }

    /**
     * figures/tracking.png: left, the distance ||r(t) - r*(x(t))|| (batch mean) over time for each
     * curve, log y; right (when there are points), the summary mean and max distance against
     * T_s / tau_relax on log-log axes.
     */
    public static void trackingFigure(Path png, List<Curve> curves, String xLabel, List<Point> points) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        XYChart c = Figures.lineChart("Distance to the fixed point of the current input", xLabel,
                "||r(t) - r*(x(t))||", true, 720, 480);
        c.getStyler().setXAxisDecimalPattern("0.###");
        Set<String> names = new HashSet<>();
        for (Curve cv : curves) {
            double[] t = cv.error().times();
            double[] x = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                x[i] = t[i] / cv.timeScale();
            }
            Figures.addLine(c, unique(names, cv.label()), x, cv.error().distance());
        }
        charts.add(c);
        if (!points.isEmpty()) {
            charts.add(summaryChart(points, "Tracking error against T_s (summary over the measured window)"));
        }
        Figures.saveGrid(charts, 2, png);
    }

    /** figures/sweep.png: mean and max distance against T_s / tau_relax per stimulus, log-log, with a slope -1 guide. */
    public static void sweepFigure(Path png, List<Point> points, double scale) throws IOException {
        XYChart c = summaryChart(points, String.format(Locale.ROOT,
                "Tracking error against T_s (||r*(xb) - r*(xa)|| = %.3g)", scale));
        // A guide with slope -1 through the largest ratio's morph (or first kind's) mean error.
        Point ref = null;
        for (Point p : points) {
            if (ref == null || (p.kind().equals("morph") && (!ref.kind().equals("morph") || p.ratio() > ref.ratio()))
                    || (p.kind().equals(ref.kind()) && p.ratio() > ref.ratio())) {
                ref = p;
            }
        }
        if (ref != null && ref.summary().meanDistance() > 0 && Double.isFinite(ref.summary().meanDistance())) {
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (Point p : points) {
                lo = Math.min(lo, p.ratio());
                hi = Math.max(hi, p.ratio());
            }
            double k = ref.summary().meanDistance() * ref.ratio();
            XYSeries s = c.addSeries("slope -1", new double[] {lo, hi}, new double[] {k / lo, k / hi});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(java.awt.Color.GRAY);
            s.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 4f}, 0f));
        }
        Figures.saveGrid(List.of(c), 1, png);
    }

    private static XYChart summaryChart(List<Point> points, String title) {
        XYChart c = Figures.lineChart(title, "T_s / tau_relax", "distance ||r - r*||", true, 720, 480);
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setMarkerSize(6);
        Map<String, List<Point>> byKind = new LinkedHashMap<>();
        for (Point p : points) {
            byKind.computeIfAbsent(p.kind(), k -> new ArrayList<>()).add(p);
        }
        int i = 0;
        for (var e : byKind.entrySet()) {
            List<Point> ps = new ArrayList<>(e.getValue());
            ps.sort((a, b) -> Double.compare(a.ratio(), b.ratio()));
            java.awt.Color color = PALETTE[i++ % PALETTE.length];
            addLogLog(c, e.getKey() + " mean", ps, true, false, color);
            addLogLog(c, e.getKey() + " max", ps, false, true, color);
        }
        return c;
    }

    /** One colour per stimulus kind: its mean (solid) and max (dashed) share it. */
    private static final java.awt.Color[] PALETTE = {
        new java.awt.Color(31, 119, 180), new java.awt.Color(214, 39, 40), new java.awt.Color(44, 160, 44),
        new java.awt.Color(148, 103, 189), new java.awt.Color(255, 127, 14)};

    private static void addLogLog(XYChart c, String name, List<Point> ps, boolean mean, boolean dashed,
                                  java.awt.Color color) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Point p : ps) {
            double y = mean ? p.summary().meanDistance() : p.summary().maxDistance();
            if (p.ratio() > 0 && Double.isFinite(p.ratio()) && y > 0 && Double.isFinite(y)) {
                xs.add(p.ratio());
                ys.add(y);
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, xs, ys);
        s.setMarker(mean ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
        s.setLineColor(color);
        s.setMarkerColor(color);
        if (dashed) {
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
    }

    private static String unique(Set<String> names, String name) {
        String n = name;
        for (int i = 2; !names.add(n); i++) {
            n = name + " (" + i + ")";
        }
        return n;
    }

    /**
     * The results page of a T_s sweep: how it was made (the command, tau_relax and how it was computed,
     * the inputs) and the mean and max distance to the current fixed point per stimulus and T_s.
     */
    public static String sweepMarkdown(String command, java.util.Map<String, Object> info, String tauRelax,
                                       String inputs, double scale, List<Point> points) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Tracking a moving input: distance to the current fixed point against T_s\n\n");
        sb.append("Written by `").append(command).append("` (fprnn ").append(info.get("fprnn_version"))
                .append(", commit ").append(info.get("git_commit")).append("; ").append(info.get("machine"))
                .append(").\n\n");
        sb.append("Inputs: ").append(inputs).append(". ").append(tauRelax).append(String.format(java.util.Locale.ROOT,
                " Relative errors are divided by ||r*(xb) - r*(xa)|| = %.4g.%n%n", scale));
        java.util.LinkedHashSet<String> kinds = new java.util.LinkedHashSet<>();
        java.util.TreeSet<Double> ratios = new java.util.TreeSet<>();
        for (Point p : points) {
            kinds.add(p.kind());
            ratios.add(p.ratio());
        }
        sb.append("Mean distance ||r(t) - r*(x(t))|| over the measured window (relative in brackets) and its maximum.\n\n");
        sb.append("| T_s / tau_relax |");
        for (String k : kinds) {
            sb.append(' ').append(k).append(" mean | ").append(k).append(" max |");
        }
        sb.append("\n|---|").append("---|---|".repeat(kinds.size())).append('\n');
        for (double r : ratios) {
            sb.append(String.format(java.util.Locale.ROOT, "| %.3g |", r));
            for (String k : kinds) {
                Point p = points.stream().filter(q -> q.kind().equals(k) && q.ratio() == r).findFirst().orElse(null);
                if (p == null) {
                    sb.append(" - | - |");
                } else {
                    sb.append(String.format(java.util.Locale.ROOT, " %.4g (%.3g) | %.4g |", p.summary().meanDistance(),
                            p.summary().meanDistance() / scale, p.summary().maxDistance()));
                }
            }
            sb.append('\n');
        }
        sb.append("\n![error against T_s](figures/sweep.png)\n\n![distance over time](figures/tracking.png)\n");
        return sb.toString();
    }
}
