package org.fprnn.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.fprnn.data.Dataset;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.GainMode;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.fprnn.train.WarmStartCache;

/**
 * Warm starts across epochs (solver.warm_start) against cold starts, on P1-converged and on the long
 * P3 config P3a-long: the same network, batches and rule trained once with every solve from rest and
 * once with each sample's solves starting where its previous visit ended. Reports, for epoch 1 (all
 * cold) and for the later epochs, the forward iterations (per-sample median and the batch's largest, which decides the
 * work: the solver's matrix product covers the whole batch until its last sample converges), the
 * adjoint iterations of the gradient rule, and the time per step split into forward solve and rule;
 * and the test accuracy each side reached.
 */
final class WarmBench {
    static final String ID = "warm";
    /** Training images of P1-converged's gradient runs (its linearized runs use all of them). */
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

    /** One rule's training run of a protocol: the settings (cold) and its training images. */
    record Run(TrainSettings settings, Dataset images) {
    }

    /**
     * A protocol the bench trains cold and warm: its network at start (the same for every run) and its
     * rules' runs, with the caption of its table.
     */
    record Protocol(String name, Supplier<FixedPointNetwork> network, List<Run> runs, String caption) {
        int epochs() {
            return runs.getFirst().settings().epochs();
        }
    }

    /** P1-converged as it is, but for the gradient rule's images (see {@link #gradientImages}). */
    static Protocol p1Converged(BenchOptions o, BenchData d) {
        int units = o.quick() ? 32 : P1.UNITS;
        int batch = o.quick() ? 64 : P1.BATCH;
        int epochs = 3;
        Dataset full = linearizedImages(o, d);
        Dataset part = gradientImages(o, d);
        List<Run> runs = List.of(
                new Run(P1.training("linearized", 0.25, P1.converged(), batch, epochs), full),
                new Run(P1.training("gradient", 0.025, P1.converged(), batch, epochs), part));
        String caption = Section.f("""
                **P1-converged.** The linearized rule trains on %s, the gradient rule (about three times slower \
                per step) on %s. P1-converged's network (N = %d, tanh, rate dynamics, float, W = 0.5 randn / \
                sqrt(N) from seed 1, fixed read-in and read-out), forward solve Anderson (memory 5, mixing 1) to \
                max|r - f(W r + h)| <= 1e-6, gains 1 - r^2, the gradient rule's adjoint to relative residual \
                1e-8, plain SGD, batches of %d reshuffled every epoch (seed 1), %d epochs.""",
                images(full, d), images(part, d), units, batch, epochs);
        return new Protocol("P1-converged", () -> P1.network(units), runs, caption);
    }

    /**
     * P3a-long (configs/p3a-mnist-long.toml), the long P3 config of a dense network: read-in, bias and
     * read-out trained with Adam at each rule's rate of that config, 10 epochs, every rule on the whole
     * training set. Its diagnostics and test batches are left out (they never change the trajectory).
     */
    static Protocol p3aLong(BenchOptions o, BenchData d) {
        int units = o.quick() ? 32 : P1.UNITS;
        int batch = o.quick() ? 64 : 256;
        int epochs = o.quick() ? 3 : 10;
        Dataset images = linearizedImages(o, d);
        String network = "[network]\nunits = " + units + "\nprecision = \"float\"\ntrain_input = true\n"
                + "train_bias = true\ntrain_readout = true\nreadout_bias = true\nrecurrent_scale = 0.5\n";
        SolverConfig forward = P1.converged();
        SolverConfig adjoint = RuleSettings.DEFAULT_ADJOINT.withTol(1e-6);
        List<Run> runs = new ArrayList<>();
        for (Object[] r : new Object[][] {{"linearized", 0.001}, {"gradient", 0.001}, {"linearized_alt", 0.0003}}) {
            double lr = (Double) r[1];
            RuleSettings rs = new RuleSettings(Loss.CROSS_ENTROPY, GainMode.DERIVATIVE, adjoint, forward, lr);
            runs.add(new Run(new TrainSettings((String) r[0], lr, "adam", 0, 0, batch, epochs, forward, rs, 0, false,
                    P1.SEED), images));
        }
        String caption = Section.f("""
                **P3a-long** (configs/p3a-mnist-long.toml, without its diagnostics and test batches). Every rule \
                trains on %s. The network: N = %d, tanh, rate dynamics, float, W = 0.5 randn / sqrt(N) from seed \
                1, read-in U, bias b and read-out R, c trained; forward solve Anderson (memory 5, mixing 1) to \
                max|r - f(W r + h)| <= 1e-6, gains f'(W r + h), the gradient rule's adjoint to relative residual \
                1e-6, Adam at each rule's rate of the config, batches of %d reshuffled every epoch (seed 1), %d \
                epochs.""", images(images, d), units, batch, epochs);
        return new Protocol("P3a-long", () -> NetworkSpec.fromToml(network, "P3a-long").build(P1.INPUTS, P1.OUTPUTS,
                P1.SEED), runs, caption);
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) {
        BenchData d = data.get();
        Dataset test = o.quick() ? d.test().subset(0, Math.min(500, d.test().size())) : d.test();
        List<Protocol> protocols = List.of(p1Converged(o, d), p3aLong(o, d));
        // Warm-up, not counted: every run, cold and warm, on its first four batches' images (a few steps per
        // epoch), so that neither side pays for the JIT compiling the code both use. Cold runs first in each
        // pair: after a warm-up of three steps, the gradient's cold epoch 1 took 1.7x as long as its warm
        // one, for the same work.
        Dataset warmUpTest = test.subset(0, Math.min(512, test.size()));
        for (Protocol p : protocols) {
            for (Run r : p.runs()) {
                Run few = new Run(r.settings(), r.images().subset(0, Math.min(4 * r.settings().batchSize(),
                        r.images().size())));
                for (boolean warm : new boolean[] {false, true}) {
                    train(o, p, few, warm, warmUpTest, false);
                }
            }
        }
        List<Table> tables = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        StringBuilder notes = new StringBuilder();
        for (Protocol p : protocols) {
            int epochs = p.epochs();
            List<Side> sides = new ArrayList<>();
            for (Run r : p.runs()) {
                for (boolean warm : new boolean[] {false, true}) {
                    sides.add(train(o, p, r, warm, test, true));
                }
            }
            Table table = new Table("rule, lr", "start", "epochs", "training images",
                    "starting residual: median of samples", "forward iterations: median of samples",
                    "forward iterations: batch max", "adjoint iterations: batch max", "forward ms per step",
                    "rule ms per step", "ms per step", "test accuracy after " + epochs + " epochs");
            for (Side s : sides) {
                for (Sums ph : List.of(s.first(), s.later())) {
                    boolean first = ph == s.first();
                    table.row(s.rule() + ", " + rate(s.lr()), s.warm() ? "warm" : "cold",
                            first ? "1" : "2-" + epochs, s.trainSize(), Section.f("%.2g", ph.mean(ph.startResidual)),
                            Section.f("%.1f", ph.mean(ph.medianIterations)),
                            Section.f("%.1f", ph.mean(ph.maxIterations)),
                            s.rule().equals("gradient") ? Section.f("%.1f", ph.mean(ph.adjointMax)) : "-",
                            Section.ms(ph.mean(ph.forwardSeconds)), Section.ms(ph.mean(ph.ruleSeconds)),
                            Section.ms(ph.stepSeconds()), first ? "" : Section.f("%.2f%%", 100 * s.accuracy()));
                }
            }
            tables.add(table);
            captions.add(p.caption());
            for (int i = 0; i < sides.size(); i += 2) {
                Side cold = sides.get(i);
                Side warm = sides.get(i + 1);
                notes.append(Section.f("%s, %s, lr %s, epochs 2-%d, cold / warm: forward iterations %s (batch max;"
                                + " %s by the per-sample median)%s, time per step %s (%s ms cold, %s ms warm; in epoch"
                                + " 1, the same work on both sides, %s).",
                        p.name(), cold.rule(), rate(cold.lr()), epochs,
                        Section.ratio(cold.later().maxIterations / warm.later().maxIterations),
                        Section.ratio(cold.later().medianIterations / warm.later().medianIterations),
                        cold.rule().equals("gradient") ? Section.f(", adjoint iterations %s",
                                Section.ratio(cold.later().adjointMax / warm.later().adjointMax)) : "",
                        Section.ratio(cold.later().stepSeconds() / warm.later().stepSeconds()),
                        Section.ms(cold.later().stepSeconds()), Section.ms(warm.later().stepSeconds()),
                        Section.ratio(cold.first().stepSeconds() / warm.first().stepSeconds())));
                notes.append(Section.f(" Test accuracy after %d epochs: %.2f%% cold, %.2f%% warm; training samples"
                        + " not converged over the run: %d cold, %d warm.%n%n", epochs, 100 * cold.accuracy(),
                        100 * warm.accuracy(), cold.notConverged(), warm.notConverged()));
            }
        }
        String explanation = Section.f("""
                %s. Each rule is trained twice from the same network on the same batches, one run after the \
                other: 'cold' starts every solve from rest (r = 0, lambda = e), 'warm' (solver.warm_start = \
                true) starts each training sample's forward and adjoint solves from where its previous visit \
                ended (the first epoch is therefore cold on both sides). Before them, untimed, every run \
                trains cold and warm on its first four batches' images, so that both sides run compiled code. \
                Iterations and milliseconds are means over the steps of each phase; 'batch max' is the \
                batch's largest per-sample count, which sets the solver's work (its matrix products cover the \
                whole batch until the last sample converges). No test batch per step; the test accuracy is on \
                %s after the last epoch. 'starting residual' is max|r - f(W r + h)| of the state each solve \
                starts from (median over the batch, mean over the steps): how far a sample's fixed point moved \
                since its previous visit.""",
                d.description(), test.size() == d.test().size()
                        ? Section.f("the whole test set (%d images)", test.size())
                        : Section.f("the first %d test images", test.size()));
        return Section.of(ID, "Warm starts across epochs: P1-converged and P3a-long", o, explanation, tables,
                captions, notes.toString());
    }

    /** A learning rate as the configs write it (0.0003, not 3.0E-4). */
    static String rate(double lr) {
        return java.math.BigDecimal.valueOf(lr).stripTrailingZeros().toPlainString();
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

    /**
     * Trains one side and measures every step (the trainer's step, split into its two timed parts);
     * {@code report}: say the phase's means after every epoch.
     */
    private static Side train(BenchOptions o, Protocol p, Run run, boolean warm, Dataset test, boolean report) {
        // The run before may have left a warm-start cache (72 MB at N = 300) to collect: collect it here,
        // not inside this run's timed steps.
        System.gc();
        FixedPointNetwork net = p.network().get();
        TrainSettings ts = run.settings().withWarmStart(warm);
        Dataset train = run.images();
        String rule = ts.rule();
        double lr = ts.lr();
        int units = net.units();
        Optimizer opt = ts.newOptimizer();
        EquilibriumSolver solver = new EquilibriumSolver(ts.forward());
        Rule r = Rules.create(rule, ts.ruleSettings());
        WarmStartCache cache = warm ? new WarmStartCache(train.size(), units, r.solvesAdjoint()) : null;
        BatchSchedule schedule = BatchSchedule.of(ts, train.size());
        int perEpoch = schedule.stepsPerEpoch();
        int total = perEpoch * ts.epochs();
        Sums first = new Sums();
        Sums later = new Sums();
        int notConverged = 0;
        var start = net.precision().zeros(ts.batchSize(), units);
        for (int step = 0; step < total; step++) {
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
            opt.beginStep(step, total);
            long t0 = System.nanoTime();
            Equilibrium eq = cache != null ? cache.solve(solver, net, b.x(), rows, start) : solver.solve(net, b.x());
            long t1 = System.nanoTime();
            RuleResult res = r.compute(net, b, eq, cache == null ? null : cache.adjointStart(rows));
            opt.step(net.params(), res.directions());
            long t2 = System.nanoTime();
            notConverged += b.size() - eq.convergedCount();
            Sums phase = step < perEpoch ? first : later;
            phase.add(eq, res, (t1 - t0) / 1e9, (t2 - t1) / 1e9, startResidual);
            if (report && (step + 1) % perEpoch == 0) {
                o.say("warm: %s, %s lr %s, %s starts, after epoch %d: forward iterations %.1f (batch max %.1f),"
                        + " adjoint %.1f, %s ms per step (means over the phase so far)", p.name(), rule, rate(lr),
                        warm ? "warm" : "cold", (step + 1) / perEpoch, phase.mean(phase.medianIterations),
                        phase.mean(phase.maxIterations), phase.mean(phase.adjointMax), Section.ms(phase.stepSeconds()));
            }
        }
        EvalRecord ev = new Trainer(ts, train, test).evaluate(net, test, total, ts.epochs() - 1);
        return new Side(rule, lr, warm, train.size(), first, later, ev.accuracy(), notConverged);
    }
}
