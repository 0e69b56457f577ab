package org.fprnn.cli.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.fprnn.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Figures as PNG through XChart. Non-finite points (and non-positive ones on a log axis) are dropped
 * before plotting, so a diverged run still gets its figure; several charts can be tiled into one PNG,
 * one panel per rule.
 */
public final class Figures {
    private Figures() {
    }

    /**
     * The colours of the lines, in the order they are added: ten well-separated hues (matplotlib's
     * "tab10" without its grey). XChart's own cycle runs over every series, so with a band after each
     * line the lines took every second colour of it, and the fifth took its light grey, hard to see
     * on white.
     */
    static final Color[] LINE_COLORS = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0xbcbd22), new Color(0x17becf), new Color(0x393b79)};

    /** The x axis's number format: no grouping, at most two decimals. */
    static final String X_PATTERN = "#.##";

    /** A line chart with the given axes. */
    public static XYChart lineChart(String title, String xLabel, String yLabel, boolean logY, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        c.getStyler().setYAxisLogarithmic(logY);
        if (logY) {
            c.getStyler().setYAxisLogarithmicDecadeOnly(true);
        }
        c.getStyler().setXAxisTickMarkSpacingHint(120);
        // No thousands separators: on a run of thousands of steps XChart's labels ("1,084") ran into
        // each other; fractions stay visible for short runs whose ticks fall between steps.
        c.getStyler().setXAxisDecimalPattern(X_PATTERN);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setMarkerSize(0);
        return c;
    }

    /**
     * Adds a line, keeping only finite points (and positive ones when the y axis is logarithmic);
     * a series with no drawable point is added as a legend entry noting that. The k-th line in the
     * legend takes {@link #LINE_COLORS}[k], whatever bands or hidden series came between.
     */
    public static void addLine(XYChart chart, String name, double[] x, double[] y) {
        boolean logY = chart.getStyler().isYAxisLogarithmic();
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!logY || y[i] > 0)) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        }
        if (xs.isEmpty()) {
            // Nothing drawable (diverged at once): keep a legend entry with an invisible point.
            xs.add(x.length > 0 && Double.isFinite(x[0]) ? x[0] : 0.0);
            ys.add(logY ? 1.0 : 0.0);
            name = name + " (no finite values)";
            XYSeries s = chart.addSeries(name, xs, ys);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(new Color(0, 0, 0, 0));
            return;
        }
        long lines = chart.getSeriesMap().values().stream().filter(XYSeries::isShowInLegend).count();
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(LINE_COLORS[(int) (lines % LINE_COLORS.length)]);
    }

    /**
     * Shades the band between {@code lo} and {@code hi} in the colour of the chart's last series (a
     * line added just before), translucent and without a legend entry: a closed polygon along
     * {@code hi} and back along {@code lo}, over the points where both are finite (and positive on a
     * log axis). Nothing is drawn when fewer than two such points exist.
     */
    public static void addBand(XYChart chart, double[] x, double[] lo, double[] hi) {
        boolean logY = chart.getStyler().isYAxisLogarithmic();
        List<Double> xs = new ArrayList<>();
        List<Double> up = new ArrayList<>();
        List<Double> down = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(lo[i]) && Double.isFinite(hi[i]) && (!logY || lo[i] > 0)) {
                xs.add(x[i]);
                up.add(hi[i]);
                down.add(lo[i]);
            }
        }
        if (xs.size() < 2) {
            return;
        }
        List<Double> px = new ArrayList<>(xs);
        List<Double> py = new ArrayList<>(up);
        for (int i = xs.size() - 1; i >= 0; i--) {
            px.add(xs.get(i));
            py.add(down.get(i));
        }
        var all = chart.getSeriesMap().values();
        XYSeries line = all.stream().reduce((a, b) -> b).orElseThrow();
        Color base = line.getLineColor() != null ? line.getLineColor()
                : chart.getStyler().getSeriesColors()[(all.size() - 1) % chart.getStyler().getSeriesColors().length];
        if (line.getLineColor() == null) {
            line.setLineColor(base);
        }
        XYSeries band = chart.addSeries(line.getName() + " (range over seeds)", px, py);
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setMarker(SeriesMarkers.NONE);
        band.setFillColor(new Color(base.getRed(), base.getGreen(), base.getBlue(), 50));
        band.setLineColor(new Color(0, 0, 0, 0));
        band.setShowInLegend(false);
    }

    /** The name of the series {@link #roundXTicks} adds. */
    static final String TICK_SERIES = "(x ticks)";

    /**
     * Makes XChart place the x ticks at round numbers (0, 50, 100, ...): when the x values of all the
     * series together are equally spaced (steps 1, 2, ..., T), XChart 3.8 puts its ticks on data
     * values instead (1, 20, 39, ...). A hidden, legend-less series of one point between the first two
     * x values, at a y already on the chart, breaks the equal spacing without drawing anything or
     * changing either axis's range. Charts whose x values are not equally spaced are left as they are.
     */
    static void roundXTicks(XYChart chart) {
        if (chart.getSeriesMap().containsKey(TICK_SERIES)) {
            return;
        }
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        double y = Double.NaN;
        for (XYSeries s : chart.getSeriesMap().values()) {
            double[] sx = s.getXData();
            double[] sy = s.getYData();
            for (int i = 0; i < sx.length; i++) {
                xs.add(sx[i]);
                if (Double.isNaN(y) && Double.isFinite(sy[i])) {
                    y = sy[i];
                }
            }
        }
        if (xs.size() < 3 || Double.isNaN(y)) {
            return;
        }
        Double[] v = xs.toArray(new Double[0]);
        double step = v[1] - v[0];
        for (int i = 2; i < v.length; i++) {
            if (Math.abs(v[i] - v[i - 1] - step) > 1e-9 * Math.max(1, Math.abs(step))) {
                return; // not equally spaced: XChart already picks round ticks
            }
        }
        XYSeries hidden = chart.addSeries(TICK_SERIES, new double[] {v[0] + step / 2}, new double[] {y});
        hidden.setMarker(SeriesMarkers.NONE);
        hidden.setLineColor(new Color(0, 0, 0, 0));
        hidden.setShowInLegend(false);
    }

    /** Tiles charts into a grid with {@code cols} columns and writes one PNG atomically. */
    public static void saveGrid(List<XYChart> charts, int cols, Path png) throws IOException {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("no chart to save in " + png);
        }
        List<BufferedImage> imgs = new ArrayList<>();
        for (XYChart c : charts) {
            roundXTicks(c);
            imgs.add(BitmapEncoder.getBufferedImage(c));
        }
        int w = imgs.get(0).getWidth();
        int h = imgs.get(0).getHeight();
        int rows = (imgs.size() + cols - 1) / cols;
        int c = Math.min(cols, imgs.size());
        BufferedImage out = new BufferedImage(w * c, h * rows, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int i = 0; i < imgs.size(); i++) {
            g.drawImage(imgs.get(i), (i % cols) * w, (i / cols) * h, null);
        }
        g.dispose();
        AtomicFiles.write(png, o -> {
            // In memory: ImageIO's default cache for a stream is a file in java.io.tmpdir, which may be
            // read-only or full where the results folder is not. Closing flushes into o, and leaves o open.
            try (var image = new javax.imageio.stream.MemoryCacheImageOutputStream(o)) {
                ImageIO.write(out, "png", image);
            }
        });
    }
}
