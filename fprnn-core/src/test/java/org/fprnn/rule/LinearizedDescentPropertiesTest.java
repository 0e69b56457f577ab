package org.fprnn.rule;

import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Params;
import org.fprnn.operator.DenseOperator;

/**
 * MATH section 6 fact 3: for one sample, the linearized and linearized_alt directions have a
 * non-negative inner product with that sample's gradient dl/dW = delta r^T,
 * delta = G (I - W^T G)^{-1} e, for random networks and gains in (0, 1].
 */
class LinearizedDescentPropertiesTest {

    @Property(tries = 300)
    void perSampleDirectionIsNeverUphill(@ForAll @IntRange(min = 1, max = 14) int n,
                                         @ForAll @DoubleRange(min = 0.05, max = 3.0) double scale,
                                         @ForAll long seed, @ForAll boolean alt) {
        Random rng = new Random(seed);
        DMatrix w = TestNets.randn(n, n, scale / Math.sqrt(n), rng);
        DMatrix g = new DMatrix(1, n);
        for (int i = 0; i < n; i++) {
            g.data[i] = 1e-3 + (1 - 1e-3) * rng.nextDouble();   // gains in (0, 1]
        }
        DMatrix e = TestNets.randn(1, n, 1, rng);
        DMatrix r = TestNets.randn(1, n, 1, rng);

        // delta = G (I - W^T G)^{-1} e, by a dense solve.
        DMatrixRMaj m = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m.set(i, j, (i == j ? 1 : 0) - w.get(j, i) * g.data[j]);
            }
        }
        Assume.that(org.ejml.dense.row.NormOps_DDRM.conditionP2(m) < 1e8);
        DMatrixRMaj lambda = new DMatrixRMaj(n, 1);
        CommonOps_DDRM.solve(m, DMatrixRMaj.wrap(n, 1, e.data.clone()), lambda);

        Params params = new Params().put("W", w);
        DenseOperator op = new DenseOperator(params, "W");
        DMatrix a = new DMatrix(1, n);
        DMatrix b = new DMatrix(1, n);
        DMatrix t1 = new DMatrix(1, n);
        DMatrix t2 = new DMatrix(1, n);
        if (alt) {
            LinearizedRule.linearizedAlt(op, r, e, g, a, b, t1, t2);
        } else {
            op.apply(r, t1, 1, 0); // the recurrent input r W^T, as the equilibrium holds it
            LinearizedRule.linearized(op, r, t1, e, g, a, b, t2);
        }
        // <a b^T, delta r^T> = (a . delta)(b . r)
        double ad = 0;
        double br = 0;
        double na = 0;
        double nd = 0;
        double nb = 0;
        double nr = 0;
        for (int i = 0; i < n; i++) {
            double delta = g.data[i] * lambda.get(i, 0);
            ad += a.data[i] * delta;
            br += b.data[i] * r.data[i];
            na += a.data[i] * a.data[i];
            nd += delta * delta;
            nb += b.data[i] * b.data[i];
            nr += r.data[i] * r.data[i];
        }
        double inner = ad * br;
        double tol = 1e-9 * Math.sqrt(na * nd * nb * nr);
        if (inner < -tol) {
            throw new AssertionError("uphill per-sample direction: <D_i, grad_i> = " + inner
                    + " (n=" + n + ", scale=" + scale + ", alt=" + alt + ")");
        }
    }
}
