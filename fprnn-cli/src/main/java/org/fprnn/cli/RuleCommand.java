package org.fprnn.cli;

import static org.fprnn.cli.InputFiles.conv;
import static org.fprnn.cli.InputFiles.finite;
import static org.fprnn.cli.InputFiles.matrix;
import static org.fprnn.cli.InputFiles.parse;
import static org.fprnn.cli.InputFiles.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fprnn.cli.report.FolderLock;
import org.fprnn.io.Json;
import org.fprnn.io.NdArray;
import org.fprnn.io.Npy;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.solve.Solvers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * fprnn rule: one rule's direction (MATH section 0) for weights and data given as NPY files, as
 * ARCHITECTURE.md specifies. Every input is checked before any work; bad input exits with code 2.
 */
@Command(name = "rule", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        header = "Compute one learning rule's direction for given weights and data, as NPY",
        sortOptions = false,
        description = {"Compute one learning rule's direction for the given weights and data and write it as NPY.",
            "", "Model: z = W r + U x + b, r = f(z) at the fixed point, logits = R r. The direction D has the sign",
            "of a gradient: an SGD step is P <- P - lr * D; for --rule gradient it is exactly d(mean loss)/dP.",
            "", "Writes into --out: direction_W.npy (and direction_U.npy, direction_b.npy, direction_R.npy for",
            "trained parameters), rates.npy (B, N), and summary.json with loss, samples, converged,",
            "iterations (max over samples) and max_residual. Samples that do not converge are reported",
            "on stderr and in summary.json; the outputs are still written and the exit code is 0.",
            "Bad input, and --adjoint-tol with a rule other than gradient, exit with code 2 before any",
            "work. --gain with a nonlinearity other than linear, --dt with a solver other than euler or",
            "picard and --lr with a rule other than reparam are ignored with a warning on stderr (the",
            "cross-check contract passes them to every call).",
            "--out must be empty or new, unless --overwrite. A sample whose best residual has not fallen",
            "by 0.1%% in " + SolverConfig.STALL_ITERATIONS + " iterations stops there and counts as not converged."})
public final class RuleCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--rule", required = true, paramLabel = "NAME", completionCandidates = Rules.Known.class,
            description = "${COMPLETION-CANDIDATES} (reparam: linear networks; needs --lr)")
    String rule;

    @Mixin
    WeightFiles files;

    @Option(names = "--R", required = true, paramLabel = "R.npy", description = "read-out (n_out, N)")
    Path r;

    @Option(names = "--x", required = true, paramLabel = "X.npy", description = "inputs (B, n_in)")
    Path x;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Targets targets;

    static final class Targets {
        @Option(names = "--y", required = true, paramLabel = "y.npy",
                description = "integer labels (B,), int32 or int64, for cross_entropy")
        Path y;

        @Option(names = "--target", required = true, paramLabel = "T.npy", description = "targets (B, n_out) for mse")
        Path t;
    }

    @Option(names = "--loss", required = true, paramLabel = "LOSS", description = "cross_entropy or mse")
    String loss;

    @Mixin
    NonlinearityOptions nonlinearity;

    @Option(names = "--dynamics", required = true, paramLabel = "D", completionCandidates = Dynamics.Known.class,
            description = "${COMPLETION-CANDIDATES}")
    String dynamics;

    @Option(names = "--solver", required = true, paramLabel = "S", completionCandidates = Solvers.Iterative.class,
            description = "${COMPLETION-CANDIDATES}")
    String solver;

    @Option(names = "--tol", required = true, paramLabel = "T",
            description = "tolerance on max|r - f(W r + h)| per sample; for euler 0 runs exactly --max-iter steps")
    double tol;

    @Option(names = "--max-iter", required = true, paramLabel = "K", description = "iteration limit (euler: number of steps)")
    int maxIter;

    @Option(names = "--dt", paramLabel = "ALPHA",
            description = "alpha = dt/tau for euler (default 0.1) and the damping of picard (default 1)")
    Double dt;

    @Option(names = "--train-input", description = "also compute the direction for U")
    boolean trainInput;

    @Option(names = "--train-bias", description = "also compute the direction for b")
    boolean trainBias;

    @Option(names = "--train-readout", description = "also compute the direction for R")
    boolean trainReadout;

    @Option(names = "--lr", paramLabel = "LR", description = "learning rate of the reparam rule (its direction is (W - W')/lr)")
    Double lr;

    @Option(names = "--gains", defaultValue = "derivative", paramLabel = "MODE",
            description = "gains G: derivative (f'(W r + h), default) or from_rates (1 - r^2, tanh only)")
    String gains;

    @Option(names = "--adjoint-tol", defaultValue = "1e-10", paramLabel = "T",
            description = "relative residual of the gradient rule's adjoint solve (default ${DEFAULT-VALUE})")
    double adjointTol;

    @Option(names = "--precision", required = true, paramLabel = "P", description = "float or double")
    String precision;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "output folder (created if missing); one that holds files is refused unless --overwrite")
    Path out;

    @Option(names = "--overwrite", description = "replace the outputs of an earlier call in --out, and remove those"
            + " this call does not write (stale direction_*.npy); files fprnn rule does not write are never removed")
    boolean overwrite;

    /** The names of the files fprnn rule writes, and of the temporary files of a call killed while writing them. */
    static boolean ownFile(String name) {
        if (name.startsWith(".") && name.endsWith(".tmp")) {
            int end = name.lastIndexOf('.', name.length() - 5); // ".NAME.RANDOM.tmp", as AtomicFiles names them
            return end > 1 && ownFile(name.substring(1, end));
        }
        return name.equals("summary.json") || name.equals("rates.npy")
                || (name.startsWith("direction_") && name.endsWith(".npy"));
    }

    /** The lock of --out while this call writes there (two calls into one folder would mix their files). */
    private FolderLock lock;

    @Override
    public Integer call() throws IOException {
        try {
            return computeAndWrite();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private int computeAndWrite() throws IOException {
        // Everything below up to the solve only checks input; nothing is computed before it passes.
        Precision p = parse(() -> Precision.parse(precision));
        Loss lossFn = parse(() -> Loss.parse(loss));
        Nonlinearity f = nonlinearity.parse();
        Dynamics dyn = parse(() -> Dynamics.parse(dynamics));
        if (!Rules.NAMES.contains(rule)) {
            throw new UserError(Rules.NAMES.unknown("rule", rule));
        }
        if (!Solvers.ITERATIVE.contains(solver)) {
            throw new UserError(Solvers.ITERATIVE.unknown("solver", solver));
        }
        if (!(tol >= 0) || Double.isInfinite(tol)) {
            throw new UserError("--tol must be a finite number >= 0, got " + tol);
        }
        if (maxIter < 1) {
            throw new UserError("--max-iter must be >= 1, got " + maxIter);
        }
        // --gain, --dt and --lr belong to the cross-check contract (ARCHITECTURE.md): warned, not refused.
        OptionCheck.of(spec)
                .ignoredIf(f instanceof Nonlinearity.Linear, "--gain", nonlinearity.gainDoesNotApply())
                .ignoredIf(SolverConfig.usesAlpha(solver), "--dt", "--solver " + solver
                        + ": it is euler's alpha = dt/tau and picard's damping")
                .ignoredIf(rule.equals("reparam"), "--lr", "--rule " + rule + ": it is the learning rate of the reparam rule")
                .onlyIf(rule.equals("gradient"), "--adjoint-tol", "--rule " + rule
                        + ": it is the tolerance of the gradient rule's adjoint solve");
        if (!(adjointTol > 0) || Double.isInfinite(adjointTol)) {   // as rule.adjoint_tol of fprnn run
            throw new UserError("--adjoint-tol must be a finite number > 0, got " + adjointTol);
        }
        // An ignored --dt (warned above) is not checked either: the contract passes one to every call.
        double alpha = dt != null && SolverConfig.usesAlpha(solver) ? dt : solver.equals("euler") ? 0.1 : 1.0;
        if (!(alpha > 0 && alpha <= 1)) {
            throw new UserError("--dt must be in (0, 1], got " + alpha);
        }
        if (rule.equals("reparam")) {
            if (lr == null || !(lr > 0) || Double.isInfinite(lr)) {
                throw new UserError("--rule reparam needs --lr with a positive learning rate");
            }
            if (!(f instanceof Nonlinearity.Linear)) {
                throw new UserError("--rule reparam is defined for linear networks only: use --nonlinearity linear");
            }
            if (trainInput || trainBias) {
                throw new UserError("--rule reparam trains W (and the read-out) only: drop --train-input and --train-bias");
            }
        }
        if (rule.equals("bptt") && !solver.equals("euler") && dyn != Dynamics.DISCRETE) {
            throw new UserError("--rule bptt unrolls the euler solver (rate or current dynamics) or the discrete"
                    + " dynamics; use --solver euler or --dynamics discrete");
        }
        GainMode gm = parse(() -> GainMode.parse(gains));
        if (gm == GainMode.FROM_RATES && !(f instanceof Nonlinearity.Tanh)) {
            throw new UserError("--gains from_rates (1 - r^2) needs --nonlinearity tanh");
        }

        Path w = files.w;
        Path u = files.u;
        Path b = files.b;
        Matrix wm = matrix(w, p, "W");
        int n = wm.rows;
        if (wm.cols != n) {
            throw new UserError(w + ": W must be square (N, N), found (" + wm.rows + ", " + wm.cols + ")");
        }
        Matrix um = matrix(u, p, "U");
        if (um.rows != n) {
            throw new UserError(u + ": U must have shape (N, n_in) with N = " + n + " (from " + w + "), found " + um.shape());
        }
        int nIn = um.cols;
        Matrix rm = matrix(r, p, "R");
        if (rm.cols != n) {
            throw new UserError(r + ": R must have shape (n_out, N) with N = " + n + ", found " + rm.shape());
        }
        int nOut = rm.rows;
        Matrix bm = null;
        if (b != null) {
            NdArray a = read(b);
            if (a.ndim() != 1 || a.dim(0) != n) {
                throw new UserError(b + ": b must have shape (N,) with N = " + n + ", found " + a.shapeString());
            }
            bm = finite(conv(() -> a.asRowVector(p)), b.toString());
        }
        Matrix xm = matrix(x, p, "X");
        if (xm.cols != nIn) {
            throw new UserError(x + ": X must have shape (B, n_in) with n_in = " + nIn + " (from " + u + "), found " + xm.shape());
        }
        int bsz = xm.rows;
        if (bsz < 1) {
            throw new UserError(x + ": X holds no samples");
        }
        Batch batch;
        if (targets.y != null) {
            if (lossFn != Loss.CROSS_ENTROPY) {
                throw new UserError("--y gives integer labels, which need --loss cross_entropy; use --target T.npy for mse");
            }
            NdArray ya = read(targets.y);
            if (ya.ndim() != 1 || ya.dim(0) != bsz) {
                throw new UserError(targets.y + ": labels must have shape (B,) with B = " + bsz + " (from " + x
                        + "), found " + ya.shapeString());
            }
            int[] labels = conv(ya::toIntArray);
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= nOut) {
                    throw new UserError(targets.y + ": label " + labels[i] + " at index " + i + " is out of range;"
                            + " labels must be in [0, " + nOut + ") for R with " + nOut + " rows");
                }
            }
            batch = Batch.labelled(xm, labels);
        } else {
            if (lossFn != Loss.MSE) {
                throw new UserError("--target gives real targets, which need --loss mse; use --y y.npy for cross_entropy");
            }
            Matrix tm = matrix(targets.t, p, "T");
            if (tm.rows != bsz || tm.cols != nOut) {
                throw new UserError(targets.t + ": targets must have shape (B, n_out) = (" + bsz + ", " + nOut
                        + "), found " + tm.shape());
            }
            batch = Batch.regression(xm, tm);
        }

        // Checked before the lock, so that a refused folder is left without a lock file, and again under it,
        // since another call may have written there in between.
        OutputFolder.prepareForOverwrite(out, overwrite, RuleCommand::ownFile, "fprnn rule");
        lock = FolderLock.acquire(out, "fprnn rule", null, spec.commandLine().getErr());
        java.util.Set<String> before = OutputFolder.prepareForOverwrite(out, overwrite, RuleCommand::ownFile, "fprnn rule");

        FixedPointNetwork.Builder nb = FixedPointNetwork.builder().inputs(nIn).units(n).outputs(nOut)
                .nonlinearity(f).dynamics(dyn).precision(p)
                .recurrentWeights(wm).inputWeights(um).readoutWeights(rm)
                .trainInput(trainInput).trainBias(trainBias).trainReadout(trainReadout);
        if (bm != null) {
            nb.biasWeights(bm);
        }
        FixedPointNetwork net = nb.build();
        SolverConfig sc = new SolverConfig(solver, tol, maxIter, alpha, 5, solver.equals("anderson") ? 0.5 : 1.0);
        RuleSettings rs = new RuleSettings(lossFn, gm,
                SolverConfig.anderson(10, 0.5, Math.max(1000, 10 * n), adjointTol), sc, lr == null ? Double.NaN : lr);

        Equilibrium eq = new EquilibriumSolver(sc).solve(net, xm);
        RuleResult res = Rules.create(rule, rs).compute(net, batch, eq);
        Params dirs = res.directions();
        java.util.Set<String> written = new java.util.HashSet<>();
        for (String name : dirs.names()) {
            Matrix d = dirs.get(name);
            String file = "direction_" + name + ".npy";
            if (name.equals("b")) {
                Npy.write(out.resolve(file), vector(d));
            } else {
                Npy.write(out.resolve(file), d);
            }
            written.add(file);
        }
        Npy.write(out.resolve("rates.npy"), eq.rates());
        written.add("rates.npy");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("rule", rule);
        summary.put("loss", res.loss());
        summary.put("samples", bsz);
        summary.put("converged", eq.convergedCount());
        summary.put("iterations", eq.iterationsMax());
        summary.put("max_residual", eq.maxResidual());
        summary.put("solver", solver);
        summary.put("precision", p.name().toLowerCase(java.util.Locale.ROOT));
        if (res.adjoint() != null) {
            summary.put("adjoint_converged", res.adjoint().convergedCount());
            summary.put("adjoint_iterations", res.adjoint().iterationsMax());
            summary.put("adjoint_max_residual", res.adjoint().maxResidual());
        }
        org.fprnn.cli.report.ResultsFolder.writeAtomically(out.resolve("summary.json"), Json.pretty(summary));
        written.add("summary.json");
        OutputFolder.removeStale(out, before, written);
        if (eq.convergedCount() < bsz) {
            spec.commandLine().getErr().printf(java.util.Locale.ROOT, "fprnn rule: %d of %d samples did not converge (max residual %.3g,"
                    + " tol %.3g, %d iterations)%s; outputs are written at the returned state%n",
                    bsz - eq.convergedCount(), bsz, eq.maxResidual(), tol, eq.iterationsMax(),
                    eq.iterationsMax() < maxIter ? ", stopped before --max-iter because the residual stopped falling"
                            + " (no 0.1% progress in " + SolverConfig.STALL_ITERATIONS + " iterations) or was not finite" : "");
        }
        if (res.adjoint() != null && !res.adjoint().allConverged()) {
            spec.commandLine().getErr().printf(java.util.Locale.ROOT, "fprnn rule: the adjoint solve did not converge for %d samples"
                    + " (max relative residual %.3g)%n", bsz - res.adjoint().convergedCount(), res.adjoint().maxResidual());
        }
        return 0;
    }

    private static NdArray vector(Matrix d) {
        return switch (d) {
            case org.fprnn.linalg.FMatrix fm -> NdArray.vector(fm.data);
            case org.fprnn.linalg.DMatrix dm -> NdArray.vector(dm.data);
        };
    }
}
