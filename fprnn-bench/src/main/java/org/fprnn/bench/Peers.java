package org.fprnn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch peers that the peers and conv benchmarks run: where their scripts are (the folder of
 * --peers-dir, whose default is $FPRNN_PEERS, else ../shared/peers), the Python that runs them, and
 * why they cannot run in a given run.
 */
final class Peers {
    /** Debian's Python, whose python3-torch the peers import. */
    static final String PYTHON = "/usr/bin/python3";

    private Peers() {
    }

    /** The peers' folder of this run, absolute. */
    static Path folder(BenchOptions o) {
        return o.peersDir().toAbsolutePath().normalize();
    }

    /** The peer script {@code name} in the peers' folder (it may not exist; see {@link #whyNot}). */
    static Path script(BenchOptions o, String name) {
        return folder(o).resolve(name);
    }

    /**
     * Why the peers cannot run in this run, or null: synthetic data (they read MNIST themselves), no
     * peers folder, no script {@code name} in it (null: not checked), or a Python without torch.
     */
    static String whyNot(BenchOptions o, String name) {
        if (o.syntheticData()) {
            return "the peers read MNIST itself; this run has --synthetic-data";
        }
        if (!Files.isDirectory(folder(o))) {
            return "no peers folder at " + o.peersDir() + " (give --peers-dir, or set FPRNN_PEERS)";
        }
        if (name != null && !Files.isRegularFile(script(o, name))) {
            return "no " + name + " in " + o.peersDir() + " (give --peers-dir, or set FPRNN_PEERS)";
        }
        return torchMissing();
    }

    /** Why the peers' Python cannot import torch and numpy, or null. */
    static String torchMissing() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " is not there";
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, numpy").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return PYTHON + " did not import torch within 2 minutes";
            }
            return p.exitValue() == 0 ? null : "Debian's python3-torch is not importable by " + PYTHON
                    + " (apt-get install python3-torch python3-numpy): " + lastLine(out);
        } catch (IOException e) {
            return "could not start " + PYTHON + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting " + PYTHON;
        }
    }

    /** The last non-blank line of a process's output. */
    static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}
