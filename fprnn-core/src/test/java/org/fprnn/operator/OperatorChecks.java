package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/** Shared checks for structured operators: adjoints of theta -> matrix, finite differences, dense twins. */
final class OperatorChecks {
    static final SolverConfig TIGHT = SolverConfig.newton(100, 1e-14);

    private OperatorChecks() {
    }

    static RuleSettings settings(Loss loss, SolverConfig fwd) {
        return RuleSettings.of(loss, fwd).withAdjoint(TIGHT);
    }

    /**
     * The adjoint of the parameterization theta -> M_theta = map.dense() at the current parameters,
     * applied to an outputs x inputs matrix D: entry p of the result is <dM/dtheta_p, D>. The
     * derivative is a central difference, which is exact (up to rounding) for maps that are linear
     * in theta and for |.| away from its kink, i.e. for every map here.
     */
    static Params adjoint(LinearMap map, Matrix d) {
        Params out = new Params();
        Params live = map.parameters();
        for (String name : map.parameterNames()) {
            Matrix p = live.get(name);
            DMatrix g = new DMatrix(p.rows, p.cols);
            for (int i = 0; i < p.size(); i++) {
                double v = p.getFlat(i);
                double h = v == 0 ? 1e-3 : Math.min(1e-3, Math.abs(v) / 2);
                p.setFlat(i, v + h);
                DMatrix up = map.dense();
                p.setFlat(i, v - h);
                DMatrix down = map.dense();
                p.setFlat(i, v);
                double s = 0;
                for (int j = 0; j < up.data.length; j++) {
                    s += (up.data[j] - down.data[j]) / (2 * h) * d.getFlat(j);
                }
                g.data[i] = s;
            }
            out.put(name, g);
        }
        return out;
    }

    /** ||a - b|| / max(||a||, ||b||) over the names of a. */
    static double relErr(Params a, Params b) {
        for (String n : a.names()) {
            assertEquals(a.get(n).size(), b.get(n).size(), n);
        }
        return org.fprnn.TestNets.relErr(a, b);
    }

    static double meanLoss(FixedPointNetwork net, Batch batch, Loss loss) {
        Equilibrium eq = new EquilibriumSolver(TIGHT).solve(net, batch.x());
        assertEquals(batch.size(), eq.convergedCount(), "forward solve did not converge");
        Matrix yhat = eq.rates().like(batch.size(), net.outputs());
        net.readout(eq.rates(), yhat);
        return loss.evaluate(yhat, batch, null, null);
    }

    /** Central finite differences of the mean loss at the fixed point for every trained entry. */
    static Params finiteDifferences(FixedPointNetwork net, Batch batch, Loss loss, double step) {
        return org.fprnn.TestNets.centralDifferences(net.params(), net.trained(), () -> meanLoss(net, batch, loss), step);
    }

    /**
     * A dense network with the same effective W, U, b, R and c as {@code net} (W, U, R from the maps'
     * dense matrices), every parameter trained, same nonlinearity, dynamics and time constants.
     */
    static FixedPointNetwork denseTwin(FixedPointNetwork net) {
        FixedPointNetwork.Builder b = FixedPointNetwork.builder().inputs(net.inputs()).units(net.units())
                .outputs(net.outputs()).nonlinearity(net.nonlinearity()).dynamics(net.dynamics())
                .precision(net.precision()).recurrentWeights(net.recurrent().dense())
                .inputWeights(net.readIn().dense()).readoutWeights(net.readOut().dense())
                .readoutBias(net.hasReadoutBias()).trainInput(true).trainBias(net.hasBias()).trainReadout(true)
                .timeConstants(net.timeConstants());
        if (net.hasBias()) {
            b.biasWeights(net.params().get("b"));
        }
        FixedPointNetwork twin = b.build();
        if (net.hasReadoutBias()) {
            twin.params().get("c").copyFrom(net.params().get("c"));
        }
        return twin;
    }

    /** The twin's dense directions mapped back to the structured network's parameters. */
    static Params projectBack(FixedPointNetwork net, Params denseDirs) {
        Params out = new Params();
        adjoint(net.recurrent(), denseDirs.get("W")).asMap().forEach(out::put);
        adjoint(net.readIn(), denseDirs.get("U")).asMap().forEach(out::put);
        adjoint(net.readOut(), denseDirs.get("R")).asMap().forEach(out::put);
        for (String n : new String[] {"b", "c"}) {
            if (denseDirs.has(n)) {
                out.put(n, denseDirs.get(n));
            }
        }
        return out;
    }

    static DMatrix randn(int rows, int cols, Random rng) {
        return TestNets.randn(rows, cols, 1, rng);
    }

    /** A 0/1 mask with the given density. */
    static DMatrix mask(int n, double density, long seed) {
        Random rng = new Random(seed);
        DMatrix m = new DMatrix(n, n);
        for (int i = 0; i < m.data.length; i++) {
            m.data[i] = rng.nextDouble() < density ? 1 : 0;
        }
        return m;
    }

    /** A tanh network builder with read-in, bias, read-out and read-out bias all trained. */
    static FixedPointNetwork.Builder base(int nIn, int nOut, long seed) {
        return FixedPointNetwork.builder().inputs(nIn).outputs(nOut).nonlinearity(new Nonlinearity.Tanh())
                .seed(seed).trainInput(true).trainBias(true).trainReadout(true).readoutBias(true);
    }

    /** Gives the network's bias small random values (it starts at zero). */
    static FixedPointNetwork withRandomBias(FixedPointNetwork net, long seed) {
        Matrix b = net.params().get("b");
        Random rng = new Random(seed);
        for (int i = 0; i < b.size(); i++) {
            b.setFlat(i, 0.3 * rng.nextGaussian());
        }
        return net;
    }

    /** max |a - b| over all entries. */
    static double maxDiff(Matrix a, Matrix b) {
        Matrix d = a.toDouble().copy();
        Ops.sub(d, b.toDouble(), d);
        return Ops.maxAbs(d);
    }
}
