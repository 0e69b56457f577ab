package org.fprnn.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Markdown section of {@link SparkBench}: every sentence and number generated from the runs'
 * measurements and the {@link ParallelModel} fitted to them.
 */
final class SparkBenchReport {
    private final SparkBench bench;
    private final List<SparkBench.Case> cases;
    private final Map<SparkBench.Case, SparkBench.Single> singles;
    private final List<SparkBench.Master> masters;
    private final int threads;
    private final String singleBlas;
    private final List<String> l = new ArrayList<>();

    SparkBenchReport(SparkBench bench, List<SparkBench.Case> cases, Map<SparkBench.Case, SparkBench.Single> singles,
                     List<SparkBench.Master> masters, int threads, String singleBlas) {
        this.bench = bench;
        this.cases = cases;
        this.singles = singles;
        this.masters = masters;
        this.threads = threads;
        this.singleBlas = singleBlas;
    }

    private void add(String format, Object... args) {
        l.add(String.format(Locale.ROOT, format, args));
    }

    String markdown() {
        int parts = bench.partitions;
        add("## Spark: single process, local mode and a standalone cluster per synchronous step");
        add("");
        add("Written by `%s` on %s; %s.", bench.commandLine(), SparkBench.today(), SparkBench.environment());
        add("");
        add("Every run of a network takes the same global batches from the same weights for %d steps; the first %d"
                        + " are left out. Single process: after %s s of unmeasured training of the network in the same"
                        + " process (Java's compiler at work), %s, %s t_c, a step's compute on one core. The"
                        + " executors of Spark get only the left-out steps: a standalone executor is a fresh JVM,"
                        + " whose compiler is still at work in the first seconds, which counts against Spark. Spark: %d"
                        + " partitions, one task of 1 BLAS thread each, the trained weights broadcast every step and the"
                        + " partitions' shard sums added with treeAggregate; %s.",
                bench.steps + bench.warmup, bench.warmup, SparkBench.seconds(bench.jitSeconds), singleBlas,
                threads == 1 ? "whose time is" : "and again with 1 BLAS thread, whose time is", parts,
                masters.stream().map(m -> m.label().equals("standalone") ? "the standalone cluster of"
                        + " scripts/spark-cluster.sh is a master and " + m.executors() + " workers of 1 core each on"
                        + " 127.0.0.1, every executor a JVM of its own" : m.label() + " is one JVM with "
                        + m.executors() + " executor").collect(Collectors.joining("; ")));
        add("");
        for (SparkBench.Case c : cases) {
            var s = c.settings();
            add("- **%s** (`%s`, rule %s at learning rate %s, the middle of the config's sweep): %s; P = %,d"
                            + " trained values; %s, %,d training samples, B = %d, %s solver (tol %s, at most %d"
                            + " iterations), %s, %s precision.", c.name(), c.config().toString().replace('\\', '/'),
                    s.rule(), c.lr(), c.networkText(), c.trainedValues(), c.train().name(), c.train().size(),
                    s.batchSize(), s.forward().method(), s.forward().tol(), s.forward().maxIter(), s.optimizer(),
                    c.network().spec().precision());
        }
        add("");
        times();
        bytes();
        fit();
        check();
        predictions();
        return String.join("\n", l);
    }

    private void times() {
        add("### Time per step");
        add("");
        add("| network | run | steps timed | median s / step | mean s / step | median against single process"
                + " (all cores) | largest rel. weight difference to single process |");
        add("|---|---|---|---|---|---|---|");
        for (SparkBench.Case c : cases) {
            SparkBench.Single s = singles.get(c);
            add("| %s | single process, %d BLAS thread%s | %d | %.4f | %.4f | | |", c.name(), threads,
                    threads == 1 ? "" : "s", s.allCores().steps(), s.allCores().median(), s.allCores().mean());
            if (threads > 1) {
                add("| %s | single process, 1 BLAS thread (t_c) | %d | %.4f | %.4f | %.2fx | |", c.name(),
                        s.oneCore().steps(), s.oneCore().median(), s.oneCore().mean(),
                        s.oneCore().median() / s.allCores().median());
            }
            for (SparkBench.Master m : masters) {
                SparkBench.SparkRun r = runOf(m, c);
                add("| %s | Spark %s, %d partitions | %d | %.4f | %.4f | %.2fx | %.1e%s |", c.name(), m.label(),
                        bench.partitions, r.timing().steps(), r.timing().median(), r.timing().mean(),
                        r.timing().median() / s.allCores().median(), r.diff(), r.stepsDone() == s.stepsDone() ? ""
                                : " (" + r.stepsDone() + " vs " + s.stepsDone() + " steps)");
            }
        }
        add("");
        add("Once per run: starting the Spark context %s; shipping the training set to the executors %s.",
                masters.stream().map(m -> String.format(Locale.ROOT, "%.2f s (%s)", m.contextSeconds(), m.label()))
                        .collect(Collectors.joining(", ")),
                masters.stream().flatMap(m -> m.runs().stream().map(r -> String.format(Locale.ROOT, "%.2f s (%s, %s)",
                        r.shipSeconds(), r.bench().name(), m.label()))).collect(Collectors.joining(", ")));
        add("");
    }

    private void bytes() {
        add("### Bytes per step");
        add("");
        StringBuilder head = new StringBuilder("| network | trained values P | 8 P bytes | broadcast, Java-serialized |"
                + " broadcast, Spark's stored pieces (compressed) | sums of all partitions, Java-serialized |");
        StringBuilder rule = new StringBuilder("|---|---|---|---|---|---|");
        for (SparkBench.Master m : masters) {
            head.append(" task results per step, Spark's metrics (").append(m.label()).append(") |");
            rule.append("---|");
        }
        head.append(" traffic in the model: ").append(bench.partitions).append(" x broadcast + sums |");
        rule.append("---|");
        add(head.toString());
        add(rule.toString());
        SparkBench.Master first = masters.getFirst();
        double worst = 0;
        double leastStored = Double.POSITIVE_INFINITY;
        double mostStored = 0;
        for (SparkBench.Case c : cases) {
            SparkBench.SparkRun r = runOf(first, c);
            leastStored = Math.min(leastStored, r.broadcastSpark() / (double) r.broadcastJava());
            mostStored = Math.max(mostStored, r.broadcastSpark() / (double) r.broadcastJava());
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d |",
                    c.name(), c.trainedValues(), 8 * c.trainedValues(), r.broadcastJava(), r.broadcastSpark(),
                    r.aggregatedJava()));
            for (SparkBench.Master m : masters) {
                SparkBench.SparkRun mr = runOf(m, c);
                row.append(String.format(Locale.ROOT, " %,.0f |", mr.resultsSpark()));
                worst = Math.max(worst, Math.abs(mr.resultsSpark() / mr.aggregatedJava() - 1));
            }
            row.append(String.format(Locale.ROOT, " %,d |", r.traffic(bench.partitions)));
            add(row.toString());
        }
        add("");
        add("fprnn-spark sends every value as a double, so a step's broadcast holds the 8 P bytes of the trained"
                + " weights (and the batch's row numbers) and every partition returns 8 P bytes of sums. Spark's own"
                + " count of the task results (resultSize of every task, plus shuffle bytes, per job) is within %.1f%%"
                + " of the Java-serialized sums computed here. The broadcast an executor fetches is Spark's stored,"
                + " compressed pieces: %.0f%% to %.0f%% of the Java-serialized broadcast. The model below counts the"
                + " Java-serialized bytes, as its fit does.", 100 * worst, 100 * leastStored, 100 * mostStored);
        add("");
    }

    private void fit() {
        add("### The cost model, fitted");
        add("");
        add("A synchronous step on M machines takes t(M) = t_c / M + t_job + M b (k + 1 / BW): t_c the step's"
                + " compute on one machine, t_job Spark's fixed cost per step, b the bytes one machine's share moves"
                + " (the broadcast it receives and the sums it returns, about 2 x 8 P), k the cost per byte on the"
                + " machine measured (serialization, copies), and BW the bandwidth a real network adds; every byte"
                + " passes the driver, so traffic grows with M. t_job and k are fitted by least squares to jobs that"
                + " compute nothing: a broadcast of n random doubles, and from each of the %d tasks an array of n"
                + " doubles added up with treeAggregate (median of %d jobs per size, the sizes taken in turn).",
                bench.partitions, bench.probeReps);
        add("");
        add("| master | doubles n | traffic bytes | median s / job | fitted s / job |");
        add("|---|---|---|---|---|");
        for (SparkBench.Master m : masters) {
            for (SparkTraffic.Probe p : m.probes()) {
                add("| %s | %,d | %,d | %.4f | %.4f |", m.label(), p.values(), p.bytes(), p.seconds(),
                        m.model().overheadSeconds(p.bytes()));
            }
        }
        add("");
        for (SparkBench.Master m : masters) {
            double worst = m.probes().stream().mapToDouble(p -> Math.abs(p.seconds() - m.model()
                    .overheadSeconds(p.bytes()))).max().orElse(Double.NaN);
            add("- %s: t_job = %.1f ms, k = %.2f ns per byte (%.0f MB/s); the line misses the probes by at most"
                            + " %.1f ms.", m.label(), 1e3 * m.model().jobSeconds(), 1e9 * m.model().secondsPerByte(),
                    1e-6 / m.model().secondsPerByte(), 1e3 * worst);
        }
        add("");
    }

    private void check() {
        int parts = bench.partitions;
        add("### The model against the measured steps");
        add("");
        add("On this machine M = %d one-core tasks: predicted t = t_c / %d + t_job + k x traffic, with t_c from the"
                + " 1-thread single process and t_job, k from the fit above (BW plays no part on the loopback).", parts,
                parts);
        add("");
        add("| network | run | t_c / %d (s) | t_job + k x traffic (s) | predicted s / step | measured median s / step"
                + " | measured / predicted |", parts);
        add("|---|---|---|---|---|---|---|");
        List<Double> errors = new ArrayList<>();
        for (SparkBench.Master m : masters) {
            for (SparkBench.Case c : cases) {
                SparkBench.SparkRun r = runOf(m, c);
                double compute = singles.get(c).computeOneCore() / parts;
                double overhead = m.model().overheadSeconds(r.traffic(parts));
                double ratio = r.timing().median() / (compute + overhead);
                errors.add(Math.abs(ratio - 1));
                add("| %s | Spark %s | %.4f | %.4f | %.4f | %.4f | %.2f |", c.name(), m.label(), compute, overhead,
                        compute + overhead, r.timing().median(), ratio);
            }
        }
        double[] e = errors.stream().mapToDouble(Double::doubleValue).toArray();
        add("");
        add("The model reproduces the %d measured Spark step times within %.0f%% (largest |measured / predicted - 1|;"
                + " median %.0f%%).", e.length, 100 * Arrays.stream(e).max().orElse(Double.NaN),
                100 * SparkTraffic.median(e));
        add("");
    }

    /** A network of the predictions: trained values, bytes per machine per step, one core's compute, batch. */
    private record Sized(String name, long trainedValues, double bytesPerMachine, double compute, int batch,
                         String origin) {
    }

    private void predictions() {
        SparkBench.Master ref = masters.getLast();
        ParallelModel model = ref.model();
        double bw = bench.bandwidth;
        int parts = bench.partitions;
        List<Sized> nets = new ArrayList<>();
        SparkBench.Case denseCase = null;
        for (SparkBench.Case c : cases) {
            SparkBench.SparkRun r = runOf(ref, c);
            nets.add(new Sized(c.name(), c.trainedValues(), r.traffic(parts) / (double) parts,
                    singles.get(c).computeOneCore(), c.settings().batchSize(), "measured"));
            if (denseCase == null && c.dense()) {
                denseCase = c;
            }
        }
        Sized base = null;
        if (denseCase != null) {
            base = nets.get(cases.indexOf(denseCase));
            for (int n : SparkBench.DENSE_WIDTHS) {
                double scale = (n / (double) denseCase.units()) * (n / (double) denseCase.units());
                nets.add(new Sized("dense N = " + n, Math.round(base.trainedValues() * scale),
                        base.bytesPerMachine() * scale, base.compute() * scale, base.batch(),
                        "scaled from " + denseCase.name()));
            }
        }
        add("### When data parallelism pays");
        add("");
        add("Predicted for M machines of one core each (each like one executor here, t_c as measured with one BLAS"
                        + " thread), with the %s fit (t_job = %.1f ms, k = %.2f ns per byte) and a network of %.3g"
                        + " bytes per second (%.3g Gbit/s). Speed-up = t_c / t(M); the break-even batch is the global"
                        + " batch from which M machines beat one (compute grows linearly with the batch, traffic does"
                        + " not).%s", ref.label(), 1e3 * model.jobSeconds(), 1e9 * model.secondsPerByte(), bw,
                8 * bw / 1e9, denseCase == null ? "" : String.format(Locale.ROOT, " Dense N = %s: scaled from %s"
                        + " (N = %d) as N^2, both the compute (an iteration of the solve costs B N^2, taken at the"
                        + " same iterations per solve) and the bytes (P = N^2 trained values).", Arrays.stream(
                        SparkBench.DENSE_WIDTHS).mapToObj(Integer::toString).collect(Collectors.joining(", ")),
                        denseCase.name(), denseCase.units()));
        add("");
        StringBuilder head = new StringBuilder("| network | P | bytes per machine per step | t_c one core (s) | B |");
        StringBuilder rule = new StringBuilder("|---|---|---|---|---|");
        for (int m : SparkBench.MACHINES) {
            head.append(" speed-up M = ").append(m).append(" |");
            rule.append("---|");
        }
        for (int m : SparkBench.MACHINES) {
            head.append(" break-even batch M = ").append(m).append(" |");
            rule.append("---|");
        }
        add(head.toString());
        add(rule.toString());
        for (Sized n : nets) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s (%s) | %,d | %,.0f | %.3f | %d |",
                    n.name(), n.origin(), n.trainedValues(), n.bytesPerMachine(), n.compute(), n.batch()));
            for (int m : SparkBench.MACHINES) {
                row.append(String.format(Locale.ROOT, " %.2f |",
                        model.speedUp(n.compute(), m, n.bytesPerMachine(), bw)));
            }
            for (int m : SparkBench.MACHINES) {
                double b = n.batch() * model.breakEvenCompute(m, n.bytesPerMachine(), bw) / n.compute();
                row.append(String.format(Locale.ROOT, " %,d |", (long) Math.ceil(b)));
            }
            add(row.toString());
        }
        add("");
        if (base != null) {
            double u = denseCase.units();
            List<String> widths = new ArrayList<>();
            List<String> never = new ArrayList<>();
            for (int m : SparkBench.MACHINES) {
                double s = model.breakEvenSize(m, base.compute() / (u * u), base.bytesPerMachine() / (u * u), bw);
                if (Double.isInfinite(s)) {
                    never.add(Integer.toString(m));
                } else {
                    widths.add(String.format(Locale.ROOT, "M = %d from N = %d", m, (long) Math.ceil(Math.sqrt(s))));
                }
            }
            add("Dense networks like %s's (B = %d), whose compute and traffic both grow as N^2: %s%s. Speed-ups"
                    + " below 1 mean that data parallelism loses at that size.", denseCase.name(), base.batch(),
                    widths.isEmpty() ? "" : "data parallelism pays on " + String.join(", ", widths),
                    never.isEmpty() ? "" : (widths.isEmpty() ? "" : "; ") + "on M = " + String.join(", ", never)
                            + " it never pays at this overhead and bandwidth (the traffic grows as fast as the compute"
                            + " it saves)");
        } else {
            add("Speed-ups below 1 mean that data parallelism loses at that size.");
        }
    }

    private static SparkBench.SparkRun runOf(SparkBench.Master m, SparkBench.Case c) {
        return m.runs().stream().filter(r -> r.bench() == c).findFirst().orElseThrow();
    }
}
