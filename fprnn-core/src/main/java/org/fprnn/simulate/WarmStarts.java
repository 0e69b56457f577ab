package org.fprnn.simulate;

import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Warm against cold starts along a sequence of inputs: the fixed points are solved once starting
 * each solve from the previous input's fixed point and once from rest, with the same solver
 * settings, and the total solver iterations (summed over inputs and samples) are compared.
 *
 * @param warm the path solved with warm starts
 * @param cold the path solved from rest
 * @param maxDifference max over points, samples and units of |r*_warm - r*_cold|
 */
public record WarmStarts(FixedPointPath warm, FixedPointPath cold, double maxDifference) {

    public long warmIterations() {
        return warm.totalIterations();
    }

    public long coldIterations() {
        return cold.totalIterations();
    }

    /** Fraction of the cold-start iterations saved by warm starts (1 - warm / cold). */
    public double saving() {
        return 1 - (double) warm.totalIterations() / cold.totalIterations();
    }

    /** Both paths for a plain sequence of inputs (B x n_in each). */
    public static WarmStarts compare(FixedPointNetwork net, Matrix[] inputs, SolverConfig config) {
        FixedPointPath w = FixedPointPath.along(net, inputs, new EquilibriumSolver(config), true);
        FixedPointPath c = FixedPointPath.along(net, inputs, new EquilibriumSolver(config), false);
        return new WarmStarts(w, c, maxAbsDiff(w.rates(), c.rates()));
    }

    /** Both paths for a stimulus at the given times (the warm path starts from rest too). */
    public static WarmStarts compare(FixedPointNetwork net, Stimulus s, double[] times, SolverConfig config) {
        FixedPointPath w = FixedPointPath.along(net, s, times, new EquilibriumSolver(config), true, null);
        FixedPointPath c = FixedPointPath.along(net, s, times, new EquilibriumSolver(config), false, null);
        return new WarmStarts(w, c, maxAbsDiff(w.rates(), c.rates()));
    }

    static double maxAbsDiff(Matrix a, Matrix b) {
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = Math.abs(a.getFlat(i) - b.getFlat(i));
            m = Double.isNaN(d) ? Double.NaN : Math.max(m, d);
            if (Double.isNaN(m)) {
                return m;
            }
        }
        return m;
    }
}
