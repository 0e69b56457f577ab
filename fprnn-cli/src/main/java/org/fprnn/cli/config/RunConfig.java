package org.fprnn.cli.config;

import java.util.ArrayList;
import java.util.List;
import org.fprnn.config.Keys;
import org.fprnn.model.NetworkSpec;
import org.fprnn.model.Nonlinearity;
import org.fprnn.rule.Rules;

/**
 * A protocol config (configs/*.toml): top-level keys name, protocol, seed or seeds, threads,
 * output, description, and one table per part. Protocols:
 * <ul>
 *   <li>"linear_teacher" (P2): tables [teacher] and [sweep] (one list of learning rates);</li>
 *   <li>"classification" (P1, P3): tables [data] (required), [network], [solver], [rule], [train],
 *       [diagnostics] and [sweep] (rules, and learning rates per rule).</li>
 * </ul>
 * Every key has a default or, when it has none (data.name, sweep.rules, sweep.learning_rates), its
 * absence is an error; impossible values are errors that name the key, before any work.
 *
 * @param seed the one seed of every run (default 1); give {@code seeds} instead for several. Once
 *     built: the first of {@code seeds}, whose runs are named without a seed (RULE_lrLR), so that
 *     a folder made with {@code seed = S} is continued by {@code seeds = [S, ...]}
 * @param seeds classification only: run every rule x learning rate once per seed (each seed draws its
 *     own network at start, data order and test batches); not together with {@code seed}
 * @param threads linear_teacher: runs computed at the same time; classification: BLAS threads (runs
 *     are sequential; a resumed run is bitwise identical to an uninterrupted one at the same count)
 */
public record RunConfig(String name, String protocol, Long seed, Integer threads, String output,
                        String description, LinearTeacherConfig teacher, DataConfig data, NetworkSpec network,
                        ForwardSolverConfig solver, RuleConfig rule, TrainConfig train, SweepConfig sweep,
                        DiagnosticsConfig diagnostics, List<Long> seeds) {
    public static final List<String> PROTOCOLS = List.of("linear_teacher", "classification");

    /** The characters a config name may hold (it becomes the folder results/NAME). */
    public static final String NAME_PATTERN = "[A-Za-z0-9._-]+";

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
        if (!name.matches(NAME_PATTERN) || name.equals(".") || name.equals("..")) {
            throw Keys.bad("name", name, "it names the results folder results/<name>, so it may hold only letters,"
                    + " digits, '.', '_' and '-' (no path separators, no spaces) and may not be '.' or '..';"
                    + " to write elsewhere give output = \"PATH\" or --out");
        }
        if (seeds != null) {
            if (seed != null) {
                throw new IllegalArgumentException("give seed = S (one seed) or seeds = [S1, S2, ...] (several), not"
                        + " both (on the command line, --seeds S1,S2 replaces either)");
            }
            if (seeds.isEmpty()) {
                throw Keys.bad("seeds", seeds, "give at least one seed, e.g. seeds = [1, 2, 3]");
            }
            for (int i = 0; i < seeds.size(); i++) {
                if (seeds.get(i) == null || seeds.indexOf(seeds.get(i)) != i) {
                    throw Keys.bad("seeds[" + i + "]", seeds.get(i), "each seed is a whole number and appears once");
                }
            }
            if (protocol.equals("linear_teacher") && seeds.size() > 1) {
                throw Keys.bad("seeds", seeds, "protocol linear_teacher runs one seed: give seed = S");
            }
            seeds = List.copyOf(seeds);
            seed = seeds.getFirst();
        } else {
            seed = seed == null ? 1L : seed;
            seeds = List.of(seed);
        }
        threads = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (threads < 1) {
            throw Keys.bad("threads", threads, "it must be an integer >= 1");
        }
        output = output == null ? "results/" + name : output;
        if (output.startsWith("~")) {
            // No shell reads a config: "~/x" would be a folder named ~ in the working folder.
            throw Keys.bad("output", output, "a config's paths are not expanded as a shell expands ~; give the folder"
                    + " relative to where fprnn runs, or in full");
        }
        if (output.isBlank()) {
            // An empty path is the working folder: results would land beside the user's own files.
            throw Keys.bad("output", output, "give a folder for the results, e.g. output = \"results/" + name
                    + "\" (or leave the key out for that default)");
        }
        description = description == null ? "" : description;
        sweep = sweep == null ? SweepConfig.empty() : sweep;
        List<String> foreign = new ArrayList<>();
        if (protocol.equals("linear_teacher")) {
            for (var t : List.of(new Object[] {"data", data}, new Object[] {"network", network},
                    new Object[] {"solver", solver}, new Object[] {"rule", rule}, new Object[] {"train", train},
                    new Object[] {"diagnostics", diagnostics})) {
                if (t[1] != null) {
                    foreign.add("[" + t[0] + "]");
                }
            }
            if (!foreign.isEmpty()) {
                throw new IllegalArgumentException("protocol linear_teacher does not use " + String.join(", ", foreign)
                        + "; it takes [teacher] and [sweep]");
            }
            teacher = teacher == null ? new LinearTeacherConfig(null, null, null, null, null, null, null, null) : teacher;
        } else {
            if (teacher != null) {
                throw new IllegalArgumentException("protocol classification does not use [teacher]; it takes [data],"
                        + " [network], [solver], [rule], [train], [diagnostics] and [sweep]");
            }
            if (data == null) {
                throw new IllegalArgumentException("the [data] table is missing: protocol classification needs at least"
                        + " [data] name = one of " + DataConfig.NAMES);
            }
            network = network == null ? NetworkSpec.defaults() : network;
            solver = solver == null ? ForwardSolverConfig.defaults() : solver;
            rule = rule == null ? RuleConfig.defaults() : rule;
            train = train == null ? TrainConfig.defaults() : train;
            diagnostics = diagnostics == null ? DiagnosticsConfig.defaults() : diagnostics;
            checkClassification(network, solver, rule, sweep);
        }
    }

    /** The same config with these seeds (and no {@code seed} key), for --seeds. */
    public RunConfig withSeeds(List<Long> list) {
        return new RunConfig(name, protocol, null, threads, output, description, teacher, data, network, solver, rule,
                train, sweep, diagnostics, list);
    }

    /** Prints {@link #keysWithoutEffect()}, a "note: " line each, as fprnn run starts. */
    public void noteKeysWithoutEffect(java.io.PrintWriter err) {
        noteKeysWithoutEffect(err, sweep.rules(), "sweep.rules");
    }

    /**
     * Prints {@link #keysWithoutEffect(List, String)}, a "note: " line each: for a command that trains
     * some of the sweep's rules (fprnn-spark trains one), named {@code rulesName} in the notes.
     */
    public void noteKeysWithoutEffect(java.io.PrintWriter err, List<String> rules, String rulesName) {
        for (String note : keysWithoutEffect(rules, rulesName)) {
            err.println("note: " + note);
        }
    }

    /**
     * Keys set to other than their defaults that the rest of the config leaves without effect (the
     * adjoint's settings with no gradient rule, the diagnostics' with diagnostics off, ...), one line
     * each, for the run to print once as it starts. They are accepted, not refused, and stay in the
     * runs' identities: committed configs set some of them (rule.bptt_steps beside a sweep without
     * bptt), and their results folders must keep matching. Empty for protocol linear_teacher.
     */
    public List<String> keysWithoutEffect() {
        return keysWithoutEffect(sweep.rules(), "sweep.rules");
    }

    /** {@link #keysWithoutEffect()} for a run of {@code rules} only, which the notes call {@code rulesName}. */
    public List<String> keysWithoutEffect(List<String> rules, String rulesName) {
        List<String> notes = new ArrayList<>();
        if (!protocol.equals("classification")) {
            return notes;
        }
        boolean diagnosed = diagnostics.every() > 0;
        // the diagnostics' angle is to the gradient rule's direction, computed with [rule]'s adjoint and gains
        if (!rules.contains("gradient") && !diagnosed) {
            String why = "only the gradient rule (and the diagnostics' angle to it) solves the adjoint, and " + rulesName
                    + " has no gradient and diagnostics.every = 0";
            RuleConfig d = RuleConfig.defaults();
            noteIf(notes, rule.adjointTol() != d.adjointTol().doubleValue(), "rule.adjoint_tol", rule.adjointTol(),
                    why);
            noteIf(notes, rule.adjointMaxIter() != d.adjointMaxIter().intValue(), "rule.adjoint_max_iter",
                    rule.adjointMaxIter(), why);
            noteIf(notes, rule.adjointMemory() != null, "rule.adjoint_memory", rule.adjointMemory(), why);
            noteIf(notes, rule.adjointPreconditioner() != null, "rule.adjoint_preconditioner",
                    rule.adjointPreconditioner(), why);
            noteIf(notes, !rule.gains().equals(d.gains()) && rules.stream().noneMatch(r -> r.startsWith("linearized")),
                    "rule.gains", rule.gains(), "only the gradient and linearized rules (and the diagnostics' angle"
                            + " to the gradient) use the gains, and " + rulesName + " has none of them and diagnostics.every"
                            + " = 0");
        } else if (rule.adjointPreconditioner() != null && network.precision().equals("double")) {
            notes.add(Keys.noEffect("rule.adjoint_preconditioner", rule.adjointPreconditioner(), "it preconditions"
                    + " the adjoint solves of float networks, and network.precision = \"double\""));
        }
        if (rule.bpttSteps() != null && !rules.contains("bptt")) {
            String why = "it sets the bptt rule's own unroll, and " + rulesName + " has no bptt";
            notes.add(Keys.noEffect("rule.bptt_steps", rule.bpttSteps(), why));
            noteIf(notes, rule.bpttAlpha() != RuleConfig.DEFAULT_BPTT_ALPHA, "rule.bptt_alpha", rule.bpttAlpha(), why);
        }
        DiagnosticsConfig dd = DiagnosticsConfig.defaults();
        String offWhy = !diagnosed ? "diagnostics.every = 0 turns the diagnostics off"
                : !diagnostics.singularity() ? "it is a setting of the distance to singularity, which"
                + " diagnostics.singularity = false turns off" : null;
        if (offWhy != null) {
            noteIf(notes, !diagnosed && !diagnostics.singularity(), "diagnostics.singularity", false, offWhy);
            noteIf(notes, diagnostics.samples() != dd.samples().intValue(), "diagnostics.samples",
                    diagnostics.samples(), offWhy);
            noteIf(notes, diagnostics.exactMaxUnits() != dd.exactMaxUnits().intValue(), "diagnostics.exact_max_units",
                    diagnostics.exactMaxUnits(), offWhy);
            noteIf(notes, diagnostics.denseMaxUnits() != dd.denseMaxUnits().intValue(), "diagnostics.dense_max_units",
                    diagnostics.denseMaxUnits(), offWhy);
        }
        noteIf(notes, solver.tol() == 0 && !train.onNonconverged().equals(TrainConfig.defaults().onNonconverged()),
                "train.on_nonconverged", train.onNonconverged(), "with solver.tol = 0 there is no tolerance to miss,"
                        + " and training acts on no solve as not converged");
        if (ForwardSolverConfig.MEAN_GAIN.equals(solver.preconditioner())
                && (network.precision().equals("double") || network.dynamics().equals("current"))) {
            notes.add(Keys.noEffect("solver.preconditioner", solver.preconditioner(), "it preconditions the solves of"
                    + " float networks with rate or discrete dynamics, and network." + (network.precision()
                    .equals("double") ? "precision = \"double\"" : "dynamics = \"current\"")));
        }
        return notes;
    }

    private static void noteIf(List<String> notes, boolean given, String key, Object value, String why) {
        if (given) {
            notes.add(Keys.noEffect(key, value, why));
        }
    }

    /** Checks that span tables: every rule name, and what each rule needs of the network and solver. */
    private static void checkClassification(NetworkSpec network, ForwardSolverConfig solver, RuleConfig rule,
                                            SweepConfig sweep) {
        for (int i = 0; i < sweep.rules().size(); i++) {
            String r = sweep.rules().get(i);
            if (!Rules.NAMES.contains(r)) {
                throw Keys.bad("sweep.rules[" + i + "]", r, "unknown rule; use any of " + Rules.NAMES);
            }
        }
        var perRule = sweep.perRule();
        Nonlinearity f = network.f();
        if (rule.gains().equals("from_rates") && !(f instanceof Nonlinearity.Tanh)) {
            throw new IllegalArgumentException("rule.gains = \"from_rates\" (1 - r^2) needs network.nonlinearity = \"tanh\","
                    + " not \"" + network.nonlinearity() + "\"; use rule.gains = \"derivative\"");
        }
        if (solver.method().equals("direct") && !f.isLinear()) {
            throw new IllegalArgumentException("solver.method = \"direct\" solves linear networks only; with"
                    + " network.nonlinearity = \"" + network.nonlinearity() + "\" use " + org.fprnn.solve.Solvers.ITERATIVE.orList());
        }
        if (perRule.containsKey("bptt") && rule.bpttSteps() == null && !solver.method().equals("euler")
                && !network.dynamics().equals("discrete")) {
            throw new IllegalArgumentException("rule bptt unrolls the euler solver (rate or current dynamics) or the"
                    + " discrete dynamics; with solver.method = \"" + solver.method() + "\" give it its own unroll,"
                    + " rule.bptt_steps = T (and rule.bptt_alpha, default 0.5), or set solver.method = \"euler\"");
        }
        String reparam = perRule.containsKey("reparam") ? network.reparamProblem() : null;
        if (reparam != null) {
            throw new IllegalArgumentException(reparam + ", or drop reparam from sweep.rules");
        }
    }
}
