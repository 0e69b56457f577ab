package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.fprnn.data.Dataset;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.fprnn.train.WarmStartCache;

/**
 * Warm starts across epochs (solver.warm_start) against cold starts, on P1-converged: the same
 * network, batches and rule trained once with every solve from rest and once with each sample's
 * solves starting where its previous visit ended. Reports, for epoch 1 (all cold) and for the later
 * epochs, the forward iterations (per-sample median and the batch's largest, which decides the
 * work: the solver's matrix product covers the whole batch until its last sample converges), the
 * adjoint iterations of the gradient rule, and the time per step split into forward solve and rule;
 * and the test accuracy each side reached.
 */
final class WarmBench {
    static final String ID = "warm";
    /** Training images of the gradient rule's runs (the linearized rule's use all of them). */
    static final int GRADIENT_IMAGES = 15_000;

    private WarmBench() {
    }

    static String images(Dataset part, BenchData d) {
        return part.size() == d.train().size() ? Section.f("all %d training images", part.size())
                : Section.f("the first %d training images", part.size());
    }

    /** One training run's per-step measurements, summed per phase (epoch 1, later epochs). */
    static final class Sums {
        int steps;
        double medianIterations;
        double maxIterations;
        double adjointMax;
        double forwardSeconds;
        double ruleSeconds;
        double startResidual;

        void add(Equilibrium eq, RuleResult r, double forward, double rule, double start) {
            steps++;
            startResidual += start;
            medianIterations += eq.medianIterations();
            maxIterations += eq.iterationsMax();
            adjointMax += r.adjoint() == null ? 0 : r.adjoint().iterationsMax();
            forwardSeconds += forward;
            ruleSeconds += rule;
        }

        double mean(double sum) {
            return steps == 0 ? Double.NaN : sum / steps;
        }

        double stepSeconds() {
            return mean(forwardSeconds + ruleSeconds);
        }
    }

    record Side(String rule, double lr, boolean warm, int trainSize, Sums first, Sums later, double accuracy,
                int notConverged) {
    }

    /** The linearized rule's training images: the whole training set (P1-converged as it is). */
    static Dataset linearizedImages(BenchOptions o, BenchData d) {
        return o.quick() ? d.train().subset(0, Math.min(640, d.train().size())) : d.train();
    }

    /**
     * The gradient rule's training images: about three times slower per step, it trains on the first
     * GRADIENT_IMAGES images, to fit the time of a benchmark.
     */
    static Dataset gradientImages(BenchOptions o, BenchData d) {
        return o.quick() ? linearizedImages(o, d) : d.train().subset(0, Math.min(GRADIENT_IMAGES, d.train().size()));
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) {
        BenchData d = data.get();
        int units = o.quick() ? 32 : P1.UNITS;
        int batch = o.quick() ? 64 : P1.BATCH;
        int epochs = 3;
        Dataset full = linearizedImages(o, d);
        Dataset part = gradientImages(o, d);
        Dataset test = o.quick() ? d.test().subset(0, Math.min(500, d.test().size())) : d.test();
        List<Object[]> runs = List.of(new Object[] {"linearized", 0.25, full}, new Object[] {"gradient", 0.025, part});
        // Warm-up, not counted: a few steps of each rule on a throwaway network, so that neither side pays
        // for the JIT compiling the shared code.
        for (Object[] r : runs) {
            TrainingStep warmUp = new TrainingStep(P1.network(units), BenchData.first(full, batch), P1.converged(),
                    (String) r[0]);
            for (int i = 0; i < 3; i++) {
                warmUp.run();
            }
        }
        List<Side> sides = new ArrayList<>();
        for (Object[] r : runs) {
            for (boolean warm : new boolean[] {false, true}) {
                sides.add(train(o, (String) r[0], (Double) r[1], warm, (Dataset) r[2], test, units, batch, epochs));
            }
        }
        Table table = new Table("rule, lr", "start", "epochs", "training images", "starting residual: median of samples",
                "forward iterations: median of samples",
                "forward iterations: batch max", "adjoint iterations: batch max", "forward ms per step",
                "rule ms per step", "ms per step", "test accuracy after " + epochs + " epochs");
        for (Side s : sides) {
            for (Sums p : List.of(s.first(), s.later())) {
                boolean first = p == s.first();
                table.row(s.rule() + ", " + s.lr(), s.warm() ? "warm" : "cold",
                        first ? "1" : "2-" + epochs, s.trainSize(), Section.f("%.2g", p.mean(p.startResidual)),
                        Section.f("%.1f", p.mean(p.medianIterations)),
                        Section.f("%.1f", p.mean(p.maxIterations)),
                        s.rule().equals("gradient") ? Section.f("%.1f", p.mean(p.adjointMax)) : "-",
                        Section.ms(p.mean(p.forwardSeconds)), Section.ms(p.mean(p.ruleSeconds)),
                        Section.ms(p.stepSeconds()), first ? "" : Section.f("%.2f%%", 100 * s.accuracy()));
            }
        }
        StringBuilder notes = new StringBuilder();
        for (int i = 0; i < sides.size(); i += 2) {
            Side cold = sides.get(i);
            Side warm = sides.get(i + 1);
            notes.append(Section.f("%s, lr %s, epochs 2-%d, cold / warm: forward iterations %s (batch max; %s by the"
                            + " per-sample median)%s, time per step %s (%s ms cold, %s ms warm).", cold.rule(), cold.lr(),
                    epochs,
                    Section.ratio(cold.later().maxIterations / warm.later().maxIterations),
                    Section.ratio(cold.later().medianIterations / warm.later().medianIterations),
                    cold.rule().equals("gradient") ? Section.f(", adjoint iterations %s",
                            Section.ratio(cold.later().adjointMax / warm.later().adjointMax)) : "",
                    Section.ratio(cold.later().stepSeconds() / warm.later().stepSeconds()),
                    Section.ms(cold.later().stepSeconds()), Section.ms(warm.later().stepSeconds())));
            notes.append(Section.f(" Test accuracy after %d epochs: %.2f%% cold, %.2f%% warm; training samples not"
                    + " converged over the run: %d cold, %d warm.%n%n", epochs, 100 * cold.accuracy(),
                    100 * warm.accuracy(), cold.notConverged(), warm.notConverged()));
        }
        String explanation = Section.f("""
                %s; the linearized rule trains on %s, the gradient rule (about three times slower per step) on \
                %s. P1-converged's network (N = %d, tanh, rate dynamics, float, W = 0.5 randn / sqrt(N) from \
                seed 1, fixed read-in and read-out), forward solve Anderson (memory 5, mixing 1) to max|r - f(W \
                r + h)| <= 1e-6, gains 1 - r^2, the gradient rule's adjoint to relative residual 1e-8, plain \
                SGD, batches of %d reshuffled every epoch (seed 1), %d epochs. Each rule is trained twice from \
                the same network on the same batches, one run after the other: 'cold' starts every solve from \
                rest (r = 0, lambda = e), 'warm' (solver.warm_start = true) starts each training sample's \
                forward and adjoint solves from where its previous visit ended (the first epoch is therefore \
                cold on both sides). Iterations and milliseconds are means over the steps of each phase; 'batch \
                max' is the batch's largest per-sample count, which sets the solver's work (its matrix products \
                cover the whole batch until the last sample converges). No test batch per step; the test \
                accuracy is on %s after the last epoch. 'starting residual' is max|r - f(W r + h)| of the state \
                each solve starts from (median over the batch, mean over the steps): how far a sample's fixed \
                point moved since its previous visit.""",
                d.description(), images(full, d), images(part, d), units, batch, epochs,
                test.size() == d.test().size() ? Section.f("the whole test set (%d images)", test.size())
                        : Section.f("the first %d test images", test.size()));
        return Section.of(ID, "Warm starts across epochs: P1-converged", o, explanation, List.of(table), List.of(),
                notes.toString());
    }

    /**
     * The median over samples of the residual max|r - f(W r + h)| of the state a solve starts from (rate
     * dynamics: the state is r): how far from its fixed point each sample starts.
     */
    static double medianResidual(FixedPointNetwork net, org.fprnn.linalg.Matrix x, org.fprnn.linalg.Matrix r) {
        var z = r.zerosLike();
        net.inputDrive(x, z);
        net.recurrent().apply(r, z, 1, 1);
        var fz = r.zerosLike();
        net.nonlinearity().apply(z, fz);
        double[] res = new double[r.rows];
        org.fprnn.linalg.Ops.rowMaxAbsDiff(r, fz, res);
        java.util.Arrays.sort(res);
        return res[res.length / 2];
    }

    /** Trains one side and measures every step (the trainer's step, split into its two timed parts). */
    private static Side train(BenchOptions o, String rule, double lr, boolean warm, Dataset train, Dataset test,
                              int units, int batch, int epochs) {
        FixedPointNetwork net = P1.network(units);
        TrainSettings ts = P1.training(rule, lr, P1.converged(), batch, epochs).withWarmStart(warm);
        Optimizer opt = ts.newOptimizer();
        EquilibriumSolver solver = new EquilibriumSolver(ts.forward());
        Rule r = Rules.create(rule, ts.ruleSettings());
        WarmStartCache cache = warm ? new WarmStartCache(train.size(), units, r.solvesAdjoint()) : null;
        BatchSchedule schedule = BatchSchedule.of(ts, train.size());
        int perEpoch = schedule.stepsPerEpoch();
        Sums first = new Sums();
        Sums later = new Sums();
        int notConverged = 0;
        var start = net.precision().zeros(batch, units);
        for (int step = 0; step < perEpoch * epochs; step++) {
            int[] rows = schedule.rows(step);
            Batch b = Trainer.gather(train, rows, 0, rows.length, net.precision());
            if (start.rows != rows.length) {
                start = net.precision().zeros(rows.length, units);
            }
            if (cache != null) {
                cache.loadForward(rows, start);
            } else {
                start.fill(0);
            }
            double startResidual = medianResidual(net, b.x(), start);
            long t0 = System.nanoTime();
            Equilibrium eq = cache != null ? cache.solve(solver, net, b.x(), rows, start) : solver.solve(net, b.x());
            long t1 = System.nanoTime();
            RuleResult res = r.compute(net, b, eq, cache == null ? null : cache.adjointStart(rows));
            opt.step(net.params(), res.directions());
            long t2 = System.nanoTime();
            notConverged += b.size() - eq.convergedCount();
            Sums phase = step < perEpoch ? first : later;
            phase.add(eq, res, (t1 - t0) / 1e9, (t2 - t1) / 1e9, startResidual);
            if ((step + 1) % perEpoch == 0) {
                o.say("warm: %s lr %s, %s starts, after epoch %d: forward iterations %.1f (batch max %.1f), adjoint"
                        + " %.1f, %s ms per step (means over the phase so far)", rule, lr, warm ? "warm" : "cold",
                        (step + 1) / perEpoch, phase.mean(phase.medianIterations), phase.mean(phase.maxIterations),
                        phase.mean(phase.adjointMax), Section.ms(phase.stepSeconds()));
            }
        }
        EvalRecord ev = new Trainer(ts, train, test).evaluate(net, test, perEpoch * epochs, epochs - 1);
        return new Side(rule, lr, warm, train.size(), first, later, ev.accuracy(), notConverged);
    }
}
