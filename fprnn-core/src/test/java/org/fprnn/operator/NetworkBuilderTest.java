package org.fprnn.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.fprnn.TestNets;
import org.fprnn.linalg.DMatrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rules;
import org.fprnn.solve.EquilibriumSolver;
import org.junit.jupiter.api.Test;

/** How the network builder registers operators, read-ins and read-outs. */
class NetworkBuilderTest {

    @Test
    void defaultNetworkIsUnchanged() {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(5).outputs(2).seed(4)
                .trainInput(true).trainBias(true).trainReadout(true).readoutBias(true).build();
        assertEquals(List.of("W", "U", "b", "R", "c"), List.copyOf(net.params().names()));
        assertEquals(List.of("W", "U", "b", "R", "c"), List.copyOf(net.trained()));
        assertTrue(net.recurrent() instanceof DenseOperator);
        assertTrue(net.readIn() instanceof DenseMap);
        assertTrue(net.readOut() instanceof DenseMap);
        assertEquals(null, net.timeConstants());
        // The same draws as before the maps existed: W, then U, then R from one generator.
        Random rng = new Random(4);
        assertEquals(0.5 * rng.nextGaussian() / Math.sqrt(5), net.params().get("W").getFlat(0), 0);
    }

    /** A layered network: U feeds layer 1 only, R reads layer L only, parameters by block name. */
    @Test
    void blockNetworkReadsInToTheFirstLayerAndOutFromTheLast() {
        FixedPointNetwork net = StructuredNets.twoLayer(3);
        assertEquals(9, net.units());
        assertEquals(List.of(5, 3), List.of(net.params().get("U").rows, net.params().get("U").cols));
        assertEquals(List.of(2, 4), List.of(net.params().get("R").rows, net.params().get("R").cols));
        DMatrix u = net.readIn().dense();
        DMatrix r = net.readOut().dense();
        for (int j = 0; j < 3; j++) {
            for (int i = 5; i < 9; i++) {
                assertEquals(0, u.get(i, j));
            }
        }
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 5; i++) {
                assertEquals(0, r.get(o, i));
            }
        }
        BlockOperator block = (BlockOperator) net.recurrent();
        assertEquals(new UnitRange(5, 9), block.layerUnits(2));
        assertEquals(List.of("W1", "W2", "F2", "B1"), block.parameterNames());
    }

    /** Fixed parameters get no direction and do not move; the rest train as usual. */
    @Test
    void fixedBlocksAreNotTrained() {
        FixedPointNetwork net = OperatorChecks.base(3, 2, 5).recurrent(BlockOperator.dense(new int[] {4, 3}, 0.6, 0.5, 0.3))
                .fixed("B1", "W2").build();
        assertEquals(List.of("W1", "F2", "U", "b", "R", "c"), List.copyOf(net.trained()));
        Batch batch = TestNets.labelled(4, 3, 2, 1.0, 6);
        var eq = new EquilibriumSolver(OperatorChecks.TIGHT).solve(net, batch.x());
        for (String rule : new String[] {"gradient", "linearized", "linearized_alt"}) {
            Params before = net.params().copy();
            Params d = Rules.create(rule, OperatorChecks.settings(Loss.CROSS_ENTROPY, OperatorChecks.TIGHT))
                    .compute(net, batch, eq).directions();
            assertEquals(net.trained(), d.names());
            Sgd.plain(0.1).step(net.params(), d);
            assertEquals(0, OperatorChecks.maxDiff(before.get("B1"), net.params().get("B1")));
            net.params().copyFrom(before);
        }
        assertThrows(IllegalArgumentException.class, () -> OperatorChecks.base(3, 2, 5).units(4).fixed("X").build());
    }

    /** An operator built outside the network is registered with its live parameters. */
    @Test
    void prebuiltOperatorSharesItsParameters() {
        DMatrix raw = TestNets.randn(6, 6, 0.3, new Random(1));
        MaskedOperator op = new MaskedOperator("M", raw, OperatorChecks.mask(6, 0.5, 2));
        FixedPointNetwork net = OperatorChecks.base(3, 2, 7).recurrent(op).build();
        assertSame(raw, net.params().get("M"));
        assertSame(op, net.recurrent());
        assertEquals(List.of("M", "U", "b", "R", "c"), List.copyOf(net.trained()));
        assertThrows(IllegalArgumentException.class, () -> OperatorChecks.base(3, 2, 7).units(5).recurrent(op).build());
        assertThrows(IllegalArgumentException.class, () -> OperatorChecks.base(3, 2, 7).recurrent(
                new MaskedOperator("U", raw, OperatorChecks.mask(6, 0.5, 2))).build());
    }

    /** The masked operator's effective matrix follows W_raw after an update, off-mask entries have no effect. */
    @Test
    void maskedOperatorUsesTheCurrentRawMatrix() {
        DMatrix mask = OperatorChecks.mask(5, 0.5, 3);
        DMatrix raw = TestNets.randn(5, 5, 1, new Random(4));
        MaskedOperator op = new MaskedOperator("W", raw, mask);
        for (int i = 0; i < 25; i++) {
            raw.data[i] += 1;
        }
        DMatrix w = op.dense();
        DMatrix x = TestNets.randn(3, 5, 1, new Random(5));
        DMatrix out = new DMatrix(3, 5);
        op.apply(x, out, 1, 0);
        DMatrix want = new DMatrix(3, 5);
        org.fprnn.linalg.Ops.gemm(false, true, 1, x, w, 0, want);
        assertEquals(0, OperatorChecks.maxDiff(out, want), 1e-15);
        for (int i = 0; i < 25; i++) {
            assertEquals(mask.data[i] == 0 ? 0 : raw.data[i], w.data[i]);
        }
    }

    /**
     * A network's operators hold its parameter matrices: putting another matrix into params() changed
     * nothing they compute (U and R) and is refused; changing the values in place reaches them.
     */
    @Test
    void parametersAreChangedInPlaceNotReplaced() {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(5).outputs(2).seed(4).build();
        for (String name : List.of("W", "U", "R")) {
            DMatrix zeros = new DMatrix(net.params().get(name).rows, net.params().get(name).cols);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.params().put(name, zeros));
            assertTrue(e.getMessage().contains("params().get(\"" + name + "\").copyFrom(m)"), e.getMessage());
        }
        DMatrix x = new DMatrix(1, 3);
        x.set(0, 0, 1);
        DMatrix yhat = new DMatrix(1, 2);
        net.readout(new EquilibriumSolver(OperatorChecks.TIGHT).solve(net, x).rates(), yhat);
        assertTrue(yhat.get(0, 0) != 0);
        net.params().get("R").copyFrom(new DMatrix(2, 5));
        net.readout(new EquilibriumSolver(OperatorChecks.TIGHT).solve(net, x).rates(), yhat);
        assertEquals(0, yhat.get(0, 0));
        assertEquals(0, yhat.get(0, 1));
    }
}
