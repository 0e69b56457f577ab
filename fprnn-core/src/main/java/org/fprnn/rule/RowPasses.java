package org.fprnn.rule;

import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.RowParallel;

/**
 * The rules' elementwise steps, each one pass over rows [from, to) of B x N matrices (one object
 * per calling thread, reused). With x, y the inputs and o1, o2 the outputs:
 * GAIN_TWICE: o1 = g x, o2 = g o1; GAIN_COPY: o1 = g x, o2 = x; RESIDUAL: o1 = y - g x,
 * o2 = g o1 (when o2 is given); ONE_MINUS_SQUARE: o1 = 1 - x^2 (the gains 1 - r^2, formed in
 * double as before). Each element is rounded as in the separate products and differences, so the
 * bits are those of the unfused steps. The passes run on row blocks over the cores
 * ({@link RowParallel}); each element depends on its own inputs only.
 */
final class RowPasses implements RowParallel.RowBlock {
    static final int GAIN_TWICE = 0;
    static final int GAIN_COPY = 1;
    static final int RESIDUAL = 2;
    static final int ONE_MINUS_SQUARE = 3;
    private static final ThreadLocal<RowPasses> MINE = ThreadLocal.withInitial(RowPasses::new);

    int kind;
    Matrix g;
    Matrix x;
    Matrix y;
    Matrix o1;
    Matrix o2;

    /** Runs pass {@code kind} on all rows (g gives the shape; for ONE_MINUS_SQUARE it is o1). */
    static void run(int kind, Matrix g, Matrix x, Matrix y, Matrix o1, Matrix o2) {
        RowPasses p = MINE.get();
        p.kind = kind;
        p.g = g;
        p.x = x;
        p.y = y;
        p.o1 = o1;
        p.o2 = o2;
        try {
            RowParallel.forRows(g.rows, RowParallel.minRows(g.cols), p);
        } finally {
            p.g = p.x = p.y = p.o1 = p.o2 = null;
        }
    }

    @Override
    public void rows(int part, int from, int to) {
        int lo = from * g.cols;
        int hi = to * g.cols;
        switch (g) {
            case FMatrix gm -> floats(gm.data, ((FMatrix) x).data, y == null ? null : ((FMatrix) y).data,
                    ((FMatrix) o1).data, o2 == null ? null : ((FMatrix) o2).data, lo, hi);
            case DMatrix gm -> doubles(gm.data, ((DMatrix) x).data, y == null ? null : ((DMatrix) y).data,
                    ((DMatrix) o1).data, o2 == null ? null : ((DMatrix) o2).data, lo, hi);
        }
    }

    private void floats(float[] g, float[] x, float[] y, float[] o1, float[] o2, int lo, int hi) {
        switch (kind) {
            case ONE_MINUS_SQUARE -> {
                for (int i = lo; i < hi; i++) {
                    double v = x[i];
                    o1[i] = (float) (1.0 - v * v);
                }
            }
            case GAIN_TWICE -> {
                for (int i = lo; i < hi; i++) {
                    float u = g[i] * x[i];
                    o1[i] = u;
                    o2[i] = g[i] * u;
                }
            }
            case GAIN_COPY -> {
                for (int i = lo; i < hi; i++) {
                    float v = x[i];
                    o1[i] = g[i] * v;
                    o2[i] = v;
                }
            }
            default -> {
                if (o2 == null) {
                    for (int i = lo; i < hi; i++) {
                        o1[i] = y[i] - g[i] * x[i];
                    }
                } else {
                    for (int i = lo; i < hi; i++) {
                        float p = y[i] - g[i] * x[i];
                        o1[i] = p;
                        o2[i] = g[i] * p;
                    }
                }
            }
        }
    }

    private void doubles(double[] g, double[] x, double[] y, double[] o1, double[] o2, int lo, int hi) {
        switch (kind) {
            case ONE_MINUS_SQUARE -> {
                for (int i = lo; i < hi; i++) {
                    double v = x[i];
                    o1[i] = 1.0 - v * v;
                }
            }
            case GAIN_TWICE -> {
                for (int i = lo; i < hi; i++) {
                    double u = g[i] * x[i];
                    o1[i] = u;
                    o2[i] = g[i] * u;
                }
            }
            case GAIN_COPY -> {
                for (int i = lo; i < hi; i++) {
                    double v = x[i];
                    o1[i] = g[i] * v;
                    o2[i] = v;
                }
            }
            default -> {
                if (o2 == null) {
                    for (int i = lo; i < hi; i++) {
                        o1[i] = y[i] - g[i] * x[i];
                    }
                } else {
                    for (int i = lo; i < hi; i++) {
                        double p = y[i] - g[i] * x[i];
                        o1[i] = p;
                        o2[i] = g[i] * p;
                    }
                }
            }
        }
    }
}
