package org.fprnn.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.fprnn.io.BenchmarksFile;
import org.fprnn.linalg.Precision;

/**
 * Benchmarks of fprnn, each against a baseline measured in the same run; results go to the console
 * and into BENCHMARKS.md (one section per benchmark). Usage: scripts/bench.sh [rules|solver|convergence|all] [--quick].
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        boolean quick = List.of(args).contains("--quick");
        Path md = Path.of(System.getProperty("fprnn.benchmarks", "BENCHMARKS.md"));
        String command = "scripts/bench.sh " + String.join(" ", args);
        Precision p = Precision.FLOAT;
        if (what.equals("rules") || what.equals("all")) {
            List<RuleBench.Row> rows = new ArrayList<>();
            int[] ns = quick ? new int[] {100} : new int[] {300};
            int[] bs = quick ? new int[] {64} : new int[] {512};
            for (int n : ns) {
                for (int b : bs) {
                    rows.addAll(RuleBench.run(n, b, p, List.of("linearized", "linearized_alt", "gradient"), quick ? 1 : 3));
                }
            }
            if (!quick) {
                BenchmarksFile.replaceSection(md, "rules", RuleBench.markdown(rows, p, command));
            }
        }
        if (what.equals("solver") || what.equals("all")) {
            List<SolverBench.Row> rows = new ArrayList<>();
            int n = quick ? 100 : 300;
            int b = quick ? 64 : 512;
            for (String s : List.of("euler", "anderson")) {
                rows.add(SolverBench.run(s, n, b, p, quick ? 20 : 200, quick ? 1 : 5));
            }
            if (!quick) {
                BenchmarksFile.replaceSection(md, "solver", SolverBench.markdown(rows, p, command));
            }
        }
        if (what.equals("convergence") || what.equals("all")) {
            int n = quick ? 100 : 300;
            int b = quick ? 64 : 512;
            List<ConvergenceBench.Row> rows = ConvergenceBench.run(n, b, p, quick ? 1 : 3);
            if (!quick) {
                BenchmarksFile.replaceSection(md, "convergence", ConvergenceBench.markdown(rows, n, b, p, command));
            }
        }
        if (!quick) {
            System.out.println("wrote " + md.toAbsolutePath());
        }
    }
}
