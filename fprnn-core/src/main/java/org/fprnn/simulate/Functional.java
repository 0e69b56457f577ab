package org.fprnn.simulate;

import org.fprnn.linalg.Matrix;

/** x(t) from a function that fills a B x n_in matrix. */
final class Functional implements Stimulus {
    private final int batch;
    private final int inputs;
    private final InputFunction f;

    private final String description;

    Functional(int batch, int inputs, InputFunction f, String description) {
        this.description = description;
        if (batch < 1 || inputs < 1) {
            throw new IllegalArgumentException("a stimulus needs batch and inputs >= 1, got " + batch + ", " + inputs);
        }
        this.batch = batch;
        this.inputs = inputs;
        this.f = f;
    }

    @Override public int batch() { return batch; }
    @Override public int inputs() { return inputs; }

    @Override
    public void input(double t, Matrix out) {
        if (out.rows != batch || out.cols != inputs) {
            throw new IllegalArgumentException("input matrix " + out.shape() + ", expected (" + batch + ", " + inputs + ")");
        }
        f.fill(t, out);
    }

    @Override
    public String toString() {
        return description;
    }
}
