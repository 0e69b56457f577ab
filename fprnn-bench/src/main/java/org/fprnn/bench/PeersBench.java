package org.fprnn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Optimizer;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.StepRecord;
import org.fprnn.train.Trainer;
import org.fprnn.train.TrainSettings;

/**
 * The PyTorch peers of ../shared/peers (what an expert PyTorch user would write for the same
 * network) side by side with fprnn's same training step, in the same run: median seconds per step
 * of each, and the ratio. Runs only when Debian's python3-torch is importable by /usr/bin/python3;
 * otherwise the section says why it was skipped. Each comparison is one {@link Peer}: another peer
 * is one more entry in {@link #peers}.
 */
final class PeersBench {
    static final String ID = "peers";
    /** The peers' output line with their median seconds per step. */
    private static final Pattern RESULT = Pattern.compile("RESULT\\s+(\\S+)\\s+median_s_per_step\\s+([0-9.eE+-]+)");

    private PeersBench() {
    }

    /**
     * One comparison: a peer script with its arguments (MNIST's folder is passed first) and fprnn's
     * same work, timed as median seconds per step.
     */
    record Peer(String name, String script, List<String> args, FprnnSide fprnn) {
    }

    /** fprnn's side of a comparison: median seconds per step over {@code steps} steps. */
    interface FprnnSide {
        double medianStepSeconds(BenchData d, int steps, BenchOptions o);
    }

    /** The comparisons, in order. */
    static List<Peer> peers(int steps) {
        String max = Integer.toString(steps);
        return List.of(
                new Peer("P1-converged (anderson to 1e-6, linearized, SGD lr 0.25, batch 512)", "torch_p1_peer.py",
                        List.of("--max-steps", max, "--target", "1.0"), (d, s, o) -> p1Steps(d, P1.converged(), s, o)),
                new Peer("P1 (euler, 500 steps, linearized, SGD lr 0.25, batch 512)", "torch_p1_peer.py",
                        List.of("--euler", "--max-steps", max, "--target", "1.0"),
                        (d, s, o) -> p1Steps(d, P1.euler(P1.EULER_STEPS), s, o)));
    }

    static Section run(BenchOptions o, Supplier<BenchData> data) {
        int steps = o.quick() ? 10 : 30;
        Path dir = Peers.folder(o);
        String skip = Peers.whyNot(o, null);
        BenchData d = null;
        if (skip == null) {
            d = data.get();
            if (d.dir() == null) {
                skip = "MNIST's folder is not known";
            }
        }
        Table table = new Table("work", "PyTorch peer, s / step", "fprnn, s / step", "fprnn's speed-up (peer / fprnn)");
        List<String> notes = new ArrayList<>();
        if (skip != null) {
            o.say("peers: skipped: %s", skip);
            table.row("skipped", "-", "-", "-");
            notes.add("Skipped: " + skip + ".");
        } else {
            for (Peer p : peers(steps)) {
                Path script = dir.resolve(p.script());
                double peer;
                String failed = null;
                try {
                    peer = runPeer(o, script, d.dir(), p.args());
                } catch (IOException | RuntimeException e) {
                    peer = Double.NaN;
                    failed = e.getMessage();
                }
                double mine = p.fprnn().medianStepSeconds(d, steps, o);
                o.say("peers: %-70s peer %s s/step, fprnn %s s/step, ratio %s", p.name(), Section.sec(peer),
                        Section.sec(mine), Section.ratio(peer / mine));
                table.row(p.name(), failed == null ? Section.sec(peer) : "failed", Section.sec(mine),
                        failed == null ? Section.ratio(peer / mine) : "-");
                if (failed != null) {
                    notes.add("The peer for " + p.name() + " failed: " + failed);
                }
            }
        }
        String explanation = Section.f("""
                The PyTorch peers in %s, run with %s (Debian's python3-torch, CPU, torch.set_num_threads(2)) \
                one after the other with fprnn's same work, in this run. Each side trains from its own start \
                (same network sizes and protocol, not the same random draws) on MNIST for %d steps and reports \
                the median wall time of a training step (forward solve, rule, update; evaluations not counted). \
                fprnn runs with its thread count (%d), its measured run after unmeasured runs of as many steps, each \
                on a network of its own, for at least %.0f s (so that Java's compiled code is warm whatever this \
                process ran before). The peers are started with this process's environment: \
                run the command as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE fprnn bench peers` (both \
                unset in the benchmark command only; tests leave them as the environment sets them). Install \
                the peers' Python packages with `apt-get install python3-torch python3-numpy` (not needed \
                otherwise).""", o.peersDir(), java.nio.file.Path.of(Peers.PYTHON).getFileName(), steps,
                org.fprnn.linalg.Blas.get().threads(), WARM_UP_SECONDS);
        return Section.of(ID, "PyTorch peers side by side", o, explanation, List.of(table), List.of(),
                String.join("\n\n", notes));
    }

    /** Runs a peer and returns its median seconds per step (from its RESULT line). */
    static double runPeer(BenchOptions o, Path script, Path mnist, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Peers.PYTHON, script.toString(), mnist.toAbsolutePath().toString()));
        cmd.addAll(args);
        o.say("peers: running %s", String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while waiting for " + script.getFileName());
        }
        Matcher m = RESULT.matcher(out);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException(script.getFileName() + " exited with " + p.exitValue() + " without a RESULT line: "
                    + Peers.lastLine(out));
        }
        return Double.parseDouble(m.group(2));
    }


    /**
     * Seconds of fprnn's unmeasured warm-up runs before its measured one: Java's compiler keeps
     * improving the solvers' loops over a run's first seconds (measured: the median P1-converged step
     * of three 30-step runs one after the other in a fresh process, 42, 29 and 23 ms).
     */
    static final double WARM_UP_SECONDS = 8;

    /**
     * fprnn's P1 step as the peers do it: P1's network from seed 1, the linearized rule at lr 0.25 with
     * gains 1 - r^2, plain SGD, batches of 512 of MNIST's training set; the median of the seconds of
     * the first {@code steps} steps (the trainer's own timing of each step), as the peer's from its
     * start, after unmeasured runs of as many steps, each on a network of its own, for at least
     * {@link #WARM_UP_SECONDS}, so that the compiled code does not depend on what this process ran
     * before.
     */
    static double p1Steps(BenchData d, SolverConfig forward, int steps, BenchOptions o) {
        Timer.repeatFor(() -> p1Run(d, forward, steps), o.quick() ? 0 : WARM_UP_SECONDS);
        double[] seconds = p1Run(d, forward, steps);
        return Timer.median(seconds);
    }

    /** The seconds of each of the first {@code steps} training steps of P1's network at start. */
    private static double[] p1Run(BenchData d, SolverConfig forward, int steps) {
        FixedPointNetwork net = P1.network(P1.UNITS);
        TrainSettings ts = P1.training(EndToEndBench.RULE, EndToEndBench.LR, forward, P1.BATCH, 1);
        Optimizer opt = ts.newOptimizer();
        double[] seconds = new double[steps];
        int[] done = {0};
        // a small test set: the trainer evaluates on it at the end of the run, which is not timed here
        new Trainer(ts, d.train(), d.test().subset(0, Math.min(512, d.test().size()))).run(net, opt, 0, new Trainer.Listener() {
            @Override
            public void onStep(StepRecord s) {
                if (done[0] < seconds.length) {
                    seconds[done[0]++] = s.seconds();
                }
            }

            @Override
            public boolean stopAfter(int stepsDone) {
                return stepsDone >= steps;
            }
        });
        return Arrays.copyOf(seconds, done[0]);
    }
}
