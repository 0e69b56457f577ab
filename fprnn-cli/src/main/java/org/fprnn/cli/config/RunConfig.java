package org.fprnn.cli.config;

import java.util.List;

/**
 * A protocol config (configs/*.toml): top-level keys name, protocol, seed, threads, output, and one
 * table per part. Protocols: "linear_teacher" (P2).
 */
public record RunConfig(String name, String protocol, Long seed, Integer threads, String output,
                        String description, LinearTeacherConfig teacher, SweepConfig sweep) {
    public static final List<String> PROTOCOLS = List.of("linear_teacher");

    public RunConfig {
        if (protocol == null) {
            throw new IllegalArgumentException("the config must say which protocol it runs: protocol = one of " + PROTOCOLS);
        }
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("unknown protocol '" + protocol + "': use one of " + PROTOCOLS);
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("the config needs a name (used for the results folder)");
        }
        seed = seed == null ? 1L : seed;
        threads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        output = output == null ? "results/" + name : output;
        description = description == null ? "" : description;
        teacher = teacher == null ? new LinearTeacherConfig(null, null, null, null, null, null, null, null) : teacher;
        sweep = sweep == null ? new SweepConfig(null, null) : sweep;
    }
}
