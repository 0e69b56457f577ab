package org.fprnn.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.junit.jupiter.api.Test;

/**
 * The band over seeds in the results pages' curves (issue 13 item 1): a closed polygon along the
 * upper bound and back along the lower one, in the line's colour, out of the legend; points where
 * a bound is not finite (or not positive on a log axis) are left out, and fewer than two drawable
 * points draw nothing.
 */
class FiguresBandTest {
    @Test
    void theBandIsAPolygonAlongTheUpperBoundAndBackAlongTheLower() {
        XYChart c = Figures.lineChart("t", "step", "loss", false, 400, 300);
        double[] x = {1, 2, 3, 4};
        Figures.addLine(c, "lr 0.1", x, new double[] {2, 1.5, 1.2, 1.0});
        Figures.addBand(c, x, new double[] {1.8, 1.4, Double.NaN, 0.9}, new double[] {2.2, 1.6, 1.3, 1.1});
        List<XYSeries> all = List.copyOf(c.getSeriesMap().values());
        assertEquals(2, all.size());
        XYSeries band = all.get(1);
        assertEquals("lr 0.1 (range over seeds)", band.getName());
        assertFalse(band.isShowInLegend());
        assertEquals(XYSeries.XYSeriesRenderStyle.PolygonArea, band.getXYSeriesRenderStyle());
        // step 3 has no finite lower bound: left out on both sides
        assertArrayEquals(new double[] {1, 2, 4, 4, 2, 1}, band.getXData());
        assertArrayEquals(new double[] {2.2, 1.6, 1.1, 0.9, 1.4, 1.8}, band.getYData());
        assertEquals(all.get(0).getLineColor().getRGB() & 0xFFFFFF, band.getFillColor().getRGB() & 0xFFFFFF,
                "the band takes the line's colour");
        assertEquals(50, band.getFillColor().getAlpha(), "translucent");
    }

    /**
     * With a band after each line, the lines still take the palette's colours in legend order (XChart's
     * own cycle counts the bands too, which gave the fifth line its light grey), each band its line's,
     * and every colour of the palette is dark enough to see on white (relative luminance at most 0.5;
     * XChart's light grey has about 0.7).
     */
    @Test
    void linesTakeThePaletteInLegendOrderWhateverBandsComeBetween() {
        XYChart c = Figures.lineChart("t", "step", "accuracy", false, 400, 300);
        double[] x = {1, 2, 3};
        for (int k = 0; k < 5; k++) {
            Figures.addLine(c, "lr " + k, x, new double[] {0.1, 0.2, 0.3});
            Figures.addBand(c, x, new double[] {0.05, 0.15, 0.25}, new double[] {0.15, 0.25, 0.35});
        }
        List<XYSeries> all = List.copyOf(c.getSeriesMap().values());
        for (int k = 0; k < 5; k++) {
            XYSeries line = all.get(2 * k);
            assertEquals("lr " + k, line.getName());
            assertEquals(Figures.LINE_COLORS[k], line.getLineColor());
            assertEquals(Figures.LINE_COLORS[k].getRGB() & 0xFFFFFF, all.get(2 * k + 1).getFillColor().getRGB() & 0xFFFFFF);
        }
        for (java.awt.Color col : Figures.LINE_COLORS) {
            double lum = 0.2126 * linear(col.getRed()) + 0.7152 * linear(col.getGreen()) + 0.0722 * linear(col.getBlue());
            assertTrue(lum <= 0.5, col + " has relative luminance " + lum);
        }
        assertTrue(0.2126 * linear(0xDC) + 0.7152 * linear(0xDC) + 0.0722 * linear(0xDC) > 0.5, "the bound can fail");
    }

    /** sRGB channel value to linear light (the WCAG formula). */
    private static double linear(int channel) {
        double v = channel / 255.0;
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }

    @Test
    void onALogAxisNonPositiveBoundsAreLeftOutAndTooFewPointsDrawNothing() {
        XYChart log = Figures.lineChart("t", "step", "loss", true, 400, 300);
        double[] x = {1, 2, 3};
        Figures.addLine(log, "lr 1", x, new double[] {1, 0.5, 0.2});
        Figures.addBand(log, x, new double[] {0, 0.4, 0.1}, new double[] {2, 0.6, 0.3});
        XYSeries band = List.copyOf(log.getSeriesMap().values()).get(1);
        assertArrayEquals(new double[] {2, 3, 3, 2}, band.getXData());

        XYChart one = Figures.lineChart("t", "step", "loss", false, 400, 300);
        Figures.addLine(one, "lr 1", x, new double[] {1, 0.5, 0.2});
        Figures.addBand(one, x, new double[] {Double.NaN, 0.4, Double.NaN}, new double[] {2, 0.6, 0.3});
        assertEquals(1, one.getSeriesMap().size(), "one drawable point: no band");
    }
    /**
     * A step axis gets its ticks at round numbers, not on the data's first step and every k-th one
     * after it (XChart's choice when all x values are equally spaced: 1, 20, 39, ... for 354 steps).
     * The tick values are read through XChart's label-formatting callback while the chart is drawn.
     */
    @Test
    void stepAxesGetRoundTicks() {
        for (int steps : new int[] {354, 4690}) {
            double[] x = new double[steps];
            double[] y = new double[steps];
            for (int i = 0; i < steps; i++) {
                x[i] = i + 1;
                y[i] = 2.0 / (i + 1);
            }
            List<Double> before = ticks(x, y, false);
            assertTrue(before.stream().anyMatch(v -> v % 10 != 0),
                    "without the fix XChart ticks the data's own steps: " + before);
            List<Double> after = ticks(x, y, true);
            assertTrue(after.size() >= 3, after.toString());
            double gap = after.get(1) - after.get(0);
            for (double v : after) {
                assertEquals(0, v % gap, 1e-9, "ticks at multiples of their spacing: " + after);
            }
            assertTrue(gap % 10 == 0 || gap % 25 == 0, "a round spacing: " + after);
        }
        XYChart eig = Figures.lineChart("t", "re", "im", false, 400, 300);
        Figures.addLine(eig, "eigenvalues", new double[] {0.1, 0.35, 0.4}, new double[] {0, 1, 2});
        Figures.roundXTicks(eig);
        assertEquals(1, eig.getSeriesMap().size(), "x values not equally spaced: no hidden series");
    }

    /**
     * The x tick values XChart formats strictly inside the data's range for a line over (x, y), with or
     * without {@link Figures#roundXTicks} (it also formats the range's ends and candidates outside it).
     */
    private static List<Double> ticks(double[] x, double[] y, boolean round) {
        XYChart c = Figures.lineChart("t", "step", "loss", false, 600, 300);
        Figures.addLine(c, "lr 0.1", x, y);
        if (round) {
            Figures.roundXTicks(c);
            XYSeries hidden = c.getSeriesMap().get(Figures.TICK_SERIES);
            assertFalse(hidden.isShowInLegend());
            assertEquals(0, hidden.getLineColor().getAlpha(), "invisible");
        }
        java.util.TreeSet<Double> seen = new java.util.TreeSet<>();
        c.getStyler().setxAxisTickLabelsFormattingFunction(v -> {
            seen.add(v);
            return String.valueOf(v);
        });
        org.knowm.xchart.BitmapEncoder.getBufferedImage(c);
        return List.copyOf(seen.subSet(x[0], false, x[x.length - 1], false));
    }

    /** Step axes of long runs print 1084, not "1,084" (grouped labels ran into each other), and keep fractions. */
    @Test
    void theStepAxisHasNoThousandsSeparators() {
        XYChart c = Figures.lineChart("t", "step", "loss", false, 400, 300);
        java.text.DecimalFormat f = new java.text.DecimalFormat(c.getStyler().getXAxisDecimalPattern(),
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        assertEquals("1084", f.format(1084.0));
        assertEquals("4690", f.format(4690.0));
        assertEquals("2.5", f.format(2.5));
    }
}
