package org.fprnn.operator;

import org.fprnn.linalg.Matrix;

/**
 * A {@link LinearMap} that can read its argument from, and write its result into, a range of
 * columns of wider row batches, so that a {@link BlockOperator} of such maps works on the stacked
 * state in place instead of copying each layer out and back.
 */
public interface ColumnMap extends LinearMap {

    /**
     * Columns [outCol, outCol + outputs) of out become alpha M x_i + beta times their old value,
     * x_i being columns [xCol, xCol + inputs) of row i of x; x and out must be different matrices
     * with the same rows.
     */
    void applyColumns(Matrix x, int xCol, Matrix out, int outCol, double alpha, double beta);

    /** The same with M^T: columns [aCol, aCol + outputs) of a into columns [outCol, outCol + inputs) of out. */
    void applyTransposeColumns(Matrix a, int aCol, Matrix out, int outCol, double alpha, double beta);
}
