package org.fprnn.cli.report;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.cli.VersionInfo;
import org.fprnn.linalg.Blas;
import org.fprnn.linalg.PackedProduct;

/** What a results folder records about how it was made: version, commit, BLAS, threads, solver products, Java, machine. */
public final class RunInfo {
    private RunInfo() {
    }

    public static Map<String, Object> collect(String command, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fprnn_version", VersionInfo.VERSION);
        m.put("git_commit", gitCommit());
        m.put("command", command);
        m.put("seed", seed);
        m.put("blas", Blas.get().name());
        m.put("blas_threads", Blas.get().threads());
        m.put("solver_products", PackedProduct.solverProducts());
        m.put("java", System.getProperty("java.version") + " " + System.getProperty("java.vm.name"));
        m.put("machine", machine());
        m.put("started", Instant.now().toString());
        return m;
    }

    /** OS, CPU model, core count and memory. */
    public static String machine() {
        return org.fprnn.diag.Environment.machine();
    }

    /**
     * The commit the running fprnn was built from (setup.sh records it in the jar, with "-dirty" if its
     * sources differed from it), else the working directory's commit, with "-dirty" if it has changes.
     */
    public static String gitCommit() {
        String built = builtFrom();
        return built != null ? built : workingCommit();
    }

    /** The commit recorded in the jar by the build (-Dfprnn.commit), or null if none was. */
    static String builtFrom() {
        try (var in = RunInfo.class.getResourceAsStream("/org/fprnn/cli/build.properties")) {
            return in == null ? null : commitIn(in);
        } catch (IOException e) {
            return null;
        }
    }

    /** The commit of a build.properties, or null if the build was given none (empty, or unfiltered). */
    static String commitIn(java.io.InputStream properties) throws IOException {
        var p = new java.util.Properties();
        p.load(properties);
        String c = p.getProperty("commit", "").trim();
        return c.length() < 7 || c.startsWith("${") ? null : c;
    }

    private static String workingCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0 || out.length() < 7) {
                return "unknown";
            }
            Process d = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            String dirty = new String(d.getInputStream().readAllBytes()).trim();
            d.waitFor();
            return dirty.isEmpty() ? out : out + "-dirty";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
