package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;

/** Small inputs for fprnn rule (N = 6, n_in = 4, n_out = 3, B = 5) and the arguments that use them. */
final class RuleInputs {
    private RuleInputs() {
    }

    static void write(Path in) throws IOException {
        Random rng = new Random(7);
        Npy.write(in.resolve("W.npy"), RuleCommandTest.randn(6, 6, 0.3 / Math.sqrt(6), rng));
        Npy.write(in.resolve("U.npy"), RuleCommandTest.randn(6, 4, 1, rng));
        Npy.write(in.resolve("R.npy"), RuleCommandTest.randn(3, 6, 1, rng));
        Npy.write(in.resolve("X.npy"), RuleCommandTest.randn(5, 4, 1, rng));
        Npy.write(in.resolve("y.npy"), NdArray.vector(new long[] {0, 1, 2, 0, 1}));
    }

    static List<String> args(Path in, Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("rule", "--rule", "gradient", "--W", in.resolve("W.npy").toString(),
                "--U", in.resolve("U.npy").toString(), "--R", in.resolve("R.npy").toString(),
                "--x", in.resolve("X.npy").toString(), "--y", in.resolve("y.npy").toString(), "--loss", "cross_entropy",
                "--nonlinearity", "tanh", "--dynamics", "rate", "--solver", "anderson", "--tol", "1e-10",
                "--max-iter", "200", "--precision", "double", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a;
    }
}
