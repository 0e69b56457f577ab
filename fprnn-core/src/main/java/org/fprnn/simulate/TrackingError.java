package org.fprnn.simulate;

/**
 * How far a simulated state is from the fixed point of the current input (MATH section 7):
 * at each recorded time t_k, e_i(t_k) = r_i(t_k) - r*(x_i(t_k)) for each sample i.
 *
 * @param times recorded times
 * @param distance per time, the batch mean of the Euclidean norms ||e_i||
 * @param distanceMax per time, the largest ||e_i|| over the batch
 * @param maxAbs per time, max over samples and units of |e_ij|
 * @param windowStart start of the summary window (inclusive)
 * @param windowEnd end of the summary window (inclusive)
 * @param summary averages and maxima over the window
 */
public record TrackingError(double[] times, double[] distance, double[] distanceMax, double[] maxAbs,
                            double windowStart, double windowEnd, Summary summary) {

    /**
     * Summary over the recorded times inside the window. Time averages use the trapezoidal rule
     * over the records, from the first to the last record in the window.
     *
     * @param meanDistance time average of {@code distance}
     * @param maxDistance largest {@code distanceMax}
     * @param meanMaxAbs time average of {@code maxAbs}
     * @param maxMaxAbs largest {@code maxAbs}
     * @param points number of records in the window
     */
    public record Summary(double meanDistance, double maxDistance, double meanMaxAbs, double maxMaxAbs, int points) {
    }

    /** Compares a trajectory with the fixed points at the same recorded times. */
    public static TrackingError of(Trajectory traj, FixedPointPath path, double windowStart, double windowEnd) {
        int t = traj.records();
        if (path.points() != t || path.batch() != traj.batch() || path.rates().cols != traj.units()) {
            throw new IllegalArgumentException("trajectory (" + t + " records of " + traj.batch() + " x " + traj.units()
                    + ") and fixed points (" + path.points() + " of " + path.batch() + " x " + path.rates().cols
                    + ") do not match");
        }
        int b = traj.batch();
        int n = traj.units();
        double[] dist = new double[t];
        double[] distMax = new double[t];
        double[] maxAbs = new double[t];
        for (int k = 0; k < t; k++) {
            double sum = 0;
            double dm = 0;
            double ma = 0;
            for (int i = 0; i < b; i++) {
                int row = k * b + i;
                double s = 0;
                for (int j = 0; j < n; j++) {
                    double e = traj.rates().get(row, j) - path.rates().get(row, j);
                    s += e * e;
                    ma = Double.isNaN(e) ? Double.NaN : Math.max(ma, Math.abs(e));
                }
                double d = Math.sqrt(s);
                sum += d;
                dm = Double.isNaN(d) ? Double.NaN : Math.max(dm, d);
            }
            dist[k] = sum / b;
            distMax[k] = dm;
            maxAbs[k] = ma;
        }
        double eps = 1e-9 * Math.max(1, Math.abs(windowEnd));
        double[] times = traj.times();
        double mx = 0;
        double mxa = 0;
        double intD = 0;
        double intA = 0;
        int count = 0;
        int prev = -1;
        int first = -1;
        for (int k = 0; k < t; k++) {
            double tk = times[k];
            if (tk < windowStart - eps || tk > windowEnd + eps) {
                continue;
            }
            if (prev >= 0) {
                double h = tk - times[prev];
                intD += 0.5 * h * (dist[prev] + dist[k]);
                intA += 0.5 * h * (maxAbs[prev] + maxAbs[k]);
            } else {
                first = k;
            }
            mx = nanMax(mx, distMax[k]);
            mxa = nanMax(mxa, maxAbs[k]);
            prev = k;
            count++;
        }
        Summary s;
        if (count == 0) {
            s = new Summary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        } else if (count == 1) {
            s = new Summary(dist[first], mx, maxAbs[first], mxa, 1);
        } else {
            double len = times[prev] - times[first];
            s = new Summary(intD / len, mx, intA / len, mxa, count);
        }
        return new TrackingError(traj.times(), dist, distMax, maxAbs, windowStart, windowEnd, s);
    }

    private static double nanMax(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }
}
