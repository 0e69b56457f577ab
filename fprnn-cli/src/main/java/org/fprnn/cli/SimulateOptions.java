package org.fprnn.cli;

import java.nio.file.Path;
import java.util.List;
import org.fprnn.model.Dynamics;
import org.fprnn.solve.Solvers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of fprnn simulate (a picocli mixin), in the order its help lists them: the network,
 * time, input, sweep and fixed-point solver. Exclusive choices are argument groups: the network as
 * --weights or as NPY files, the endpoints of a built-in stimulus, and --ts or --ts-relax (shown as
 * such in the help; {@link SimulateCommand} checks them, with messages that say what to give).
 */
final class SimulateOptions {

    // ------------------------------------------------------------------ network

    @ArgGroup(exclusive = true, multiplicity = "1", validate = false, heading = "%nThe network, one of:%n")
    NetworkSource network;

    /** The network: a safetensors file, or NPY files. */
    static final class NetworkSource {
        @Option(names = "--weights", required = true, paramLabel = "NET.safetensors",
                description = "instead of --W/--U/--R/--b: a safetensors file with tensors W, U and optionally R, b;"
                        + " with --config, a weights file of fprnn run (RESULTS/weights/ID.safetensors)")
        Path weights;

        @ArgGroup(exclusive = false, multiplicity = "1")
        Files files;
    }

    /** --W, --U, --b and the optional --R (it gives readout.npy). */
    static final class Files extends WeightFiles {
        @Option(names = "--R", paramLabel = "R.npy", description = "read-out (n_out, N)")
        Path r;
    }

    @Option(names = "--config", paramLabel = "CONFIG.toml",
            description = "with --weights: build the [network] of this fprnn run config (any type: dense, masked,"
                    + " Dale, conv, layered; sized by its [data] set) and load the trained weights into it. Its"
                    + " nonlinearity, dynamics and precision are the config's")
    Path config;

    @Mixin
    NonlinearityOptions nonlinearity;

    @Option(names = "--dynamics", defaultValue = "rate", paramLabel = "D", completionCandidates = Dynamics.Known.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; with --config the config's)")
    String dynamics;

    @Option(names = "--precision", defaultValue = "double", paramLabel = "P",
            description = "float or double (default ${DEFAULT-VALUE}; with --config the config's)")
    String precision;

    // ------------------------------------------------------------------ time

    @Option(names = "--tau", defaultValue = "1", paramLabel = "TAU", description = "time constant, 1e-100 to 1e100 (default ${DEFAULT-VALUE})")
    double tau;

    @Option(names = "--tau-units", paramLabel = "tau.npy", description = "per-unit time constants (N,), each 1e-100 to 1e100, instead of --tau")
    Path tauUnits;

    @Option(names = "--dt", paramLabel = "DT",
            description = "time step (default tau/20, the smallest tau with --tau-units; 1 for discrete dynamics): dt/tau from"
                    + " the precision's rounding (float 1.2e-7, double 2.2e-16) to 1; discrete: 1e-100 to 1e100")
    Double dt;

    @Option(names = "--noise", defaultValue = "0", paramLabel = "SIGMA", description = "noise sigma, 0 to 1e6 (default 0: none)")
    double noise;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "noise seed (default ${DEFAULT-VALUE})")
    long seed;

    // ------------------------------------------------------------------ input

    @Option(names = "--input", paramLabel = "X.npy", description = "input over time, (T, n_in) or (T, B, n_in)")
    Path input;

    @Option(names = "--frame-steps", defaultValue = "1", paramLabel = "S",
            description = "steps each row of --input is held (default ${DEFAULT-VALUE})")
    int frameSteps;

    @Option(names = "--steps", paramLabel = "K", description = "steps to run with --input (default T * frame-steps)")
    Integer steps;

    @Option(names = "--record-every", paramLabel = "K",
            description = "with --input: record every K steps (default: about 1000 records)")
    Integer recordEvery;

    @Option(names = "--init", defaultValue = "rest", paramLabel = "START",
            description = "with --input: rest (r = 0, v = 0) or fixed-point (of the first frame); default ${DEFAULT-VALUE}")
    String init;

    @Option(names = "--stimulus", split = ",", paramLabel = "KIND",
            description = "switch, morph or periodic; with --sweep a comma-separated list (default: all three)")
    List<String> stimulus;

    @ArgGroup(exclusive = true, validate = false, heading = "%nThe two inputs of a built-in stimulus, one of:%n")
    StimulusInputs stimulusInputs;

    /** The two inputs xa, xb of a built-in stimulus: one of three sources. */
    static final class StimulusInputs {
        @Option(names = "--endpoints", required = true, paramLabel = "X2.npy", description = "the two inputs xa, xb as rows of a (2, n_in) array")
        Path endpoints;

        @Option(names = "--digits", required = true, split = ",", paramLabel = "A,B",
                description = "xa, xb: the first test image of label A and of label B (e.g. 3,8): MNIST's, or with"
                        + " --config the config's data set's")
        List<Integer> digits;

        @Option(names = "--images", required = true, split = ",", paramLabel = "I,J", description = "xa, xb: test images number I and J: MNIST's, or with --config the config's data set's")
        List<Integer> images;
    }

    @Option(names = "--data", paramLabel = "DIR",
            description = "folder holding the MNIST IDX files (default: FPRNN_MNIST_DIR, $FPRNN_DATA/mnist, ./data/mnist,"
                    + " $FPRNN_HOME/data/mnist);"
                    + " with --config, the folder of the config's data set (in place of its data_dir)")
    Path data;

    @ArgGroup(exclusive = true, validate = false, heading = "%nT_s of a built-in stimulus, one of:%n")
    TimeScale timeScale;

    /** T_s of the built-in stimulus, in time units or in multiples of tau_relax. */
    static final class TimeScale {
        @Option(names = "--ts", required = true, paramLabel = "T", description = "time scale T_s of the built-in stimulus, in time units")
        Double ts;

        @Option(names = "--ts-relax", required = true, paramLabel = "R", description = "T_s as a multiple of tau_relax (default 10)")
        Double tsRelax;
    }

    @Option(names = "--periods", defaultValue = "3", paramLabel = "P",
            description = "periods of the periodic morph, at least; 2 to 1000000 (default ${DEFAULT-VALUE})")
    int periods;

    @Option(names = "--records", defaultValue = "400", paramLabel = "K",
            description = "built-in stimuli: at least K records in the measured window, or every step of a window"
                    + " of fewer steps (default ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--compare", defaultValue = "1,10,100", paramLabel = "R1,R2,...",
            description = "built-in run: also run these T_s / tau_relax for the figure (default ${DEFAULT-VALUE}; 'none')")
    String compare;

    // ------------------------------------------------------------------ sweep

    @Option(names = "--sweep", description = "run the T_s sweep (built-in stimuli) instead of one simulation")
    boolean sweep;

    @Option(names = "--ratio-min", defaultValue = "0.3", paramLabel = "R", description = "smallest T_s / tau_relax (default ${DEFAULT-VALUE})")
    double ratioMin;

    @Option(names = "--ratio-max", defaultValue = "300", paramLabel = "R", description = "largest T_s / tau_relax (default ${DEFAULT-VALUE})")
    double ratioMax;

    @Option(names = "--ratio-count", defaultValue = "13", paramLabel = "K", description = "number of T_s values, at most 1000 (default ${DEFAULT-VALUE})")
    int ratioCount;

    // ------------------------------------------------------------------ fixed points

    @Option(names = "--solver", defaultValue = "anderson", paramLabel = "S", completionCandidates = Solvers.Iterative.class,
            description = "fixed-point solver: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; anderson mixes by 0.5,"
                    + " euler steps by alpha 0.5)")
    String solver;

    @Option(names = "--tol", paramLabel = "T", description = "solver tolerance on max|r - f(W r + h)|, from the precision's rounding (float"
                    + " 1.2e-7, double 2.2e-16) to below 1 (default 1e-10; float 1e-5)")
    Double tol;

    @Option(names = "--max-iter", defaultValue = "5000", paramLabel = "K", description = "solver iteration limit (default ${DEFAULT-VALUE})")
    int maxIter;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (created if missing)")
    Path out;

    /** The safetensors file of --weights, or null when the network is given as NPY files. */
    Path weights() {
        return network.weights;
    }

    /** The NPY files of --W, --U, --R, --b, or null with --weights. */
    Files files() {
        return network.files;
    }

    Path endpoints() {
        return stimulusInputs == null ? null : stimulusInputs.endpoints;
    }

    List<Integer> digits() {
        return stimulusInputs == null ? null : stimulusInputs.digits;
    }

    List<Integer> images() {
        return stimulusInputs == null ? null : stimulusInputs.images;
    }

    Double ts() {
        return timeScale == null ? null : timeScale.ts;
    }

    Double tsRelax() {
        return timeScale == null ? null : timeScale.tsRelax;
    }
}
