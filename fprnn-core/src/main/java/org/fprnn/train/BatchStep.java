package org.fprnn.train;

import org.fprnn.diag.StepDiagnostics;
import org.fprnn.diag.TrainingDiagnostics;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.linalg.Params;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;

/**
 * The computation of one training step on a batch, or on one worker's shard of a batch: the forward
 * solve, then the rule's directions (MATH section 0: batch means) unless the run's policy blocks the
 * update because samples did not converge. The single-process {@link Trainer} runs it on the whole
 * batch; fprnn-spark runs it on every partition's shard and combines the results weighted by shard
 * size ({@link Result#samples()}). Holds the solver's and the rule's workspaces: one per thread.
 */
public final class BatchStep {
    private final TrainSettings settings;
    private final EquilibriumSolver solver;
    private final Rule rule;
    private final TrainingDiagnostics diagnostics;
    /** The forward solve's start under warm starts (B x N, made anew when the batch size changes). */
    private Matrix warmStart;

    public BatchStep(TrainSettings settings) {
        this.settings = settings;
        this.solver = new EquilibriumSolver(settings.forward());
        this.rule = Rules.create(settings.rule(), settings.ruleSettings());
        this.diagnostics = settings.diagnostics().enabled()
                ? new TrainingDiagnostics(settings.diagnostics(), settings.rule(), settings.ruleSettings()) : null;
    }

    /**
     * What a step learned from a batch.
     *
     * @param directions the rule's directions as batch means (owned by the rule, overwritten by the
     *     next call), or null when {@link #blocksUpdate} says the batch must not update the weights;
     *     then loss and correct are measured at the solver's state without running the rule
     * @param samples samples in the batch
     * @param loss the mean loss on the batch (at the state the rule used)
     * @param correct samples whose arg-max output equals their label
     * @param notConverged samples the forward solver did not converge
     * @param iterations per-sample forward iteration counts (a copy)
     * @param iterationsMax the largest of them
     * @param iterationsMedian their median
     * @param diagnostics the angle to the gradient and the distance to singularity at this step
     *     (MATH section 5), or null when not measured
     */
    public record Result(Params directions, int samples, double loss, int correct, int notConverged,
                         int[] iterations, int iterationsMax, double iterationsMedian, StepDiagnostics diagnostics) {
    }

    /**
     * True if a batch with {@code notConverged} unconverged samples must not update the weights: the
     * forward solver has a tolerance (so convergence means something) and train.on_nonconverged is
     * "skip" or "stop". Decided on the whole batch; a worker whose shard is blocked blocks the batch.
     */
    public static boolean blocksUpdate(TrainSettings settings, int notConverged) {
        return settings.forward().tol() > 0 && notConverged > 0 && !settings.onNonconverged().equals("warn");
    }

    /** True if this step's rule solves an adjoint, whose start a {@link WarmStartCache} can keep too. */
    public boolean solvesAdjoint() {
        return rule.solvesAdjoint();
    }

    /** Solves for the batch's equilibrium and computes the rule's directions (see {@link Result}). */
    public Result compute(FixedPointNetwork net, Batch batch) {
        return compute(net, batch, false);
    }

    /**
     * As {@link #compute(FixedPointNetwork, Batch)}; with {@code measure} and diagnostics enabled in the
     * settings, also measures the diagnostics on the batch, its state and the rule's direction (they
     * only read these, so the step is the same with or without them).
     */
    public Result compute(FixedPointNetwork net, Batch batch, boolean measure) {
        return compute(net, batch, measure, null, null);
    }

    /**
     * As {@link #compute(FixedPointNetwork, Batch, boolean)}, with warm starts: the batch holds training
     * rows {@code rows}, whose forward solves (and adjoint solves) start from, and leave their result
     * in, {@code warm} (both null for cold starts).
     */
    public Result compute(FixedPointNetwork net, Batch batch, boolean measure, int[] rows, WarmStartCache warm) {
        Equilibrium eq;
        if (warm != null) {
            if (warmStart == null || warmStart.rows != batch.size() || warmStart.precision() != net.precision()) {
                warmStart = net.precision().zeros(batch.size(), net.units());
            }
            eq = warm.solve(solver, net, batch.x(), rows, warmStart);
        } else {
            eq = solver.solve(net, batch.x());
        }
        int notConverged = batch.size() - eq.convergedCount();
        int[] iterations = eq.iterations().clone();
        if (blocksUpdate(settings, notConverged)) {
            Loss loss = settings.ruleSettings().loss();
            Matrix y = net.precision().zeros(batch.size(), net.outputs());
            net.readout(eq.rates(), y);
            double l = loss.evaluate(y, batch, null, null);
            int correct = Loss.correct(y, batch.labels());
            return new Result(null, batch.size(), l, correct, notConverged, iterations, eq.iterationsMax(),
                    eq.medianIterations(), null);
        }
        RuleResult res = rule.compute(net, batch, eq, warm == null ? null : warm.adjointStart(rows));
        StepDiagnostics diag = measure && diagnostics != null
                ? diagnostics.measure(net, batch, eq, res.directions()) : null;
        return new Result(res.directions(), batch.size(), res.loss(), res.correct(), notConverged, iterations,
                eq.iterationsMax(), eq.medianIterations(), diag);
    }
}
