package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fprnn.TestNets;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.linalg.Precision;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.optim.Optimizer;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;

/**
 * The training loop's safety policy (GuardedUpdate): accepted steps are exactly the optimizer's step,
 * and a refused step, for each of its reasons, leaves every parameter (trained or not) and the
 * optimizer's state with the bits they had, also after earlier accepted steps have filled its buffers.
 */
class GuardedUpdateTest {
    private static final SolverConfig FWD = SolverConfig.anderson(5, 1.0, 100, 1e-6);
    private static final TrainSettings SETTINGS = new TrainSettings("linearized", 0.1, "sgd", 0.9, 0, 8, 1, FWD,
            RuleSettings.of(Loss.CROSS_ENTROPY, FWD), 0, false, 1, "warn", 1e34, 5);

    private static FixedPointNetwork net() {
        // W and R trained; U fixed (no direction for it)
        return FixedPointNetwork.builder().inputs(5).units(7).outputs(3).precision(Precision.FLOAT).seed(3)
                .trainInput(false).build();
    }

    private static Params directions(FixedPointNetwork net, long seed, double scale) {
        Params d = new Params();
        for (String name : net.trained()) {
            Matrix p = net.params().get(name);
            Matrix m = p.zerosLike();
            m.copyFrom(TestNets.randn(p.rows, p.cols, scale, new java.util.Random(seed + name.hashCode())));
            d.put(name, m);
        }
        return d;
    }

    private static long[][] bits(Params p) {
        return p.names().stream().map(n -> TestNets.bits(p.get(n))).toArray(long[][]::new);
    }

    @Test
    void acceptedStepsAreTheOptimizersAndRefusedOnesChangeNothing() {
        FixedPointNetwork guarded = net();
        FixedPointNetwork plain = net();
        assertTrue(!guarded.trained().contains("U") && guarded.trained().contains("W"), guarded.trained().toString());
        Optimizer a = new Sgd(0.1, 0.9, 0, false);
        Optimizer b = new Sgd(0.1, 0.9, 0, false);
        GuardedUpdate update = new GuardedUpdate(SETTINGS);
        for (int step = 0; step < 3; step++) {
            Params d = directions(guarded, step, 0.5);
            assertNull(update.apply(guarded, a, 1.0, d), "step " + step);
            b.step(plain.params(), directions(plain, step, 0.5));
            plain.constrain();
            assertArrayEquals(bits(plain.params()), bits(guarded.params()), "step " + step);
            assertArrayEquals(bits(b.state()), bits(a.state()), "optimizer state, step " + step);
        }

        long[][] weights = bits(guarded.params());
        long[][] state = bits(a.state());
        // non-finite direction values
        Params nan = directions(guarded, 7, 0.5);
        nan.get("W").setFlat(4, Float.NaN);
        String why = update.apply(guarded, a, 1.0, nan);
        assertTrue(why != null && why.contains("non-finite values"), why);
        // a norm above train.max_direction_norm
        why = update.apply(guarded, a, 1.0, directions(guarded, 8, 1e36));
        assertTrue(why != null && why.contains("max_direction_norm"), why);
        // a non-finite training loss
        why = update.apply(guarded, a, Double.POSITIVE_INFINITY, directions(guarded, 9, 0.5));
        assertTrue(why != null && why.contains("training loss"), why);
        // a finite direction, below the norm limit, whose step overflows float in one weight
        guarded.params().get("W").setFlat(3, -Float.MAX_VALUE);
        weights = bits(guarded.params());
        Params over = directions(guarded, 10, 0);
        over.get("W").setFlat(3, 1e33); // -MAX - 0.1 (0.9 v + 1e33) rounds to -infinity
        why = update.apply(guarded, a, 1.0, over);
        assertEquals("the update would make weights non-finite", why);
        assertArrayEquals(weights, bits(guarded.params()), "a refused step changes no parameter");
        assertArrayEquals(state, bits(a.state()), "a refused step leaves the optimizer's state");
    }
}
