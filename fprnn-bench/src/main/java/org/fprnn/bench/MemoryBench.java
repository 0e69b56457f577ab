package org.fprnn.bench;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.function.Supplier;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Heap memory of one gradient-rule step against one bptt step as the number of forward iterations
 * (Euler steps, which bptt unrolls) grows: the gradient's should stay flat (implicit
 * differentiation stores no trajectory), bptt's grows with the steps (it stores every state).
 */
final class MemoryBench {
    static final String ID = "memory";

    private MemoryBench() {
    }

    /** Bytes a step allocated (upper bound on its extra heap) and bytes it left reachable (lower bound). */
    record Measure(long allocated, long retained) {
    }

    static Section run(BenchOptions o) {
        int n = o.quick() ? 32 : 300;
        int b = o.quick() ? 16 : 256;
        int[] ks = o.quick() ? new int[] {10, 20, 40} : new int[] {50, 100, 200, 400};
        int reps = o.quick() ? 1 : 3;
        FixedPointNetwork net = P1.network(n, Precision.FLOAT, 3);
        Batch batch = P1.randomBatch(b, 4, Precision.FLOAT);
        Table table = new Table("solver iterations", "gradient: allocated (MB)", "gradient: retained (MB)",
                "bptt: allocated (MB)", "bptt: retained (MB)", "bptt / gradient (retained)",
                "bptt's stored states (MB)");
        for (int k : ks) {
            SolverConfig fwd = P1.euler(k);
            Measure grad = median(step(net, batch, fwd, "gradient"), reps);
            Measure bptt = median(step(net, batch, fwd, "bptt"), reps);
            double states = (k + 1.0) * b * n * 4 / 1e6;
            table.row(k, mb(grad.allocated()), mb(grad.retained()), mb(bptt.allocated()), mb(bptt.retained()),
                    Section.ratio((double) bptt.retained() / grad.retained()), Section.f("%.1f", states));
            o.say("memory: %4d iterations: gradient allocated %s MB, retained %s MB; bptt allocated %s MB, retained %s MB",
                    k, mb(grad.allocated()), mb(grad.retained()), mb(bptt.allocated()), mb(bptt.retained()));
        }
        String explanation = Section.f("""
                One step, N = %d, B = %d, float, random network and inputs: the forward solve (Euler, alpha 0.01, \
                exactly the number of iterations shown, as P1 does with 500) and the rule's direction, with a new \
                solver and rule each time so that their workspaces are part of the step. The gradient solves its \
                adjoint (Anderson to 1e-8, in double), whatever the forward iterations; bptt unrolls the same \
                Euler steps and stores every state. Two measures bracket the step's peak heap: 'allocated' is every \
                byte the step allocated on the Java heap (the thread's allocation counter, \
                com.sun.management.ThreadMXBean), an upper bound on how much the heap grew during the step; \
                'retained' is how much more live heap there is after the step, with its solver, rule and result \
                still reachable, than before it (used heap after a full collection, before and after), a lower \
                bound: the workspaces and stored states that must all be live at the end of the step. Median of \
                %d measurements; 1 MB = 10^6 bytes. 'bptt's stored states' is (iterations + 1) B N 4 bytes, what \
                bptt's trajectory takes in float; the ratio is bptt's retained over the gradient's, in the same \
                run. (The gradient rule's own memory does not depend on the iterations.)""", n, b, reps);
        return Section.of(ID, "Memory of a step: gradient against bptt as the iterations grow", o, explanation, table, null);
    }

    private static String mb(long bytes) {
        return Section.f("%.1f", bytes / 1e6);
    }

    /** A fresh step (new solver and rule): the objects it returns hold what the step keeps. */
    private static Supplier<Object> step(FixedPointNetwork net, Batch batch, SolverConfig fwd, String rule) {
        return () -> {
            EquilibriumSolver solver = new EquilibriumSolver(fwd);
            Rule r = Rules.create(rule, P1.ruleSettings(fwd, 0.01));
            Equilibrium eq = solver.solve(net, batch.x());
            RuleResult res = r.compute(net, batch, eq);
            return new Object[] {solver, r, eq, res};
        };
    }

    /** A warm-up step, then the median of {@code reps} measurements of each quantity. */
    static Measure median(Supplier<Object> step, int reps) {
        Reference.reachabilityFence(step.get());
        long[] alloc = new long[reps];
        long[] kept = new long[reps];
        for (int i = 0; i < reps; i++) {
            Measure m = measure(step);
            alloc[i] = m.allocated();
            kept[i] = m.retained();
        }
        Arrays.sort(alloc);
        Arrays.sort(kept);
        return new Measure(alloc[reps / 2], kept[reps / 2]);
    }

    static Measure measure(Supplier<Object> step) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        fullGc();
        long before = usedHeap();
        long a0 = threads.getCurrentThreadAllocatedBytes();
        Object keep = step.get();
        long allocated = threads.getCurrentThreadAllocatedBytes() - a0;
        fullGc();
        long after = usedHeap();
        Reference.reachabilityFence(keep);
        return new Measure(allocated, Math.max(0, after - before));
    }

    private static void fullGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
