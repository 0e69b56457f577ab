package org.fprnn.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.fprnn.data.LinearTeacher;
import org.fprnn.diag.Angles;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Protocol P2 (PROTOCOLS.md): a linear network (G = I, U = R = I fixed) learns a linear teacher by
 * full-batch SGD with the gradient, reparam and linearized rules over a learning-rate sweep. Along
 * each trajectory it records J(W) and an angle: gradient vs reparam along the reparam trajectory,
 * reparam vs linearized along the linearized one (and gradient vs linearized for reference).
 */
public final class LinearTeacherProtocol {

    /**
     * Settings of P2; {@link #paper()} gives the published ones.
     *
     * @param divergeAbove a run has diverged when J(W) exceeds this (or is not finite); see
     *     {@link Run#divergedAt()}
     */
    /** The rules P2 compares (those defined for the linear network; bptt is not). */
    public static final List<String> RULES = List.of("gradient", "reparam", "linearized", "linearized_alt");

    public record Settings(int units, int samples, double inputScale, double teacherScale, double noise,
                           double initScale, List<String> rules, List<Double> learningRates, int iterations,
                           long seed, int threads, double divergeAbove) {
        /** The settings that decide P2's results, as text (the thread count, which changes none, left out). */
        public String identity() {
            return new Settings(units, samples, inputScale, teacherScale, noise, initScale, rules, learningRates,
                    iterations, seed, 1, divergeAbove).toString().replace(", threads=1", "");
        }

        public Settings {
            if (units < 1 || samples < 1 || iterations < 1 || threads < 1) {
                throw new IllegalArgumentException("P2 needs units, samples, iterations and threads >= 1");
            }
            for (String r : rules) {
                if (!RULES.contains(r)) {
                    throw new IllegalArgumentException("P2 rule '" + r + "' is not one of " + String.join(", ", RULES));
                }
            }
            for (double lr : learningRates) {
                if (!(lr > 0)) {
                    throw new IllegalArgumentException("learning rates must be > 0, got " + lr);
                }
            }
        }

        public static Settings paper() {
            return new Settings(200, 100, 0.1, 0.5, 0.01, 0.75, List.of("gradient", "reparam", "linearized"),
                    List.of(0.03, 0.1, 0.3, 1.0, 3.0), 3500, 1, Runtime.getRuntime().availableProcessors(), 1e6);
        }
    }

    /**
     * One trajectory.
     *
     * @param loss J(W_k) for k = 0..iterations (NaN after divergence)
     * @param angle per iteration, degrees: reparam vs gradient (rule reparam), reparam vs linearized
     *     (rule linearized), gradient vs the rule otherwise
     * @param angleToGradient per iteration, degrees, the rule's direction vs the gradient
     * @param divergedAt the first iteration k at which the run had diverged, or -1: W_k non-finite or
     *     ||W_k||_F above {@link #WEIGHT_GROWTH_LIMIT} times max(||W_0||_F, 1) (weights that blew up:
     *     as W grows without bound, r = (I - W)^-1 x goes to 0 and J stays finite, near J at r = 0,
     *     so J alone would hide it), no fixed point found (I - W singular, or a forward solve that did
     *     not converge) or a non-finite one, or J(W_k) non-finite or
     *     above {@link Settings#divergeAbove()}. loss[k] and everything after it are NaN then, so no
     *     finite J is reported for a diverged run.
     * @param maxWeightNorm the largest ||W_k||_F seen (W at start included)
     */
    public record Run(String rule, double lr, double[] loss, double[] angle, double[] angleToGradient,
                      int divergedAt, double maxWeightNorm, double seconds) {
        public double finalLoss() {
            return loss[loss.length - 1];
        }
    }

    /** A run whose ||W||_F grows above this many times max(||W_0||_F, 1) has blown up (diverged). */
    public static final double WEIGHT_GROWTH_LIMIT = 1000;

    private final Settings settings;

    public LinearTeacherProtocol(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Runs every rule x learning rate, {@code threads} at a time; {@code onDone} hears each run. */
    public List<Run> runAll(Consumer<Run> onDone) throws InterruptedException {
        LinearTeacher task = LinearTeacher.generate(settings.units(), settings.samples(), settings.inputScale(),
                settings.teacherScale(), settings.noise(), settings.seed());
        DMatrix w0 = new DMatrix(settings.units(), settings.units());
        java.util.Random rng = new java.util.Random(settings.seed() + 1);
        for (int i = 0; i < w0.data.length; i++) {
            w0.data[i] = settings.initScale() * rng.nextGaussian() / Math.sqrt(settings.units());
        }
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads(),
                org.fprnn.linalg.Lapack.bigStackThreads("fprnn-p2"));
        // Runs in parallel share the cores: give each its share of BLAS threads instead of oversubscribing.
        int blasBefore = org.fprnn.linalg.Blas.get().threads();
        org.fprnn.linalg.Blas.setThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / settings.threads()));
        try {
            List<Future<Run>> futures = new ArrayList<>();
            for (String rule : settings.rules()) {
                for (double lr : settings.learningRates()) {
                    futures.add(pool.submit(() -> {
                        Run r = run(task, w0, rule, lr);
                        if (onDone != null) {
                            synchronized (this) {
                                onDone.accept(r);
                            }
                        }
                        return r;
                    }));
                }
            }
            List<Run> out = new ArrayList<>();
            for (Future<Run> f : futures) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof OutOfMemoryError oom) {
                        throw oom;   // as itself, so that the command line says how to give Java more heap
                    }
                    throw new IllegalStateException("a P2 run failed: " + e.getCause(), e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
            org.fprnn.linalg.Blas.setThreads(blasBefore);
        }
    }

    /** One trajectory of one rule at one learning rate from W0. */
    public Run run(LinearTeacher task, DMatrix w0, String ruleName, double lr) {
        long t0 = System.nanoTime();
        int n = settings.units();
        DMatrix eye = new DMatrix(n, n);
        for (int i = 0; i < n; i++) {
            eye.data[i * n + i] = 1;
        }
        FixedPointNetwork net = FixedPointNetwork.builder().inputs(n).units(n).outputs(n)
                .nonlinearity(new Nonlinearity.Linear(1.0)).precision(Precision.DOUBLE)
                .recurrentWeights(w0).inputWeights(eye).readoutWeights(eye).build();
        Batch batch = task.batch();
        SolverConfig direct = new SolverConfig("direct", 1e-9, 3, 1.0, 5, 1.0);
        EquilibriumSolver forward = new EquilibriumSolver(direct);
        RuleSettings rs = RuleSettings.of(Loss.MSE, direct).withAdjoint(SolverConfig.newton(3, 1e-10)).withLr(lr);
        Rule rule = Rules.create(ruleName, rs);
        Rule gradient = Rules.create("gradient", rs);
        Rule reference = switch (ruleName) {
            case "reparam" -> gradient;
            case "linearized", "linearized_alt" -> Rules.create("reparam", rs);
            default -> Rules.create("linearized", rs);
        };
        Sgd sgd = Sgd.plain(lr);
        int iters = settings.iterations();
        double[] loss = new double[iters + 1];
        double[] angle = new double[iters];
        double[] angleToGrad = new double[iters];
        Arrays.fill(loss, Double.NaN);
        Arrays.fill(angle, Double.NaN);
        Arrays.fill(angleToGrad, Double.NaN);
        int divergedAt = -1;
        double maxWeightNorm = 0;
        double weightLimit = WEIGHT_GROWTH_LIMIT * Math.max(frobenius(w0), 1);
        for (int k = 0; k <= iters; k++) {
            double wNorm = frobenius(net.params().get("W"));
            maxWeightNorm = Double.isNaN(wNorm) ? wNorm : Math.max(maxWeightNorm, wNorm);
            if (!(wNorm <= weightLimit)) {
                divergedAt = k;
                break;
            }
            Equilibrium eq;
            RuleResult res;
            try {
                eq = forward.solve(net, batch.x());
                if (eq.convergedCount() < eq.samples()) {
                    // No fixed point to train at: I - W is singular (the direct solve has no step) or too close to it.
                    divergedAt = k;
                    break;
                }
                res = rule.compute(net, batch, eq);
            } catch (IllegalStateException singular) {
                // a rule's own matrix singular (reparam's G^-1 - W or A')
                divergedAt = k;
                break;
            }
            loss[k] = res.loss();
            if (!Double.isFinite(res.loss()) || res.loss() > settings.divergeAbove() || !eq.rates().allFinite()) {
                divergedAt = k;
                loss[k] = Double.NaN;
                break;
            }
            if (k == iters) {
                break;
            }
            Params dir = res.directions();
            try {
                Params grad = gradient.compute(net, batch, eq).directions();
                angleToGrad[k] = Angles.degrees(dir, grad, "W");
                if (reference == gradient) {
                    angle[k] = angleToGrad[k];
                } else {
                    angle[k] = Angles.degrees(dir, reference.compute(net, batch, eq).directions(), "W");
                }
            } catch (IllegalStateException singular) {
                // The reference direction does not exist here (reparam at a singular A'); leave NaN.
            }
            sgd.step(net.params(), dir);
        }
        return new Run(ruleName, lr, loss, angle, angleToGrad, divergedAt, maxWeightNorm,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Frobenius norm of a matrix; NaN or infinity if an entry is not finite. */
    static double frobenius(org.fprnn.linalg.Matrix m) {
        double s = 0;
        for (int i = 0; i < m.size(); i++) {
            double v = m.getFlat(i);
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
