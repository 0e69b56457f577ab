package org.fprnn.bench;

import org.fprnn.io.BenchmarksFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The benchmarks of fprnn, each against a baseline measured in the same run; the entry point of
 * {@code fprnn bench} (and so of scripts/bench.sh). Each prints a table and, when an output file is
 * given, replaces its own section of BENCHMARKS.md, naming the command and the machine.
 */
public final class Benchmarks {
    /** The benchmarks, in the order "all" runs them. */
    public static final List<String> NAMES =
            List.of("rules", "solver", "convergence", "end-to-end", "warm", "warm-reach", "scaling", "memory", "threads", "blas", "parts",
                    "peers", "conv", "chunks", "adjoint");

    /** The benchmarks that read MNIST (from --data-dir or fprnn's usual places), in {@link #NAMES} order. */
    public static final List<String> READ_MNIST = List.of(SolverBench.ID, EndToEndBench.ID, WarmBench.ID,
            WarmReachBench.ID, PeersBench.ID, ConvBench.ID, AdjointBench.ID);

    private Benchmarks() {
    }

    /**
     * The benchmarks to run for the names given ("all" for every one), in {@link #NAMES} order.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static List<String> select(List<String> names) {
        Set<String> want = new LinkedHashSet<>();
        for (String raw : names.isEmpty() ? List.of("all") : names) {
            String n = raw.toLowerCase(Locale.ROOT);
            if (n.equals("all")) {
                want.addAll(NAMES);
            } else if (NAMES.contains(n)) {
                want.add(n);
            } else {
                throw new IllegalArgumentException("unknown benchmark '" + raw + "': use " + String.join(", ", NAMES)
                        + " or all");
            }
        }
        return NAMES.stream().filter(want::contains).toList();
    }

    /** Runs the benchmarks named (see {@link #select}), printing each table and writing each section. */
    public static List<Section> run(List<String> names, BenchOptions o) throws IOException {
        List<String> which = select(names);
        Supplier<BenchData> data = new Supplier<>() {
            private BenchData loaded;

            @Override
            public BenchData get() {
                if (loaded == null) {
                    try {
                        loaded = BenchData.load(o);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    o.say("data: %s", loaded.description());
                }
                return loaded;
            }
        };
        // The peers benchmark reads MNIST only when its PyTorch peers can run (else it is skipped with a reason).
        if (which.stream().anyMatch(b -> READ_MNIST.contains(b) && !b.equals(PeersBench.ID))) {
            BenchData.locate(o);
        }
        List<Section> done = new ArrayList<>();
        for (String name : which) {
            long t0 = System.nanoTime();
            o.say("%s: running%s", name, o.quick() ? " (--quick)" : "");
            Section s;
            try {
                s = switch (name) {
                    case RuleBench.ID -> RuleBench.run(o);
                    case SolverBench.ID -> SolverBench.run(o, data);
                    case ConvergenceBench.ID -> ConvergenceBench.run(o);
                    case EndToEndBench.ID -> EndToEndBench.run(o, data);
                    case WarmBench.ID -> WarmBench.run(o, data);
                    case WarmReachBench.ID -> WarmReachBench.run(o, data);
                    case ScalingBench.ID -> ScalingBench.run(o);
                    case MemoryBench.ID -> MemoryBench.run(o);
                    case ThreadsBench.ID -> ThreadsBench.run(o);
                    case BlasBench.ID -> BlasBench.run(o);
                    case PartsBench.ID -> PartsBench.run(o);
                    case PeersBench.ID -> PeersBench.run(o, data);
                    case ConvBench.ID -> ConvBench.run(o);
                    case ChunksBench.ID -> ChunksBench.run(o);
                    case AdjointBench.ID -> AdjointBench.run(o, data);
                    default -> throw new IllegalStateException(name);
                };
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            o.log().println();
            o.log().print(s.console());
            if (o.out() != null) {
                BenchmarksFile.replaceSection(o.out(), s.id(), s.markdown());
                o.say("%s: wrote its section of %s (%.0f s)", name, o.out(), (System.nanoTime() - t0) / 1e9);
            } else {
                o.say("%s: done in %.0f s (printed only: give --out to write BENCHMARKS.md)", name,
                        (System.nanoTime() - t0) / 1e9);
            }
            o.log().println();
            done.add(s);
        }
        return done;
    }
}
