package org.fprnn.data;

import java.util.Random;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Decompositions;
import org.fprnn.model.Batch;

/**
 * The linear teacher task of protocol P2: m samples X = xScale randn(m, N), a teacher
 * W_hat = teacherScale randn(N, N) / sqrt(N), and targets r_hat_i = (I - W_hat)^{-1} x_i + noise randn(N).
 */
public record LinearTeacher(DMatrix x, DMatrix targets, DMatrix teacher) {

    /**
     * @throws IllegalArgumentException if these settings give no task: I - W_hat singular, or inputs or
     *     targets not finite (scales too large for doubles)
     */
    public static LinearTeacher generate(int n, int m, double xScale, double teacherScale, double noise, long seed) {
        Random rng = new Random(seed);
        DMatrix x = new DMatrix(m, n);
        for (int i = 0; i < x.data.length; i++) {
            x.data[i] = xScale * rng.nextGaussian();
        }
        DMatrix wHat = new DMatrix(n, n);
        for (int i = 0; i < wHat.data.length; i++) {
            wHat.data[i] = teacherScale * rng.nextGaussian() / Math.sqrt(n);
        }
        DMatrix a = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a.data[i * n + j] = (i == j ? 1 : 0) - wHat.data[i * n + j];
            }
        }
        // Rows: r_hat_i = (I - W_hat)^{-1} x_i, each row of X a system of its own.
        DMatrix t = x.copy();
        try {
            Decompositions.solve(a, t);
        } catch (IllegalStateException singular) {
            // the settings' fault, not fprnn's: a bad input (the seed and teacher scale give no teacher)
            throw new IllegalArgumentException("the teacher I - W_hat is singular for seed " + seed + " and teacher"
                    + " scale " + teacherScale + ", so it has no targets (I - W_hat)^-1 x: use another seed or"
                    + " teacher scale", singular);
        }
        for (int i = 0; i < m * n; i++) {
            t.data[i] += noise * rng.nextGaussian();
        }
        if (!x.allFinite() || !t.allFinite()) {
            // every run would "diverge" at step 0 on targets that do not exist
            throw new IllegalArgumentException("the linear teacher's inputs or targets are not finite numbers: input"
                    + " scale " + xScale + ", teacher scale " + teacherScale + " or noise " + noise + " is too large");
        }
        return new LinearTeacher(x, t, wHat);
    }

    public Batch batch() {
        return Batch.regression(x, targets);
    }
}
