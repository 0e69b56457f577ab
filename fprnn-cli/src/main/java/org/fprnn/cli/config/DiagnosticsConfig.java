package org.fprnn.cli.config;

import org.fprnn.config.Keys;
import org.fprnn.diag.DiagnosticSettings;

/**
 * The [diagnostics] table of a classification config: training-time diagnostics of MATH section 5
 * (see {@link org.fprnn.diag.TrainingDiagnostics}), recorded in the step lines of metrics.jsonl and
 * summarized per run. They never change the training trajectory.
 *
 * @param every measure at steps 0, every, 2 every, ... (default 0: off)
 * @param samples samples of the step's training batch on which sigma_min(I - G_i W) is computed
 *     (default 8)
 * @param singularity compute the distance to singularity (default true; false: only the angles)
 * @param exactMaxUnits exact SVD up to this many units, the inverse-iteration estimate above
 *     (default 600)
 * @param denseMaxUnits above this many units the distance to singularity (which needs the dense
 *     N x N operator) is not computed (default 4096)
 */
public record DiagnosticsConfig(Integer every, Integer samples, Boolean singularity, Integer exactMaxUnits,
                                Integer denseMaxUnits) {
    public DiagnosticsConfig {
        every = Keys.intAtLeast("diagnostics.every", every, 0, 0);
        samples = Keys.intAtLeast("diagnostics.samples", samples, DiagnosticSettings.DEFAULT_SAMPLES, 1);
        singularity = singularity == null || singularity;
        exactMaxUnits = Keys.intAtLeast("diagnostics.exact_max_units", exactMaxUnits,
                DiagnosticSettings.DEFAULT_EXACT_MAX_UNITS, 0);
        denseMaxUnits = Keys.intAtLeast("diagnostics.dense_max_units", denseMaxUnits,
                DiagnosticSettings.DEFAULT_DENSE_MAX_UNITS, 1);
    }

    public static DiagnosticsConfig defaults() {
        return new DiagnosticsConfig(null, null, null, null, null);
    }

    public DiagnosticSettings toSettings() {
        return new DiagnosticSettings(every, samples, singularity, exactMaxUnits, denseMaxUnits);
    }
}
