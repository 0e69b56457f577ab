package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.config.Keys;
import org.fprnn.train.LinearTeacherProtocol;

/**
 * The [teacher] table of a P2 config; every key is optional and defaults to the published value.
 */
public record LinearTeacherConfig(Integer units, Integer samples, Double inputScale, Double teacherScale,
                                  Double noise, Double initScale, Integer iterations, Double divergeAbove) {
    /**
     * Most units of the teacher network: P2 keeps several dense N x N matrices in double (8 N^2 bytes
     * each) and solves with them at every step.
     */
    public static final int MAX_UNITS = 10_000;

    /** Most iterations: J and two angles of every step are kept for each run (and written to metrics.jsonl). */
    public static final int MAX_ITERATIONS = 100_000_000;

    /** Most entries of the samples x units inputs and targets: what one Java array holds. */
    static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;

    public LinearTeacherConfig {
        // only the keys given are checked; absent ones take the published values in toSettings
        if (units != null && (units < 1 || units > MAX_UNITS)) {
            throw Keys.bad("teacher.units", units, "it must be a whole number from 1 to " + MAX_UNITS + " (the"
                    + " teacher is dense: several N x N matrices of doubles)");
        }
        if (samples != null) {
            Keys.intAtLeast("teacher.samples", samples, 1, 1);
            int n = or(units, LinearTeacherProtocol.Settings.paper().units());
            if ((long) samples * n > MAX_ENTRIES) {
                throw Keys.bad("teacher.samples", samples, "the inputs and targets hold samples x units = " + samples
                        + " x " + n + " numbers, more than one array holds; give at most " + MAX_ENTRIES / n
                        + " samples for " + n + " units");
            }
        }
        if (iterations != null && (iterations < 1 || iterations > MAX_ITERATIONS)) {
            throw Keys.bad("teacher.iterations", iterations, "it must be a whole number from 1 to " + MAX_ITERATIONS
                    + " (J and the angles of every step are kept for each run)");
        }
        for (var k : new Object[][] {{"teacher.input_scale", inputScale}, {"teacher.teacher_scale", teacherScale},
                {"teacher.noise", noise}, {"teacher.init_scale", initScale}}) {
            if (k[1] != null) {
                Keys.number((String) k[0], (Double) k[1], 0, 0, true);
            }
        }
        if (divergeAbove != null) {
            Keys.number("teacher.diverge_above", divergeAbove, 1, 0, false);
        }
    }

    public LinearTeacherProtocol.Settings toSettings(List<String> rules, List<Double> lrs, long seed, int threads) {
        var p = LinearTeacherProtocol.Settings.paper();
        return new LinearTeacherProtocol.Settings(or(units, p.units()), or(samples, p.samples()),
                or(inputScale, p.inputScale()), or(teacherScale, p.teacherScale()), or(noise, p.noise()),
                or(initScale, p.initScale()), rules.isEmpty() ? p.rules() : rules,
                lrs.isEmpty() ? p.learningRates() : lrs, or(iterations, p.iterations()), seed, threads,
                or(divergeAbove, p.divergeAbove()));
    }

    static <T> T or(T v, T d) {
        return v != null ? v : d;
    }
}
