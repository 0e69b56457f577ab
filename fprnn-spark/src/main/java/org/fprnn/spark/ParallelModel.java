package org.fprnn.spark;

/**
 * The cost model of one synchronous data-parallel step on M machines:
 *
 * <pre>  t(M) = t_c / M + t_job + M b (k + 1 / BW)</pre>
 *
 * t_c the step's compute on one machine, t_job Spark's fixed cost of a step (scheduling a job, a
 * broadcast, collecting results), b the bytes one machine's share of a step moves (the broadcast it
 * receives plus the shard sums it sends back; about 2 x the trained parameters' bytes), k the cost per
 * byte of moving them on the machine that measured it (serialization, copies: the loopback's share),
 * and BW the bandwidth of the network that a real cluster adds. Every byte is charged to the driver,
 * which sends every broadcast and receives every result, so the traffic grows with M.
 *
 * @param jobSeconds t_job, fitted from jobs that move bytes but compute nothing
 * @param secondsPerByte k, fitted from the same jobs
 */
record ParallelModel(double jobSeconds, double secondsPerByte) {

    /**
     * The least-squares line seconds = t_job + k bytes through measured (bytes, seconds) points.
     *
     * @throws IllegalArgumentException with fewer than two distinct byte counts
     */
    static ParallelModel fit(double[] bytes, double[] seconds) {
        if (bytes.length != seconds.length) {
            throw new IllegalArgumentException(bytes.length + " byte counts but " + seconds.length + " times");
        }
        int n = bytes.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += bytes[i] / n;
            my += seconds[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (bytes[i] - mx) * (bytes[i] - mx);
            sxy += (bytes[i] - mx) * (seconds[i] - my);
        }
        if (n < 2 || sxx == 0) {
            throw new IllegalArgumentException("fitting t_job and the cost per byte needs at least two different"
                    + " byte counts");
        }
        double k = sxy / sxx;
        return new ParallelModel(my - k * mx, k);
    }

    /** The time of a step of {@code bytes} of traffic on the machine the model was fitted on: t_job + k bytes. */
    double overheadSeconds(double bytes) {
        return jobSeconds + secondsPerByte * bytes;
    }

    /**
     * t(M) = t_c / M + t_job + M b (k + 1 / BW).
     *
     * @param compute t_c, seconds of the step on one machine
     * @param machines M
     * @param bytesPerMachine b, bytes per machine per step (broadcast received plus sums sent)
     * @param bandwidth BW in bytes per second; {@link Double#POSITIVE_INFINITY} for none beyond k
     */
    double stepSeconds(double compute, int machines, double bytesPerMachine, double bandwidth) {
        return compute / machines + jobSeconds + machines * bytesPerMachine * (secondsPerByte + 1 / bandwidth);
    }

    /** t_c / t(M): how many times faster M machines take a step than one machine alone. */
    double speedUp(double compute, int machines, double bytesPerMachine, double bandwidth) {
        return compute / stepSeconds(compute, machines, bytesPerMachine, bandwidth);
    }

    /**
     * The compute per step above which M machines beat one: t_c (1 - 1/M) = t_job + M b (k + 1/BW).
     * Compute grows linearly with the batch, so the break-even batch is B t_c* / t_c(B).
     */
    double breakEvenCompute(int machines, double bytesPerMachine, double bandwidth) {
        if (machines < 2) {
            throw new IllegalArgumentException("break-even needs M >= 2 machines, got " + machines);
        }
        return (jobSeconds + machines * bytesPerMachine * (secondsPerByte + 1 / bandwidth)) / (1 - 1.0 / machines);
    }

    /**
     * For networks whose compute and traffic both grow as the same power of their size (dense: N^2 at
     * a fixed batch), t_c = a s and b = beta s: the smallest s with a s (1 - 1/M) > t_job + M beta s
     * (k + 1/BW), or {@link Double#POSITIVE_INFINITY} if traffic grows at least as fast as the compute
     * saved (M machines never pay).
     *
     * @param computePerSize a, seconds per unit of size
     * @param bytesPerSize beta, bytes per machine per unit of size
     */
    double breakEvenSize(int machines, double computePerSize, double bytesPerSize, double bandwidth) {
        double margin = computePerSize * (1 - 1.0 / machines)
                - machines * bytesPerSize * (secondsPerByte + 1 / bandwidth);
        return margin <= 0 ? Double.POSITIVE_INFINITY : Math.max(jobSeconds, 0) / margin;
    }
}
