package org.fprnn.operator;

import java.util.Random;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Params;

/** Shared helpers of the map factories: random draws and parameter registration. */
final class Init {
    private Init() {
    }

    /** A rows x cols matrix of std * N(0, 1), drawn in double so float and double agree per seed. */
    static Matrix gaussian(int rows, int cols, double std, Precision p, Random rng) {
        Matrix m = p.zeros(rows, cols);
        for (int i = 0; i < m.size(); i++) {
            m.setFlat(i, std * rng.nextGaussian());
        }
        return m;
    }

    /** Puts a parameter into params, refusing a name already taken. */
    static Matrix register(Params params, String name, Matrix m) {
        if (params.has(name)) {
            throw new IllegalArgumentException("parameter name '" + name + "' is used twice");
        }
        params.put(name, m);
        return m;
    }

    static Matrix checkShape(Matrix m, int rows, int cols, String what) {
        if (m.rows != rows || m.cols != cols) {
            throw new IllegalArgumentException(what + " has shape " + m.shape() + ", expected (" + rows + ", "
                    + cols + ")");
        }
        return m;
    }
}
