package org.fprnn.simulate;

import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;

/**
 * The fixed points r*(x_k) of a network along a sequence of inputs x_0, x_1, ... (B x n_in each),
 * solved one after the other either with warm starts (the solve for x_k starts from the state
 * of the fixed point of x_{k-1}) or cold (each from rest, r = 0 / v = 0).
 *
 * @param times the time of each point (the index k for a plain sequence of inputs)
 * @param rates (T * B) x N: row k * B + i is r* of sample i at point k
 * @param iterations per point, the solver iterations summed over the batch
 * @param totalIterations the sum of {@code iterations}
 * @param maxResidual the largest per-sample residual max|r - f(W r + h)| over all points
 * @param converged per point, every sample met the solver's tolerance
 * @param lastState the solver state at the last point (a warm start for what follows)
 */
public record FixedPointPath(double[] times, Matrix rates, int batch, int[] iterations, long totalIterations,
                             double maxResidual, boolean[] converged, Matrix lastState) {

    /** Number of points. */
    public int points() {
        return times.length;
    }

    /** True if every sample at every point converged. */
    public boolean allConverged() {
        for (boolean c : converged) {
            if (!c) {
                return false;
            }
        }
        return true;
    }

    /** Number of points at which some sample did not converge. */
    public int unconvergedPoints() {
        int c = 0;
        for (boolean b : converged) {
            if (!b) {
                c++;
            }
        }
        return c;
    }

    /** A copy of the fixed-point rates at point k, B x N. */
    public Matrix ratesAt(int k) {
        Matrix m = rates.like(batch, rates.cols);
        for (int i = 0; i < batch; i++) {
            m.copyRow(rates, k * batch + i, i);
        }
        return m;
    }

    /** The fixed-point rates as an n-d array: (T, B, N), or (T, N) when {@code squeeze} is set and B = 1. */
    public org.fprnn.io.NdArray toNdArray(boolean squeeze) {
        long[] shape = squeeze && batch == 1 ? new long[] {points(), rates.cols}
                : new long[] {points(), batch, rates.cols};
        return switch (rates) {
            case org.fprnn.linalg.FMatrix f -> org.fprnn.io.NdArray.of(f.data, shape);
            case org.fprnn.linalg.DMatrix d -> org.fprnn.io.NdArray.of(d.data, shape);
        };
    }

    /** Fixed points of the inputs x_k = inputs[k], with times 0, 1, 2, .... */
    public static FixedPointPath along(FixedPointNetwork net, Matrix[] inputs, EquilibriumSolver solver, boolean warm) {
        double[] times = new double[inputs.length];
        for (int k = 0; k < times.length; k++) {
            times[k] = k;
        }
        return solve(net, times, k -> inputs[k], solver, warm, null);
    }

    /**
     * Fixed points of the stimulus's input at the given times.
     *
     * @param start a warm start for the first point (a solver state, B x N), or null for rest; with
     *     {@code warm} false it is ignored
     */
    public static FixedPointPath along(FixedPointNetwork net, Stimulus stimulus, double[] times,
                                       EquilibriumSolver solver, boolean warm, Matrix start) {
        Stimulus.checkInputs(net, stimulus);
        Matrix x = net.precision().zeros(stimulus.batch(), stimulus.inputs());
        return solve(net, times, k -> {
            stimulus.input(times[k], x);
            return x;
        }, solver, warm, start);
    }

    private static FixedPointPath solve(FixedPointNetwork net, double[] times, java.util.function.IntFunction<Matrix> input,
                                        EquilibriumSolver solver, boolean warm, Matrix start) {
        if (times.length == 0) {
            throw new IllegalArgumentException("a fixed-point path needs at least one point");
        }
        int n = net.units();
        Matrix first = input.apply(0);
        int b = first.rows;
        Matrix rates = net.precision().zeros(Math.multiplyExact(times.length, b), n);
        int[] iterations = new int[times.length];
        boolean[] converged = new boolean[times.length];
        long total = 0;
        double maxRes = 0;
        Matrix prev = warm && start != null ? start.copy() : null;
        for (int k = 0; k < times.length; k++) {
            Matrix x = k == 0 ? first : input.apply(k);
            if (x.rows != b) {
                throw new IllegalArgumentException("input " + k + " has " + x.rows + " samples, the first has " + b);
            }
            Equilibrium eq = solver.solve(net, x, warm ? prev : null);
            for (int i = 0; i < b; i++) {
                rates.copyRow(eq.rates(), i, k * b + i);
                iterations[k] += eq.iterations()[i];
            }
            total += iterations[k];
            converged[k] = eq.convergedCount() == b;
            double r = eq.maxResidual();
            maxRes = Double.isNaN(r) || Double.isNaN(maxRes) ? Double.NaN : Math.max(maxRes, r);
            if (prev == null) {
                prev = eq.state().copy();
            } else {
                prev.copyFrom(eq.state());
            }
        }
        return new FixedPointPath(times.clone(), rates, b, iterations, total, maxRes, converged, prev);
    }
}
