package org.fprnn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A network's weights as NPY files, the option block that fprnn rule (a mixin) and fprnn simulate
 * (one side of an exclusive group with --weights) share: --W and --U required together, --b optional.
 * Each command adds its own --R: required by fprnn rule, optional in fprnn simulate.
 */
class WeightFiles {
    @Option(names = "--W", required = true, paramLabel = "W.npy", description = "recurrent weights (N, N)")
    Path w;

    @Option(names = "--U", required = true, paramLabel = "U.npy", description = "read-in (N, n_in)")
    Path u;

    @Option(names = "--b", paramLabel = "b.npy", description = "bias (N,); zero if absent")
    Path b;
}
