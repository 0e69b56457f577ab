package org.fprnn.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.fprnn.io.Safetensors;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.Trainer;
import org.fprnn.train.TrainSettings;

/**
 * Iterations and time for each solver to reach max|r - f(W r + h)| <= 1e-6 on trained P1 networks
 * and MNIST test images, each time a ratio against P1's fixed cost, 500 Euler steps of alpha 0.01,
 * on the same network and batch in the same run.
 */
final class SolverBench {
    static final String ID = "solver";
    static final double TOL = 1e-6;

    /** The trained networks looked for under the results folder (docs/results), in this order. */
    static final List<String> DEFAULT_WEIGHTS = List.of(
            "paper-mnist/weights/linearized_lr0.25.safetensors",
            "paper-mnist/weights/gradient_lr0.025.safetensors",
            "paper-mnist-converged/weights/linearized_lr0.25.safetensors",
            "paper-mnist-converged/weights/gradient_lr0.025.safetensors");

    private SolverBench() {
    }

    record Named(String label, FixedPointNetwork net) {
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) throws IOException {
        BenchData d = data.get();
        int b = o.quick() ? 8 : P1.BATCH;
        Batch batch = BenchData.first(d.test(), b);
        List<Named> nets = new ArrayList<>();
        nets.add(new Named("P1 network at start (untrained, seed 1)", P1.network(P1.UNITS)));
        String source = trainedNetworks(o, d, nets);
        int eulerMax = o.quick() ? 200 : 20_000;
        SolverConfig[] configs = {
            SolverConfig.euler(P1.EULER_ALPHA, eulerMax, TOL),
            SolverConfig.picard(0.5, 5_000, TOL),
            SolverConfig.anderson(5, 1.0, 1_000, TOL),
            SolverConfig.anderson(5, 1.0, 1_000, TOL).withMeanGain(true),
            new SolverConfig("broyden", TOL, 1_000, 1.0, 8, 1.0),
            SolverConfig.newton(50, TOL),
        };
        Timer.Plan plan = o.timing().withReps(o.quick() ? 1 : 3);
        warmUp(nets.get(0).net(), batch, configs, o.quick() ? 0.2 : WARM_UP_SECONDS);
        Table table = new Table("network", "solver", "samples at 1e-6", "median iterations", "max iterations",
                "max residual", "seconds", "time / 500 Euler steps");
        for (Named nn : nets) {
            EquilibriumSolver base = new EquilibriumSolver(P1.euler(P1.EULER_STEPS));
            Equilibrium[] last = new Equilibrium[1];
            double t500 = Timer.median(() -> last[0] = base.solve(nn.net(), batch.x()), plan);
            addRow(table, o, nn.label(), "euler, alpha 0.01, 500 steps (P1's fixed cost)", last[0], t500, t500, true);
            for (SolverConfig c : configs) {
                EquilibriumSolver s = new EquilibriumSolver(c);
                double t = Timer.median(() -> last[0] = s.solve(nn.net(), batch.x()), plan);
                addRow(table, o, nn.label(), name(c), last[0], t, t500, false);
            }
        }
        String explanation = Section.f("""
                The first %d images of the %s test set; P1's tanh rate network (N = 300, float) from rest. \
                Each solver runs until every sample's residual max|r - f(W r + h)| is at most 1e-6 (or its \
                iteration limit: Euler %d steps, picard 5,000, Anderson and Broyden 1,000, Newton 50; or \
                until it stalls: a sample whose best residual has not fallen by %s in %d iterations stops \
                there). The \
                baseline of each network is P1's forward solve, exactly 500 Euler steps of alpha 0.01, on the \
                same batch in the same run: 'time / 500 Euler steps' is a solver's time over that baseline's ('>=': not every sample reached \
                1e-6 within the limit, so the time to 1e-6 is at least that). \
                'samples at 1e-6' counts samples whose returned residual is at most 1e-6; iterations are per \
                sample (median and max over the batch); seconds are the median wall time of the whole solve. \
                In float, Euler with alpha 0.01 can stall above 1e-6: alpha times the residual falls below the \
                resolution of the rates. Before any timing, P1's 500 Euler steps and every solver but Newton \
                (cut to 300 iterations) run untimed on the first network for %.1f s \
                each, so that Java's compiler has done its work before the first row (Newton, whose time goes \
                to dense factorizations, is not). Networks: %s""", b, d.description(), eulerMax,
                Section.f("%.1f%%", 100 * SolverConfig.STALL_DECREASE), SolverConfig.STALL_ITERATIONS,
                o.quick() ? 0.2 : WARM_UP_SECONDS, source);
        return Section.of(ID, "Solvers on trained P1 networks against P1's 500 Euler steps", o, explanation, table, null);
    }

    /**
     * Seconds of untimed calls of each solver before the table. Without them the first network's rows
     * were timed while the compiler was still at work: on a 2-core EPYC its Anderson solve read 0.0399 s
     * for 18 iterations where the trained networks' took 0.024-0.025 s for 27-34.
     */
    static final double WARM_UP_SECONDS = 3.0;

    /**
     * Runs P1's 500 Euler steps and each of {@code configs} but Newton (cut to 300 iterations) on
     * {@code net} for {@code seconds} each, untimed.
     */
    private static void warmUp(FixedPointNetwork net, Batch batch, SolverConfig[] configs, double seconds) {
        List<SolverConfig> warm = new ArrayList<>(List.of(P1.euler(P1.EULER_STEPS)));
        for (SolverConfig c : configs) {
            if (!c.method().equals("newton")) {
                warm.add(c.withMaxIter(Math.min(c.maxIter(), 300)));
            }
        }
        for (SolverConfig c : warm) {
            EquilibriumSolver s = new EquilibriumSolver(c);
            Timer.repeatFor(() -> s.solve(net, batch.x()), seconds);
        }
    }

    private static String name(SolverConfig c) {
        return switch (c.method()) {
            case "euler" -> "euler, alpha " + c.alpha();
            case "picard" -> "picard, damping " + c.alpha();
            case "anderson" -> "anderson, memory " + c.memory() + ", mixing " + c.beta()
                    + (c.meanGain() ? ", forward mean-gain preconditioner" : "");
            case "broyden" -> "broyden, memory " + Math.max(8, c.memory());
            default -> c.method();
        };
    }

    private static void addRow(Table table, BenchOptions o, String net, String solver, Equilibrium eq, double t,
                               double t500, boolean baseline) {
        int atTol = 0;
        for (double r : eq.residual()) {
            if (r <= TOL) {
                atTol++;
            }
        }
        String ratio = (baseline || atTol == eq.samples() ? "" : ">= ") + Section.ratio(t / t500);
        table.row(net, solver, atTol + "/" + eq.samples(), Section.f("%.0f", eq.medianIterations()), eq.iterationsMax(),
                Section.f("%.1e", eq.maxResidual()), Section.sec(t), ratio);
        o.say("solver: %-40s %-48s %d/%d at 1e-6, iterations median %.0f max %d, max residual %.1e, %s s (x%s)",
                net, solver, atTol, eq.samples(), eq.medianIterations(), eq.iterationsMax(), eq.maxResidual(),
                Section.sec(t), ratio);
    }

    /**
     * Adds the trained networks: the --weights files, else the P1 and P1-converged weights found under
     * the results folder (only the first in a --quick run), else one trained here. Returns a sentence
     * saying where they came from.
     */
    static String trainedNetworks(BenchOptions o, BenchData d, List<Named> nets) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!o.weights().isEmpty()) {
            for (Path f : o.weights()) {
                if (!Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("weights file " + f + " does not exist");
                }
                files.add(f);
            }
        } else {
            for (String rel : DEFAULT_WEIGHTS) {
                Path f = o.resultsDir().resolve(rel);
                if (Files.isRegularFile(f) && (files.isEmpty() || !o.quick())) {
                    files.add(f);
                }
            }
        }
        for (Path f : files) {
            Map<String, String> meta = Safetensors.read(f).metadata();
            String what = meta.containsKey("rule") ? " (" + meta.get("rule") + ", lr " + meta.get("lr")
                    + (meta.containsKey("steps") ? ", " + meta.get("steps") + " steps" : "") + ")" : "";
            nets.add(new Named("`" + label(o, f) + "`" + what, P1.fromWeights(f)));
            o.say("solver: loaded %s%s", f, what);
        }
        if (!files.isEmpty()) {
            return "the untrained P1 network and the trained weights named (written by `fprnn run`"
                    + " into RESULTS/weights/).";
        }
        int steps = o.quick() ? 5 : 118;
        int batch = o.quick() ? 64 : P1.BATCH;
        o.say("solver: no trained weights under %s (%s); training P1-converged linearized lr 0.25 for %d steps first",
                o.resultsDir(), String.join(", ", DEFAULT_WEIGHTS), steps);
        FixedPointNetwork net = P1.network(P1.UNITS);
        TrainSettings ts = P1.training("linearized", 0.25, P1.converged(), batch, 1);
        Optimizer opt = ts.newOptimizer();
        new Trainer(ts, d.train(), d.test()).run(net, opt, 0, new Trainer.Listener() {
            @Override
            public void onStep(org.fprnn.train.StepRecord step) {
            }

            @Override
            public boolean stopAfter(int stepsDone) {
                return stepsDone >= steps;
            }
        });
        nets.add(new Named(Section.f("trained here: P1-converged, linearized lr 0.25, %d steps of batch %d, seed 1",
                steps, batch), net));
        return Section.f("no trained P1 weights were found (looked for %s under %s), so this run trained its own"
                + " network first (the last rows: P1-converged settings, linearized rule, lr 0.25, %d steps of"
                + " batch %d on the training set, seed 1); pass --weights FILE to use others.",
                String.join(", ", DEFAULT_WEIGHTS), o.resultsDir(), steps, batch);
    }

    private static String label(BenchOptions o, Path f) {
        Path abs = f.toAbsolutePath().normalize();
        Path root = o.resultsDir().toAbsolutePath().normalize();
        return abs.startsWith(root) ? root.relativize(abs).toString() : f.toString();
    }
}
