package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts the fprnn command line as a real process (its own JVM), its output in log files. */
final class Processes {
    private Processes() {
    }

    /** Starts fprnn with args; stdout and stderr go to logs/NAME.out and logs/NAME.err. */
    static Process start(Path logs, String name, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "org.fprnn.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("FPRNN_THREADS", "1");
        Files.createDirectories(logs);
        pb.redirectOutput(logs.resolve(name + ".out").toFile());
        pb.redirectError(logs.resolve(name + ".err").toFile());
        return pb.start();
    }

    static String out(Path logs, String name) throws IOException {
        return Files.readString(logs.resolve(name + ".out"));
    }

    static String err(Path logs, String name) throws IOException {
        return Files.readString(logs.resolve(name + ".err"));
    }

    static String log(Path logs, String name) {
        try {
            return out(logs, name) + err(logs, name);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
