package org.fprnn.cli.config;

import java.util.List;
import org.fprnn.train.LinearTeacherProtocol;

/**
 * The [teacher] table of a P2 config; every key is optional and defaults to the published value.
 */
public record LinearTeacherConfig(Integer units, Integer samples, Double inputScale, Double teacherScale,
                                  Double noise, Double initScale, Integer iterations, Double divergeAbove) {
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
