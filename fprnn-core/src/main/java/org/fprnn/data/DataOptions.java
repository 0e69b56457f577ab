package org.fprnn.data;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where {@link DataSets} looks for a data set and whether it may download one. Build with
 * {@link #defaults()} and the {@code with...} methods.
 *
 * @param dir           a folder the user named explicitly, searched first and alone; null for none
 * @param env           environment variables (System.getenv() by default; a map in tests)
 * @param dataRoot      the project data folder, holding mnist/, fashion-mnist/, cifar10/; by
 *                      default the system property fprnn.data, else ./data
 * @param systemRoot    the root under which system copies are looked for ("/" by default)
 * @param allowDownload whether a missing data set may be downloaded (into dir when given, else into dataRoot; default false)
 * @param mirrors       base URLs to download from instead of the data set's own mirrors; null for
 *                      the data set's defaults
 * @param log           receives progress messages of downloads
 * @param stallTimeout  a download that receives nothing for this long is abandoned (60 s by
 *                      default)
 */
public record DataOptions(Path dir, Map<String, String> env, Path dataRoot, Path systemRoot,
                          boolean allowDownload, List<URI> mirrors, Consumer<String> log,
                          Duration stallTimeout) {

    /** System property naming the project data folder. */
    public static final String DATA_PROPERTY = "fprnn.data";

    public DataOptions {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(dataRoot, "dataRoot");
        Objects.requireNonNull(systemRoot, "systemRoot");
        Objects.requireNonNull(log, "log");
        if (stallTimeout == null || stallTimeout.isNegative() || stallTimeout.isZero()) {
            throw new IllegalArgumentException("stallTimeout must be positive, got " + stallTimeout);
        }
        env = Map.copyOf(env);
        mirrors = mirrors == null ? null : List.copyOf(mirrors);
    }

    /**
     * No explicit folder, the process environment, the data folder from the system property
     * fprnn.data (else ./data), system copies under /, no download, messages to stderr.
     */
    public static DataOptions defaults() {
        return new DataOptions(null, System.getenv(), Path.of(System.getProperty(DATA_PROPERTY, "data")),
                Path.of("/"), false, null, msg -> System.err.println("fprnn: " + msg), Duration.ofSeconds(60));
    }

    public DataOptions withDir(Path newDir) {
        return new DataOptions(newDir, env, dataRoot, systemRoot, allowDownload, mirrors, log, stallTimeout);
    }

    public DataOptions withEnv(Map<String, String> newEnv) {
        return new DataOptions(dir, newEnv, dataRoot, systemRoot, allowDownload, mirrors, log, stallTimeout);
    }

    public DataOptions withDataRoot(Path newRoot) {
        return new DataOptions(dir, env, newRoot, systemRoot, allowDownload, mirrors, log, stallTimeout);
    }

    public DataOptions withSystemRoot(Path newRoot) {
        return new DataOptions(dir, env, dataRoot, newRoot, allowDownload, mirrors, log, stallTimeout);
    }

    public DataOptions withDownload(boolean allow) {
        return new DataOptions(dir, env, dataRoot, systemRoot, allow, mirrors, log, stallTimeout);
    }

    public DataOptions withMirrors(List<URI> newMirrors) {
        return new DataOptions(dir, env, dataRoot, systemRoot, allowDownload, newMirrors, log, stallTimeout);
    }

    public DataOptions withLog(Consumer<String> newLog) {
        return new DataOptions(dir, env, dataRoot, systemRoot, allowDownload, mirrors, newLog, stallTimeout);
    }

    public DataOptions withStallTimeout(Duration timeout) {
        return new DataOptions(dir, env, dataRoot, systemRoot, allowDownload, mirrors, log, timeout);
    }
}
