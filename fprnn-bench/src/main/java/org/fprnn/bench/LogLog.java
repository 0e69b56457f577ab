package org.fprnn.bench;

/** Power-law fits: the least-squares slope of log y against log x (y ~ c x^slope). */
final class LogLog {
    private LogLog() {
    }

    /**
     * Least-squares slope of log(y) against log(x).
     *
     * @throws IllegalArgumentException with fewer than two points, values that are not finite and
     *     positive, or all x equal
     */
    static double slope(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " x values for " + y.length + " y values");
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("a slope needs at least two points, got " + x.length);
        }
        double mx = 0;
        double my = 0;
        double[] lx = new double[x.length];
        double[] ly = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            if (!(x[i] > 0 && y[i] > 0 && Double.isFinite(x[i]) && Double.isFinite(y[i]))) {
                throw new IllegalArgumentException("log-log fit needs finite positive values, got (" + x[i] + ", " + y[i] + ")");
            }
            lx[i] = Math.log(x[i]);
            ly[i] = Math.log(y[i]);
            mx += lx[i] / x.length;
            my += ly[i] / x.length;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("a slope needs at least two different x values");
        }
        return sxy / sxx;
    }
}
