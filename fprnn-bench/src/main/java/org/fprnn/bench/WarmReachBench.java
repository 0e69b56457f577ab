package org.fprnn.bench;

import java.util.List;
import java.util.function.Supplier;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;

/**
 * How far warm starts can reach: along one cold training run of P1-converged, every batch's forward
 * solve is repeated from other starts (the state of the sample's last visit, and extrapolations from
 * its last two visits), counting Anderson's iterations, the start's residual and its distance to the
 * fixed point, and Anderson's contraction per iteration. Only counts: they do not depend on the
 * machine's load.
 */
final class WarmReachBench {
    static final String ID = "warm-reach";
    /** The fewer forward iterations in epochs 2+ that issue 12 asks warm starts for. */
    private static final double GOAL = 2.5;

    private WarmReachBench() {
    }

    /** A start of a sample's solve from its last two visits' fixed points: s_k + c (s_k - s_(k-1)). */
    private record Start(String name, int visits, float extrapolation) {
    }

    private static final List<Start> STARTS = List.of(new Start("rest (cold)", 0, 0),
            new Start("last visit (solver.warm_start)", 1, 0),
            new Start("last visit + (last - previous) / 2", 2, 0.5f),
            new Start("last visit + (last - previous)", 2, 1f));

    /** Sums over the steps of one epoch for one start. */
    private static final class Sums {
        int steps;
        double maxIterations;
        double medianIterations;
        double residual;
        double distance;
        double contraction;

        void add(Equilibrium eq, double startResidual, double dist, double tol) {
            steps++;
            maxIterations += eq.iterationsMax();
            medianIterations += eq.medianIterations();
            residual += startResidual;
            distance += dist;
            contraction += Math.pow(tol / startResidual, 1.0 / Math.max(1, eq.medianIterations()));
        }

        double mean(double sum) {
            return sum / steps;
        }
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) {
        BenchData d = data.get();
        int units = o.quick() ? 32 : P1.UNITS;
        int batch = o.quick() ? 64 : P1.BATCH;
        int epochs = 3;
        Dataset full = WarmBench.linearizedImages(o, d);
        Dataset part = WarmBench.gradientImages(o, d);
        Table table = new Table("rule, lr", "epoch", "start", "forward iterations: batch max",
                "forward iterations: median of samples", "starting residual (median)",
                "distance to the fixed point / its size (median)", "contraction of the residual per iteration");
        StringBuilder notes = new StringBuilder();
        for (Object[] r : List.<Object[]>of(new Object[] {"linearized", 0.25, full}, new Object[] {"gradient", 0.025, part})) {
            Sums[][] sums = train(o, (String) r[0], (Double) r[1], (Dataset) r[2], units, batch, epochs);
            for (int e = 0; e < epochs; e++) {
                for (int k = 0; k < STARTS.size(); k++) {
                    Sums s = sums[e][k];
                    if (s.steps == 0) {
                        continue;
                    }
                    table.row(r[0] + ", " + r[1], e + 1, STARTS.get(k).name(), Section.f("%.1f", s.mean(s.maxIterations)),
                            Section.f("%.1f", s.mean(s.medianIterations)), Section.f("%.2g", s.mean(s.residual)),
                            Section.f("%.2g", s.mean(s.distance)), Section.f("%.2f", s.mean(s.contraction)));
                }
            }
            Sums cold = sums[epochs - 1][0];
            Sums warm = sums[epochs - 1][1];
            double best = Double.MAX_VALUE;
            for (int k = 1; k < STARTS.size(); k++) {
                best = Math.min(best, sums[epochs - 1][k].mean(sums[epochs - 1][k].maxIterations));
            }
            // the residual a start would need for GOAL times fewer iterations at the measured contraction
            double q = warm.mean(warm.contraction);
            double iterations = cold.mean(cold.maxIterations) / GOAL;
            double needed = P1.converged().tol() * Math.pow(q, -iterations);
            notes.append(Section.f("%s, lr %s, epoch %d: cold / last visit %s, cold / best start %s (batch max)."
                            + " %.1fx fewer than cold would be %.1f iterations, which at the measured contraction (%.2f"
                            + " per iteration) needs a starting residual near %.1g; the last visit starts at %.2g.%n%n",
                    r[0], r[1], epochs, Section.ratio(cold.mean(cold.maxIterations) / warm.mean(warm.maxIterations)),
                    Section.ratio(cold.mean(cold.maxIterations) / best), GOAL, iterations, q, needed,
                    warm.mean(warm.residual)));
        }
        String explanation = Section.f("""
                %s; the linearized rule trains on %s, the gradient rule on %s, as in the warm-start section. \
                P1-converged's network (N = %d, tanh, float, W = 0.5 randn / sqrt(N) from seed 1), forward \
                solve Anderson (memory 5, mixing 1) to max|r - f(W r + h)| <= 1e-6, plain SGD, batches of %d \
                reshuffled every epoch (seed 1), %d epochs, every solve of the training run from rest. Each \
                batch's forward solve is then repeated from the other starts, where every sample of the batch \
                has the visits that start needs (so the last-visit rows begin in epoch 2, the extrapolations in \
                epoch 3); these repeats do not change the training. Means over the steps of each epoch. \
                'distance' is max|start - r*| / max|r*| per sample; 'contraction' is (1e-6 / starting \
                residual)^(1 / iterations), the median sample's mean factor per iteration.""",
                d.description(), WarmBench.images(full, d), WarmBench.images(part, d), units, batch, epochs);
        return Section.of(ID, "How far warm starts can reach: P1-converged", o, explanation, List.of(table),
                List.of(), notes.toString());
    }

    /** One cold training run; per epoch and start, the sums of the repeated solves. */
    private static Sums[][] train(BenchOptions o, String rule, double lr, Dataset train, int units, int batch,
                                  int epochs) {
        FixedPointNetwork net = P1.network(units);
        TrainSettings ts = P1.training(rule, lr, P1.converged(), batch, epochs);
        Optimizer opt = ts.newOptimizer();
        EquilibriumSolver solver = new EquilibriumSolver(ts.forward());
        EquilibriumSolver repeat = new EquilibriumSolver(ts.forward());
        Rule r = Rules.create(rule, ts.ruleSettings());
        BatchSchedule schedule = BatchSchedule.of(ts, train.size());
        int perEpoch = schedule.stepsPerEpoch();
        FMatrix last = new FMatrix(train.size(), units);
        FMatrix previous = new FMatrix(train.size(), units);
        int[] visits = new int[train.size()];
        Sums[][] sums = new Sums[epochs][STARTS.size()];
        for (Sums[] e : sums) {
            for (int k = 0; k < e.length; k++) {
                e[k] = new Sums();
            }
        }
        double tol = ts.forward().tol();
        for (int step = 0; step < perEpoch * epochs; step++) {
            int[] rows = schedule.rows(step);
            Batch b = Trainer.gather(train, rows, 0, rows.length, net.precision());
            Equilibrium eq = solver.solve(net, b.x()).copy();
            FMatrix fixed = (FMatrix) eq.state();
            int epoch = step / perEpoch;
            for (int k = 0; k < STARTS.size(); k++) {
                Start st = STARTS.get(k);
                int fewest = Integer.MAX_VALUE;
                for (int row : rows) {
                    fewest = Math.min(fewest, visits[row]);
                }
                if (fewest < st.visits()) {
                    continue;
                }
                FMatrix start = new FMatrix(rows.length, units);
                if (st.visits() > 0) {
                    for (int i = 0; i < rows.length; i++) {
                        for (int j = 0; j < units; j++) {
                            float l = last.data[rows[i] * units + j];
                            float p = previous.data[rows[i] * units + j];
                            start.data[i * units + j] = l + st.extrapolation() * (l - p);
                        }
                    }
                }
                double startResidual = WarmBench.medianResidual(net, b.x(), start);
                Equilibrium from = st.visits() == 0 ? eq : repeat.solve(net, b.x(), start);
                sums[epoch][k].add(from, startResidual, medianDistance(start, fixed), tol);
            }
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(last.data, rows[i] * units, previous.data, rows[i] * units, units);
                System.arraycopy(fixed.data, i * units, last.data, rows[i] * units, units);
                visits[rows[i]]++;
            }
            RuleResult res = r.compute(net, b, eq, null);
            opt.step(net.params(), res.directions());
            if ((step + 1) % perEpoch == 0) {
                Sums c = sums[epoch][0];
                o.say("warm-reach: %s lr %s, epoch %d: cold batch max %.1f iterations", rule, lr, epoch + 1,
                        c.mean(c.maxIterations));
            }
        }
        return sums;
    }

    /** Median over samples of max|start - fixed| / max|fixed|. */
    private static double medianDistance(FMatrix start, FMatrix fixed) {
        int n = fixed.cols;
        double[] d = new double[fixed.rows];
        for (int i = 0; i < fixed.rows; i++) {
            double diff = 0;
            double size = 0;
            for (int j = 0; j < n; j++) {
                diff = Math.max(diff, Math.abs(start.data[i * n + j] - fixed.data[i * n + j]));
                size = Math.max(size, Math.abs(fixed.data[i * n + j]));
            }
            d[i] = size > 0 ? diff / size : 0;
        }
        return Timer.median(d);
    }
}
