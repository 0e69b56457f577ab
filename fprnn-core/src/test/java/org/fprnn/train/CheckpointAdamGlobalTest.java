package org.fprnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fprnn.io.FormatException;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Params;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of Adam with a global second moment holds it as one number, which a resumed run reads
 * back; an altered one (negative) is refused as a damaged file.
 */
class CheckpointAdamGlobalTest {
    @TempDir
    Path dir;

    /** A checkpoint after one step of Adam (global second moment) whose state holds v_global = v. */
    private Path write(String name, FixedPointNetwork net, double v) throws IOException {
        Params state = new Params();
        DMatrix vm = new DMatrix(1, 1);
        vm.data[0] = v;
        state.put(Adam.GLOBAL_V, vm);
        DMatrix t = new DMatrix(1, 1);
        t.data[0] = 1;
        state.put("step", t);
        Adam adam = new Adam(0.01, 0.9, 0.999, 1e-8, 0, true);
        adam.restore(state);
        Path file = dir.resolve(name);
        String line = MetricsLines.step("linearized", 0.01, new StepRecord(0, 0, 1.0, 0.5, Double.NaN, Double.NaN, 3, 3,
                0, 0.1));
        TrainingCheckpoint.write(file, "linearized", 0.01, 1, "{}", net, adam, null, 1, 0.1, List.of(line), Map.of());
        return file;
    }

    @Test
    void theGlobalSecondMomentIsSavedAndAnAlteredOneIsRefused() throws IOException {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(4).outputs(2).seed(1).trainReadout(true)
                .build();
        TrainingCheckpoint good = TrainingCheckpoint.read(write("good.safetensors", net, 0.25));
        good.checkShapes(net);
        Adam resumed = new Adam(0.01, 0.9, 0.999, 1e-8, 0, true);
        good.restore(net, resumed, null);
        assertEquals(0.25, resumed.state().get(Adam.GLOBAL_V).getFlat(0), 0.0);

        TrainingCheckpoint bad = TrainingCheckpoint.read(write("bad.safetensors", net, -1));
        FormatException e = assertThrows(FormatException.class, () -> bad.checkShapes(net));
        assertTrue(e.getMessage().contains("global second moment"), e.getMessage());
    }

    /** read() refuses non-finite values as damage, so write() refuses to save them (it used to write them). */
    @Test
    void nonFiniteWeightsAreNotWrittenAndTheFileIsLeftAsItWas() throws IOException {
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(3).units(4).outputs(2).seed(1).trainReadout(true)
                .build();
        Path file = write("kept.safetensors", net, 0.25);
        byte[] before = java.nio.file.Files.readAllBytes(file);
        net.params().get("R").setFlat(3, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> write("kept.safetensors", net, 0.25));
        assertTrue(e.getMessage().contains("parameter R holds non-finite values"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, java.nio.file.Files.readAllBytes(file));
        net.params().get("R").setFlat(3, 0.5);
        e = assertThrows(IllegalArgumentException.class,
                () -> write("kept.safetensors", net, Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().contains("optimizer state v_global holds non-finite values"), e.getMessage());
    }
}
