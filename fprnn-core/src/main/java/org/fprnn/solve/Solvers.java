package org.fprnn.solve;

/** The solver registry: one entry point, solvers looked up by name (torchdeq-style). */
public final class Solvers {
    private Solvers() {
    }

    /** A new solver for the given settings (each holds its own workspace; not thread-safe). */
    public static Solver create(SolverConfig c) {
        return switch (c.method()) {
            case "euler", "picard" -> new EulerSolver(c);
            case "anderson" -> new AndersonSolver(c);
            case "newton", "direct" -> new NewtonSolver(c);
            case "broyden" -> new BroydenSolver(c);
            default -> throw new IllegalArgumentException("unknown solver " + c.method());
        };
    }
}
