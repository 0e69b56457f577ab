package org.fprnn.cli.classify;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.fprnn.cli.report.Figures;
import org.fprnn.cli.report.ResultsFolder;
import org.fprnn.train.StepRecord;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The figures of a classification sweep (figures/*.png): loss, accuracy, solver iterations and
 * diagnostics per step, one panel per rule and one line per learning rate; over several seeds the
 * line is the mean of the seeds' curves and a shaded band spans their range (smallest to largest at
 * each step). Eigenvalues of W after learning, of the first seed.
 */
final class ClassificationFigures {
    private ClassificationFigures() {
    }

    /** Moving-mean window for the noisy per-step curves: about 1/25 of a run, 1 to 20 steps. */
    static int window(int steps) {
        return Math.max(1, Math.min(20, Math.round(steps / 25f)));
    }

    static void write(ResultsFolder folder, ClassificationPlan plan, List<RunResult> results, double[][] startEig)
            throws IOException {
        List<String> rules = plan.config().sweep().rules();
        int total = results.isEmpty() ? 1 : results.getFirst().totalSteps;
        int w = window(total);
        String smooth = w > 1 ? " (moving mean of " + w + " steps)" : "";
        List<XYChart> loss = new ArrayList<>();
        List<XYChart> acc = new ArrayList<>();
        for (String rule : rules) {
            loss.add(curves(rule + ": test batch" + smooth, "cross-entropy", false, results, rule, StepRecord::testLoss, w));
            acc.add(curves(rule + ": test batch" + smooth, "accuracy", false, results, rule, StepRecord::testAccuracy, w));
        }
        for (String rule : rules) {
            loss.add(curves(rule + ": training batch" + smooth, "cross-entropy", false, results, rule, StepRecord::trainLoss, w));
            acc.add(curves(rule + ": training batch" + smooth, "accuracy", false, results, rule, StepRecord::trainAccuracy, w));
        }
        capLoss(loss, results);
        Figures.saveGrid(loss, rules.size(), folder.figure("loss.png"));
        Figures.saveGrid(acc, rules.size(), folder.figure("accuracy.png"));
        List<XYChart> eig = new ArrayList<>();
        for (String rule : rules) {
            eig.add(spectrum(rule, results, startEig));
        }
        Figures.saveGrid(eig, rules.size(), folder.figure("eigenvalues.png"));
        List<XYChart> it = new ArrayList<>();
        for (String rule : rules) {
            it.add(curves(rule + ": forward solver, training batch", "iterations (median over samples)", false, results,
                    rule, StepRecord::iterationsMedian, 1));
        }
        Figures.saveGrid(it, rules.size(), folder.figure("iterations.png"));
        if (anyDiagnostics(results)) {
            List<XYChart> diag = new ArrayList<>();
            for (String rule : rules) {
                diag.add(curves(rule + ": angle to the gradient", "degrees", false, results, rule,
                        s -> s.diagnostics() == null ? Double.NaN : s.diagnostics().angle(), 1));
            }
            for (String rule : rules) {
                diag.add(curves(rule + ": distance to singularity", "smallest sigma_min(I - G W)", true, results, rule,
                        s -> s.diagnostics() == null ? Double.NaN : s.diagnostics().sigmaMin(), 1));
            }
            Figures.saveGrid(diag, rules.size(), folder.figure(DIAGNOSTICS_FIGURE));
        }
    }

    static final String DIAGNOSTICS_FIGURE = "diagnostics.png";

    static boolean anyDiagnostics(List<RunResult> results) {
        return results.stream().anyMatch(r -> !r.diagnostics().isEmpty());
    }

    /**
     * Keeps the loss panels readable when a run blows up: the y axis stops at twice the largest
     * starting loss (values above it run off the top of the panel).
     */
    private static void capLoss(List<XYChart> charts, List<RunResult> results) {
        double start = 0;
        double max = 0;
        for (RunResult r : results) {
            for (StepRecord s : r.steps) {
                for (double v : new double[] {s.trainLoss(), s.testLoss()}) {
                    if (Double.isFinite(v)) {
                        max = Math.max(max, v);
                    }
                }
            }
            if (!r.steps.isEmpty() && Double.isFinite(r.steps.getFirst().trainLoss())) {
                start = Math.max(start, r.steps.getFirst().trainLoss());
            }
        }
        if (start > 0 && max > 2 * start) {
            for (XYChart c : charts) {
                c.getStyler().setYAxisMin(0.0);
                c.getStyler().setYAxisMax(2 * start);
            }
        }
    }

    private static XYChart curves(String title, String yLabel, boolean logY, List<RunResult> results, String rule,
                                  ToDoubleFunction<StepRecord> f, int window) {
        XYChart c = Figures.lineChart(title, "step", yLabel, logY, 600, 460);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        boolean any = false;
        for (SeedGroup g : SeedGroup.of(results.stream().map(r -> r.spec).toList(), results)) {
            if (!g.rule().equals(rule)) {
                continue;
            }
            List<double[]> ys = new ArrayList<>();
            int longest = 0;
            for (RunResult r : g.runs()) {
                double[] y = new double[r.steps.size()];
                for (int i = 0; i < y.length; i++) {
                    y[i] = f.applyAsDouble(r.steps.get(i));
                }
                ys.add(movingMean(y, window));
                longest = Math.max(longest, y.length);
            }
            double[] x = new double[longest];
            for (int i = 0; i < longest; i++) {
                x[i] = i + 1;   // steps are numbered from 0 in every run; the axis counts from 1
            }
            Band b = Band.of(ys, longest);
            String name = "lr " + ClassificationPlan.lrText(g.lr()) + label(g);
            Figures.addLine(c, name, x, b.mean());
            if (ys.size() > 1) {
                Figures.addBand(c, x, b.min(), b.max());
            }
            any = true;
        }
        if (!any) {
            Figures.addLine(c, "no runs", new double[] {0}, new double[] {Double.NaN});
        }
        return c;
    }

    /**
     * A legend's note on a setting: "(diverged)", "(failed)", or over seeds "(1 of 3 diverged)"; none
     * when every run completed. The seed count is on the page, not in the legend, whose entries sit in
     * one row under a panel and must fit its width.
     */
    static String label(SeedGroup g) {
        if (g.runs().size() == 1) {
            RunResult r = g.runs().getFirst();
            return r.diverged() ? " (diverged)" : r.failed() ? " (failed)" : "";
        }
        long diverged = g.runs().stream().filter(RunResult::diverged).count();
        long failed = g.runs().stream().filter(RunResult::failed).count();
        if (diverged + failed == 0) {
            return "";
        }
        int n = g.runs().size();
        return " (" + (diverged > 0 ? diverged + " of " + n + " diverged" : "")
                + (diverged > 0 && failed > 0 ? ", " : "") + (failed > 0 ? failed + " of " + n + " failed" : "") + ")";
    }

    /**
     * Per step, the mean and the range of the seeds' curves over the seeds with a finite value there
     * (NaN where none has one).
     */
    record Band(double[] mean, double[] min, double[] max) {
        static Band of(List<double[]> ys, int length) {
            double[] mean = new double[length];
            double[] min = new double[length];
            double[] max = new double[length];
            for (int i = 0; i < length; i++) {
                double s = 0;
                int n = 0;
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (double[] y : ys) {
                    if (i < y.length && Double.isFinite(y[i])) {
                        s += y[i];
                        n++;
                        lo = Math.min(lo, y[i]);
                        hi = Math.max(hi, y[i]);
                    }
                }
                mean[i] = n == 0 ? Double.NaN : s / n;
                min[i] = n == 0 ? Double.NaN : lo;
                max[i] = n == 0 ? Double.NaN : hi;
            }
            return new Band(mean, min, max);
        }
    }

    /** Trailing moving mean over finite values (NaN where the window has none). */
    static double[] movingMean(double[] y, int w) {
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            double s = 0;
            int n = 0;
            for (int j = Math.max(0, i - w + 1); j <= i; j++) {
                if (Double.isFinite(y[j])) {
                    s += y[j];
                    n++;
                }
            }
            out[i] = n == 0 || !Double.isFinite(y[i]) ? Double.NaN : s / n;
        }
        return out;
    }

    private static XYChart spectrum(String rule, List<RunResult> results, double[][] startEig) {
        XYChart c = Figures.lineChart(rule + ": eigenvalues of W after learning", "real part", "imaginary part",
                false, 600, 640);
        c.getStyler().setMarkerSize(4);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        double reach = 1.1;
        reach = Math.max(reach, extent(startEig));
        if (startEig != null) {
            scatter(c, "at start", startEig, new Color(170, 170, 170));
        }
        for (RunResult r : results) {
            // Over seeds: the first seed's (whose W at start is the grey one).
            if (r.spec.rule().equals(rule) && r.eigenvalues != null && !r.spec.namedBySeed()) {
                scatter(c, "lr " + ClassificationPlan.lrText(r.spec.lr()) + (r.diverged() ? " (diverged)" : ""),
                        r.eigenvalues, null);
                reach = Math.max(reach, extent(r.eigenvalues));
            }
        }
        int n = 200;
        double[] cx = new double[n + 1];
        double[] cy = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            cx[i] = Math.cos(2 * Math.PI * i / n);
            cy[i] = Math.sin(2 * Math.PI * i / n);
        }
        XYSeries circle = c.addSeries("unit circle", cx, cy);
        circle.setMarker(SeriesMarkers.NONE);
        circle.setLineColor(Color.DARK_GRAY);
        circle.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
        XYSeries re1 = c.addSeries("Re = 1", new double[] {1, 1}, new double[] {-reach, reach});
        re1.setMarker(SeriesMarkers.NONE);
        re1.setLineColor(Color.RED);
        return c;
    }

    private static double extent(double[][] eig) {
        double m = 0;
        if (eig != null) {
            for (double[] e : eig) {
                if (Double.isFinite(e[0]) && Double.isFinite(e[1])) {
                    m = Math.max(m, Math.max(Math.abs(e[0]), Math.abs(e[1])));
                }
            }
        }
        return m;
    }

    private static void scatter(XYChart c, String name, double[][] eig, Color color) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (double[] e : eig) {
            if (Double.isFinite(e[0]) && Double.isFinite(e[1])) {
                xs.add(e[0]);
                ys.add(e[1]);
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        if (color != null) {
            s.setMarkerColor(color);
        }
    }

}
