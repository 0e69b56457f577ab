package org.fprnn.solve;

import org.fprnn.NameList;

/** The solver registry: one entry point, solvers looked up by name (torchdeq-style). */
public final class Solvers {
    /** Every solver name: the iterative ones and direct (one Newton step, for linear networks). */
    public static final class Known extends NameList {
        public Known() {
            super("euler", "picard", "anderson", "newton", "broyden", "direct");
        }
    }

    /** The solvers that iterate on any network (all but direct). */
    public static final class Iterative extends NameList {
        public Iterative() {
            super("euler", "picard", "anderson", "newton", "broyden");
        }
    }

    /** Every registered name. */
    public static final NameList NAMES = new Known();

    /** The names of {@link Iterative}. */
    public static final NameList ITERATIVE = new Iterative();

    private Solvers() {
    }

    /** A new solver for the given settings (each holds its own workspace; not thread-safe). */
    public static Solver create(SolverConfig c) {
        if (SolverConfig.usesChunks(c.method()) && c.chunkRows() != SolverConfig.WHOLE_BATCH) {
            return new ChunkedSolver(c); // solves the batch in chunks, each by a solver made here
        }
        return switch (c.method()) {
            case "euler", "picard" -> new EulerSolver(c);
            case "anderson" -> new AndersonSolver(c);
            case "newton", "direct" -> new NewtonSolver(c);
            case "broyden" -> new BroydenSolver(c);
            default -> throw new IllegalArgumentException(NAMES.unknown("solver", c.method()));
        };
    }
}
