package org.fprnn.cli.classify;

import java.nio.file.Path;
import java.util.*;
import org.fprnn.cli.config.ConfigLoader;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.optim.Optimizers;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.train.BatchStep;
import org.fprnn.train.EvalRecord;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;

/**
 * The exploratory harness of docs/findings/linearized-adam.md (not built by Maven; run.sh beside it
 * compiles it against fprnn-cli/target/fprnn.jar, in the CLI's package to reach its config loading).
 * Trains one (rule, lr, seed) of a classification config through the library's Trainer with optimizer
 * and direction variants, and every diagEvery steps prints, per trained parameter, the norms of the
 * rule's direction D and of the gradient G, their angle, and the norm of the optimizer's update and its
 * angle to G. The last line gives the accuracy on the config's test set.
 * args: config rule lr seed opt variant diagEvery [--set k=v ...]
 *   opt: adam (per-entry second moment, the library's) | sgd | sgdm (momentum 0.9) | adam_block (one
 *        second moment per parameter matrix) | adam_global (one for all parameters; what
 *        train.adam_second_moment = "global" now does in the library)
 *   variant: none | frozen (only R, c trained) | freeze:A,B (parameters A, B not trained)
 *            | gradin (read-in U and b take the gradient's direction) | gradW (recurrent blocks take the
 *            gradient's direction) | blocknorm (each block's direction rescaled to the gradient block's norm)
 */
public final class AdamLin {
    public static void main(String[] args) throws Exception {
        Path cfgPath = Path.of(args[0]);
        String rule = args[1];
        double lr = Double.parseDouble(args[2]);
        long seed = Long.parseLong(args[3]);
        String opt = args[4];
        String variant = args[5];
        int diagEvery = Integer.parseInt(args[6]);
        List<String> overrides = new ArrayList<>();
        for (int i = 7; i < args.length; i++) {
            if (args[i].equals("--set")) {
                overrides.add(args[++i]);
            }
        }
        RunConfig cfg = ConfigLoader.load(cfgPath, overrides, RunConfig.class);
        ClassificationPlan plan = new ClassificationPlan(cfg);
        SweepData data = SweepData.load(cfg.data());
        FixedPointNetwork net = SweepNetwork.newNetwork(plan, seed, data);
        TrainSettings ts = plan.trainSettings(new ClassificationPlan.RunSpec(rule, lr, seed));
        Trainer trainer = new Trainer(ts, data.train(), data.test());
        EquilibriumSolver solver = new EquilibriumSolver(ts.forward());
        Rule r = Rules.create(rule, ts.ruleSettings());
        Rule grad = Rules.create("gradient", ts.ruleSettings());
        boolean needGrad = variant.equals("gradin") || variant.equals("gradW") || variant.equals("blocknorm");
        Set<String> readIn = new HashSet<>(net.readIn().parameterNames());
        if (net.params().has("b")) readIn.add("b");
        Set<String> readOut = new HashSet<>(net.readOut().parameterNames());
        if (net.params().has("c")) readOut.add("c");
        System.out.println("# trained " + net.trained() + " readIn " + readIn + " readOut " + readOut);
        final Params[] lastGrad = new Params[1];
        final Params[] lastDir = new Params[1];
        final int[] stepNo = new int[1];
        Trainer.StepSource src = (n, step, rows) -> {
            Batch b = Trainer.gather(data.train(), rows, 0, rows.length, n.precision());
            Equilibrium eq = solver.solve(n, b.x());
            RuleResult res = r.compute(n, b, eq);
            Params dirs = res.directions();
            boolean diag = diagEvery > 0 && step % diagEvery == 0;
            Params g = null;
            if (needGrad || diag) {
                g = rule.equals("gradient") ? dirs.copy() : grad.compute(n, b, eq).directions().copy();
            }
            Params out = new Params();
            for (String name : dirs.names()) {
                Matrix d = dirs.get(name);
                if (variant.equals("frozen") && !readOut.contains(name)) continue;
                if (variant.startsWith("freeze:") && Arrays.asList(variant.substring(7).split(",")).contains(name)) continue;
                if (variant.equals("gradin") && readIn.contains(name)) d = g.get(name);
                if (variant.equals("gradW") && !readIn.contains(name) && !readOut.contains(name)) d = g.get(name);
                if (variant.equals("blocknorm") && !readOut.contains(name)) {
                    Matrix c = d.copy();
                    double nd = Math.sqrt(dot(c, c)), ng = Math.sqrt(dot(g.get(name), g.get(name)));
                    if (nd > 0) org.fprnn.linalg.Ops.scale(ng / nd, c);
                    d = c;
                }
                out.put(name, d);
            }
            lastGrad[0] = diag ? g : null;
            lastDir[0] = out;
            stepNo[0] = step;
            int[] it = eq.iterations().clone();
            return new BatchStep.Result(out, b.size(), res.loss(), res.correct(), b.size() - eq.convergedCount(), it,
                    eq.iterationsMax(), eq.medianIterations(), null);
        };
        Optimizer base = switch (opt) {
            case "adam" -> Optimizers.create("adam", lr, 0, 0);
            case "sgd" -> Optimizers.create("sgd", lr, 0, 0);
            case "sgdm" -> Optimizers.create("sgd", lr, 0.9, 0);
            case "adam_block" -> new BlockAdam(lr, false);
            case "adam_global" -> new BlockAdam(lr, true);
            default -> throw new IllegalArgumentException(opt);
        };
        Optimizer wrapped = new Optimizer() {
            public void step(Params params, Params directions) {
                Params before = null;
                if (lastGrad[0] != null) {
                    before = new Params();
                    for (String name : directions.names()) before.put(name, params.get(name).copy());
                }
                base.step(params, directions);
                if (before != null) {
                    Params g = lastGrad[0];
                    StringBuilder sb = new StringBuilder();
                    sb.append(String.format(Locale.ROOT, "diag step %d", stepNo[0]));
                    double ug = 0, uu = 0, gg = 0, dg = 0, dd = 0;
                    for (String name : directions.names()) {
                        Matrix d = directions.get(name), gr = g.get(name), p0 = before.get(name), p1 = params.get(name);
                        double[] u = new double[d.size()];
                        for (int i = 0; i < u.length; i++) u[i] = p0.getFlat(i) - p1.getFlat(i);
                        double a = 0, bb = 0, c = 0, e = 0, f = 0;
                        for (int i = 0; i < u.length; i++) {
                            double gi = gr.getFlat(i), di = d.getFlat(i);
                            a += u[i] * gi; bb += u[i] * u[i]; c += gi * gi; e += di * gi; f += di * di;
                        }
                        ug += a; uu += bb; gg += c; dg += e; dd += f;
                        sb.append(String.format(Locale.ROOT, " | %s |D| %.3g |G| %.3g ang(D,G) %.1f |upd| %.3g ang(upd,G) %.1f",
                                name, Math.sqrt(f), Math.sqrt(c), deg(e, f, c), Math.sqrt(bb), deg(a, bb, c)));
                    }
                    sb.append(String.format(Locale.ROOT, " || all ang(D,G) %.1f ang(upd,G) %.1f <upd,G> %.3g",
                            deg(dg, dd, gg), deg(ug, uu, gg), ug));
                    System.out.println(sb);
                }
            }
            public void beginStep(long s, long t) { base.beginStep(s, t); }
            public double learningRate() { return base.learningRate(); }
            public void setLearningRate(double l) { base.setLearningRate(l); }
            public Params state() { return base.state(); }
            public void restore(Params s) { base.restore(s); }
        };
        final double[] losses = new double[100000];
        final int[] count = new int[1];
        Trainer.Result res = trainer.run(net, wrapped, 0, 0, new Trainer.Listener() {
            public void onStep(StepRecord s) { losses[count[0]++] = s.trainLoss(); }
        }, src);
        EvalRecord ev = res.evaluations().getLast();
        double first = 0, last = 0;
        int k = Math.min(10, count[0]);
        for (int i = 0; i < k; i++) { first += losses[i] / k; last += losses[count[0] - 1 - i] / k; }
        System.out.printf(Locale.ROOT, "RESULT rule=%s lr=%s seed=%d opt=%s variant=%s steps=%d outcome=%s test_acc=%.4f test_loss=%.4f train_loss_first10=%.4f last10=%.4f%n",
                rule, lr, seed, opt, variant, res.stepsDone(), res.outcome(), ev.accuracy(), ev.loss(), first, last);
    }

    static double dot(Matrix a, Matrix b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) s += a.getFlat(i) * b.getFlat(i);
        return s;
    }

    static double deg(double dot, double n1sq, double n2sq) {
        if (!(n1sq > 0) || !(n2sq > 0)) return Double.NaN;
        return Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(n1sq * n2sq)))));
    }

    /**
     * Adam whose second moment is one scalar per parameter matrix (the mean of D^2 over its entries), or one
     * scalar over all parameters (global): the update keeps each block's direction (with momentum).
     */
    static final class BlockAdam implements Optimizer {
        double lr; final boolean global; long t; final Map<String, double[]> m = new HashMap<>(); final Map<String, Double> v = new HashMap<>();
        double vg;
        BlockAdam(double lr, boolean global) { this.lr = lr; this.global = global; }
        public void step(Params params, Params dirs) {
            t++;
            double b1 = 0.9, b2 = 0.999, c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
            double totSq = 0; long totN = 0;
            for (String name : dirs.names()) {
                Matrix d = dirs.get(name);
                double sq = dot(d, d);
                totSq += sq; totN += d.size();
                v.merge(name, 0.0, (a, b) -> a);
                v.put(name, b2 * v.get(name) + (1 - b2) * sq / d.size());
            }
            vg = b2 * vg + (1 - b2) * totSq / totN;
            for (String name : dirs.names()) {
                Matrix d = dirs.get(name), p = params.get(name);
                double[] mm = m.computeIfAbsent(name, k -> new double[d.size()]);
                double denom = Math.sqrt((global ? vg : v.get(name)) / c2) + 1e-8;
                for (int i = 0; i < mm.length; i++) {
                    mm[i] = b1 * mm[i] + (1 - b1) * d.getFlat(i);
                    p.setFlat(i, p.getFlat(i) - lr * (mm[i] / c1) / denom);
                }
            }
        }
        public double learningRate() { return lr; }
        public void setLearningRate(double l) { lr = l; }
        public Params state() { return new Params(); }
        public void restore(Params s) { }
    }
}
