package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MATH section 6 fact 6 for every structured operator (masked, Dale in both forms, convolution,
 * blocks of dense and convolutional layers with feedforward and feedback blocks, a convolutional
 * read-in and a pooled read-out): build the dense matrices, run the dense rule, project back with the
 * adjoint of theta -> matrix, and compare with the operator-level computation.
 */
class OperatorFactsTest {

    static Stream<Arguments> nets() {
        return StructuredNets.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    /** Every map of the network against its dense matrix: apply, applyTranspose (with alpha, beta), project. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void operationsEqualTheDenseMatrix(String name, Supplier<FixedPointNetwork> make) {
        FixedPointNetwork net = make.get();
        Random rng = new Random(5);
        for (LinearMap map : List.of(net.recurrent(), net.readIn(), net.readOut())) {
            DMatrix m = map.dense();
            int b = 5;
            DMatrix x = TestNets.randn(b, map.inputs(), 1, rng);
            DMatrix a = TestNets.randn(b, map.outputs(), 1, rng);
            // apply: out = 0.7 x M^T + 0.3 out
            DMatrix out = TestNets.randn(b, map.outputs(), 1, rng);
            DMatrix expected = out.copy();
            Ops.gemm(false, true, 0.7, x, m, 0.3, expected);
            map.apply(x, out, 0.7, 0.3);
            assertTrue(TestNets.relErr(out, expected) < 1e-14, name + " apply " + TestNets.relErr(out, expected));
            // beta = 0 overwrites, also over NaN
            out.fill(Double.NaN);
            map.apply(x, out, 1, 0);
            Ops.gemm(false, true, 1, x, m, 0, expected);
            assertTrue(TestNets.relErr(out, expected) < 1e-14, name + " apply over NaN");
            // applyTranspose: out = -1.3 a M + 0.5 out
            DMatrix outT = TestNets.randn(b, map.inputs(), 1, rng);
            DMatrix expectedT = outT.copy();
            Ops.gemm(false, false, -1.3, a, m, 0.5, expectedT);
            map.applyTranspose(a, outT, -1.3, 0.5);
            assertTrue(TestNets.relErr(outT, expectedT) < 1e-14, name + " applyTranspose");
            // project = adjoint of theta -> M applied to scale a^T b, overwrite then accumulate
            DMatrix outer = new DMatrix(map.outputs(), map.inputs());
            Ops.gemm(true, false, 1.0 / b, a, x, 0, outer);
            Params want = OperatorChecks.adjoint(map, outer);
            Params got = map.parameters().copy();
            got.zero();
            got.asMap().values().forEach(p -> p.fill(Double.NaN));
            map.project(a, x, 1.0 / b, got, false);
            assertTrue(OperatorChecks.relErr(got, want) < 1e-9, name + " project " + OperatorChecks.relErr(got, want));
            map.project(a, x, 1.0 / b, got, true);
            for (Matrix p : want.asMap().values()) {
                Ops.scale(2, p);
            }
            assertTrue(OperatorChecks.relErr(got, want) < 1e-9, name + " project, accumulated");
        }
    }

    /**
     * Fact 6 for the rules: each rule on the structured network equals the same rule on the dense
     * twin (same effective W, U, b, R, c), projected back through the adjoint of theta -> matrix.
     * Read-in, bias, read-out and read-out bias are trained, so every path of the rules is checked.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void rulesEqualTheDenseRuleProjectedBack(String name, Supplier<FixedPointNetwork> make) {
        FixedPointNetwork net = make.get();
        FixedPointNetwork twin = OperatorChecks.denseTwin(net);
        Batch batch = TestNets.labelled(5, net.inputs(), net.outputs(), 1.0, 42);
        for (String rule : new String[] {"gradient", "linearized", "linearized_alt", "bptt"}) {
            SolverConfig fwd = rule.equals("bptt") ? SolverConfig.euler(0.5, 40, 0) : OperatorChecks.TIGHT;
            Equilibrium eq = new EquilibriumSolver(fwd).solve(net, batch.x()).copy();
            Equilibrium eqTwin = new EquilibriumSolver(fwd).solve(twin, batch.x()).copy();
            assertTrue(OperatorChecks.maxDiff(eq.rates(), eqTwin.rates()) < 1e-13, name + ": fixed points differ");
            RuleResult res = Rules.create(rule, OperatorChecks.settings(Loss.CROSS_ENTROPY, fwd)).compute(net, batch, eq);
            Params dirs = res.directions().copy();
            assertEquals(net.trained(), dirs.names(), name + " " + rule + ": direction names");
            Params dense = Rules.create(rule, OperatorChecks.settings(Loss.CROSS_ENTROPY, fwd))
                    .compute(twin, batch, eqTwin).directions().copy();
            Params back = OperatorChecks.projectBack(net, dense);
            double err = OperatorChecks.relErr(dirs, back);
            assertTrue(err < 1e-9, name + " " + rule + ": relative error " + err);
            assertTrue(dirs.norm() > 0, name + " " + rule + ": zero direction");
        }
    }

    /** toDouble is an independent double copy with the same matrix, for every map. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("nets")
    void toDoubleIsAnIndependentDoubleCopy(String name, Supplier<FixedPointNetwork> make) {
        FixedPointNetwork net = make.get();
        for (LinearMap map : List.of(net.recurrent(), net.readIn(), net.readOut())) {
            LinearMap copy = map.toDouble();
            DMatrix before = map.dense();
            assertEquals(0, OperatorChecks.maxDiff(copy.dense(), before), name);
            assertEquals(map.parameterNames(), copy.parameterNames());
            for (Matrix p : copy.parameters().asMap().values()) {
                assertTrue(p instanceof DMatrix);
                p.fill(0.125);
            }
            assertEquals(0, OperatorChecks.maxDiff(map.dense(), before), name + ": the copy shares parameters");
        }
    }
}
