package org.fprnn.diag;

/**
 * When and how the training loop measures the diagnostics of MATH section 5 (see
 * {@link TrainingDiagnostics}). Measuring never changes the training trajectory.
 *
 * @param every measure at steps 0, every, 2 every, ... (0: never)
 * @param samples the distance to singularity is computed on the first this-many samples of the
 *     step's training batch (MATH section 5 says up to 8)
 * @param singularity compute the distance to singularity (false: only the angles)
 * @param exactMaxUnits up to this many units sigma_min(I - G_i W) is an exact SVD; above, the
 *     inverse-iteration estimate ({@link Singularity#estimate})
 * @param denseMaxUnits the distance to singularity needs the dense N x N operator (8 N^2 bytes per
 *     copy, three copies): above this many units it is not computed (NaN)
 */
public record DiagnosticSettings(int every, int samples, boolean singularity, int exactMaxUnits, int denseMaxUnits)
        implements java.io.Serializable {
    public static final int DEFAULT_SAMPLES = 8;
    public static final int DEFAULT_EXACT_MAX_UNITS = Singularity.EXACT_MAX_UNITS;
    public static final int DEFAULT_DENSE_MAX_UNITS = 4096;

    /** No diagnostics. */
    public static final DiagnosticSettings OFF = new DiagnosticSettings(0, DEFAULT_SAMPLES, true,
            DEFAULT_EXACT_MAX_UNITS, DEFAULT_DENSE_MAX_UNITS);

    public DiagnosticSettings {
        if (every < 0 || samples < 1 || exactMaxUnits < 0 || denseMaxUnits < 1) {
            throw new IllegalArgumentException("diagnostics: every >= 0, samples >= 1, exact_max_units >= 0 and"
                    + " dense_max_units >= 1, got " + every + ", " + samples + ", " + exactMaxUnits + ", " + denseMaxUnits);
        }
    }

    /** Every {@code every} steps with the default sample count and limits. */
    public static DiagnosticSettings every(int every) {
        return new DiagnosticSettings(every, DEFAULT_SAMPLES, true, DEFAULT_EXACT_MAX_UNITS, DEFAULT_DENSE_MAX_UNITS);
    }

    public boolean enabled() {
        return every > 0;
    }

    /** True if step (0-based) is measured. */
    public boolean due(int step) {
        return every > 0 && step % every == 0;
    }

    /** How sigma_min is computed for a network of n units: "exact", "estimate" or "none". */
    public String singularityMethod(int n) {
        if (!singularity || n > denseMaxUnits) {
            return "none";
        }
        return n <= exactMaxUnits ? "exact" : "estimate";
    }
}
