package org.fprnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.FormatException;

/**
 * The registry of data sets ("mnist", "fashion-mnist", "cifar10") and the one place that decides
 * where a data set is read from. For a data set NAME and a split, the folders tried in order are:
 *
 * <ol>
 *   <li>the folder the user gave ({@link DataOptions#dir()}); if given, it alone is used, and a
 *       folder without the data is an error;</li>
 *   <li>the data set's environment variable (FPRNN_MNIST_DIR, FPRNN_FASHION_MNIST_DIR,
 *       FPRNN_CIFAR10_DIR); if set, it too is the only folder used for both splits, and a folder
 *       without the split's files is an error naming the variable, or with
 *       {@link DataOptions#allowDownload()} the place the data set is downloaded to (falling through
 *       to the next places would read one split from the user's folder and the other from elsewhere,
 *       or ignore a mistyped path without a word);</li>
 *   <li>$FPRNN_DATA/NAME;</li>
 *   <li>the project data folder: DATA/NAME, where DATA is the system property fprnn.data or
 *       ./data;</li>
 *   <li>system copies (Debian's dataset-fashion-mnist in /usr/share/datasets/fashion-mnist);</li>
 *   <li>if {@link DataOptions#allowDownload()}, a download from the data set's mirrors into the
 *       project data folder, validated before it is moved into place.</li>
 * </ol>
 *
 * <p>The first folder that holds the split's files is read, and its content validated (exact
 * sizes and label counts); a broken copy is an error, not a reason to look further. If no folder
 * holds the files, a {@link DataNotFoundException} lists every place looked in, the files wanted,
 * and how to install them.
 */
public final class DataSets {
    private DataSets() {
    }

    /** Environment variable naming a root folder with one subfolder per data set. */
    public static final String ROOT_ENV = "FPRNN_DATA";
    /** Environment variable naming fprnn's folder (the launcher sets it), whose data/ setup.sh fills. */
    public static final String HOME_ENV = "FPRNN_HOME";

    private static final List<DataSource> ALL =
            List.of(Mnist.SOURCE, FashionMnist.SOURCE, Cifar10.SOURCE);

    /** Every known data set. */
    public static List<DataSource> all() {
        return ALL;
    }

    /** Registry names: mnist, fashion-mnist, cifar10. */
    public static List<String> names() {
        return ALL.stream().map(DataSource::name).toList();
    }

    /** The data set of that name (case-insensitive; "fashion_mnist" and "cifar-10" also work). */
    public static DataSource source(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace('_', '-');
        if (n.equals("cifar-10")) {
            n = "cifar10";
        }
        for (DataSource s : ALL) {
            if (s.name().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + name + "': use one of " + names());
    }

    /**
     * The data set a config names: a registry name, or "idx" for an {@link IdxFolder} with
     * {@code classes} classes (null: the training labels' range).
     */
    public static DataSource source(String name, Integer classes) {
        if (name.equalsIgnoreCase(IdxFolder.NAME)) {
            return new IdxFolder(classes);
        }
        if (classes != null) {
            throw new IllegalArgumentException("data set '" + name + "' has its own classes; a number of classes is"
                    + " given only for an IDX folder (\"" + IdxFolder.NAME + "\")");
        }
        return source(name);
    }

    /** Finds, reads and validates a split ("train" or "test") of the named data set. */
    public static Dataset load(String name, String split, DataOptions options) throws IOException {
        return load(source(name), Split.parse(split), options);
    }

    public static Dataset load(DataSource source, Split split, DataOptions options) throws IOException {
        return source.read(locate(source, split, options), split);
    }

    /** The folder a split would be read from, downloading it if that is allowed and needed. */
    public static Path locate(DataSource source, Split split, DataOptions options) throws IOException {
        String what = source.title() + " (" + split.id() + " split)";
        if (options.dir() != null) {
            String why = source.missing(options.dir(), split);
            if (why == null) {
                return options.dir();
            }
            if (options.allowDownload() && canHoldDownload(options.dir())) {
                return download(source, options);   // into the folder given
            }
            throw new DataNotFoundException(what + ": the folder given, " + options.dir().toAbsolutePath()
                    + ", " + why + ". It should hold " + source.wantedFiles(split) + ". "
                    + source.installHint());
        }
        Path named = envPath(options, source.envVar());
        if (named != null) {
            String why = source.missing(named, split);
            if (why == null) {
                return named;
            }
            if (options.allowDownload() && canHoldDownload(named)) {
                return download(source, options.withDir(named));   // into the variable's folder
            }
            throw new DataNotFoundException(what + ": $" + source.envVar() + " = " + named.toAbsolutePath() + ", which "
                    + why + ". It should hold " + source.wantedFiles(split) + "; point $" + source.envVar()
                    + " at the folder that does, or unset it to use the other places. " + source.installHint());
        }
        List<String> looked = new ArrayList<>();
        for (Candidate c : candidates(source, options)) {
            if (c.dir == null) {
                looked.add(c.label + ": not set");
                continue;
            }
            String why = source.missing(c.dir, split);
            if (why == null) {
                return c.dir;
            }
            looked.add(c.label + ": " + c.dir.toAbsolutePath() + " " + why);
        }
        if (options.allowDownload()) {
            return download(source, options);
        }
        StringBuilder msg = new StringBuilder(what + " was not found. Looked in, in order:\n");
        for (String l : looked) {
            msg.append("  - ").append(l).append('\n');
        }
        if (source.defaultMirrors().isEmpty()) {
            msg.append("  - download: this data set has no mirrors\n");
        } else {
            msg.append("  - download: not allowed (allowDownload is off; with it, fprnn fetches the data ")
                    .append("set from ").append(source.defaultMirrors().getFirst().getHost())
                    .append(" into ").append(options.dataRoot().toAbsolutePath().resolve(source.name()))
                    .append(")\n");
        }
        msg.append("Wanted: ").append(source.wantedFiles(split)).append(" in one folder.\n");
        msg.append(source.installHint()).append(" Or set ").append(source.envVar())
                .append(" to a folder holding the files.");
        throw new DataNotFoundException(msg.toString());
    }

    /**
     * Whether a download can go into dir: a folder or nothing yet. A file there (such as one of the data
     * set's own files named instead of its folder) is reported as not a folder, not downloaded over: the
     * download failed only after fetching every file, or without a network for want of one.
     */
    private static boolean canHoldDownload(Path dir) {
        return Files.isDirectory(dir) || !Files.exists(dir);
    }

    private record Candidate(String label, Path dir) {
    }

    private static List<Candidate> candidates(DataSource source, DataOptions o) {
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate("$" + source.envVar(), envPath(o, source.envVar())));
        Path root = envPath(o, ROOT_ENV);
        out.add(new Candidate("$" + ROOT_ENV + "/" + source.name(),
                root == null ? null : root.resolve(source.name())));
        out.add(new Candidate("project data folder (" + DataOptions.DATA_PROPERTY + " or ./data)",
                o.dataRoot().resolve(source.name())));
        Path home = envPath(o, HOME_ENV);   // set by the fprnn launcher: its setup.sh installs data there
        if (home != null && !home.resolve("data").toAbsolutePath().normalize()
                .equals(o.dataRoot().toAbsolutePath().normalize())) {
            out.add(new Candidate("fprnn's own data folder ($" + HOME_ENV + "/data, where ./setup.sh installs it)",
                    home.resolve("data").resolve(source.name())));
        }
        for (Path p : source.systemDirs(o.systemRoot())) {
            out.add(new Candidate("system copy", p));
        }
        return out;
    }

    private static Path envPath(DataOptions o, String var) {
        String v = o.env().get(var);
        return v == null || v.isBlank() ? null : Path.of(v);
    }

    // ---------------------------------------------------------------- download

    /**
     * Downloads a data set's files into the folder given ({@link DataOptions#dir()}), or else into
     * DATA/NAME (DATA = the project data folder), trying each mirror in turn: the files go to a
     * temporary folder beside their destination, are validated, and are then
     * moved into place, so a failed or interrupted download leaves nothing half-written. Mirrors
     * may be http, https or file URLs.
     *
     * @return the folder holding the data set
     */
    public static Path download(DataSource source, DataOptions options) throws IOException {
        List<URI> mirrors = options.mirrors() != null ? options.mirrors() : source.defaultMirrors();
        Path target = options.dir() != null ? options.dir().toAbsolutePath()
                : options.dataRoot().toAbsolutePath().resolve(source.name());
        // staged beside the files' destination: inside a folder that exists (a data_dir given, which
        // may be a volume whose parent cannot be written), else in its parent (the data root)
        Path root = Files.isDirectory(target) || target.getParent() == null ? target : target.getParent();
        Files.createDirectories(root);
        Path staging = Files.createTempDirectory(root, "." + source.name() + "-download-");
        try (HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .proxy(ProxySelector.getDefault())
                .build()) {
            for (String file : source.downloadFiles()) {
                List<String> failures = new ArrayList<>();
                boolean done = false;
                for (URI base : mirrors) {
                    URI uri = resolve(base, file);
                    try {
                        options.log().accept("downloading " + uri);
                        long bytes = fetch(client, uri, staging.resolve(file), options.stallTimeout());
                        options.log().accept(String.format(Locale.ROOT, "  %s: %.1f MB", file, bytes / 1e6));
                        done = true;
                        break;
                    } catch (IOException e) {
                        failures.add(uri + ": " + why(e));
                    }
                }
                if (!done) {
                    throw new DataNotFoundException("could not download " + file + " of "
                            + source.title() + ":\n  " + String.join("\n  ", failures) + "\n"
                            + source.installHint());
                }
            }
            try {
                source.validate(staging);
            } catch (FormatException | DataNotFoundException e) {
                throw new FormatException(target.toString(), "the downloaded " + source.title()
                        + " files failed validation and were discarded: " + e.getMessage(), e);
            }
            Files.createDirectories(target);
            for (String file : source.downloadFiles()) {
                AtomicFiles.moveReplacing(staging.resolve(file), target.resolve(file));
            }
            options.log().accept(source.title() + " is in " + target);
            return target;
        } finally {
            deleteTree(staging);
        }
    }

    private static URI resolve(URI base, String file) {
        String b = base.toString();
        return URI.create(b.endsWith("/") ? b + file : b + "/" + file);
    }

    /**
     * Copies one URL to a file atomically; returns the byte count. An HTTP download that receives
     * no data for the stall timeout is abandoned.
     */
    static long fetch(HttpClient client, URI uri, Path target, Duration stallTimeout)
            throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            try (InputStream in = Files.newInputStream(Path.of(uri))) {
                return AtomicFiles.copy(in, target);
            }
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IOException("unsupported URL scheme '" + scheme + "' (use http, https or file)");
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(stallTimeout)
                .header("User-Agent", "fprnn")
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        try (InputStream body = response.body();
             StallGuard guard = new StallGuard(body, stallTimeout)) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode());
            }
            long n;
            try {
                n = AtomicFiles.copy(guard.wrap(body), target);
            } catch (IOException e) {
                throw guard.fired() ? guard.stalled() : e;
            }
            if (guard.fired()) {
                Files.deleteIfExists(target);
                throw guard.stalled();
            }
            long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (announced >= 0 && announced != n) {
                Files.deleteIfExists(target);
                throw new IOException("received " + n + " bytes of the announced " + announced);
            }
            return n;
        }
    }

    /** Closes a stream when no data has arrived through it for a while. */
    private static final class StallGuard implements AutoCloseable {
        private final Duration timeout;
        private final Thread watcher;
        private volatile long last = System.nanoTime();
        private volatile boolean done;
        private volatile boolean fired;

        StallGuard(java.io.Closeable target, Duration timeout) {
            this.timeout = timeout;
            long tick = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
            this.watcher = Thread.ofPlatform().daemon().name("fprnn-download-watchdog").start(() -> {
                while (!done) {
                    try {
                        Thread.sleep(tick);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!done && System.nanoTime() - last > timeout.toNanos()) {
                        fired = true;
                        try {
                            target.close();
                        } catch (IOException ignored) {
                            // closing is only a way to wake the reader
                        }
                        return;
                    }
                }
            });
        }

        InputStream wrap(InputStream in) {
            return new java.io.FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int r = super.read(b, off, len);
                    last = System.nanoTime();
                    return r;
                }
            };
        }

        boolean fired() {
            return fired;
        }

        IOException stalled() {
            return new IOException("no data received for " + timeout.toSeconds() + " s; gave up");
        }

        @Override
        public void close() {
            done = true;
            watcher.interrupt();
        }
    }

    /** Best-effort removal of a temporary folder. */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // leave it: a hidden folder named .NAME-download-* in the data folder
        }
    }

    /**
     * A failed download in words: the JDK's HTTP client often gives no message (a host that does not
     * resolve, a refused connection), so the exception's kind says what went wrong.
     */
    static String why(IOException e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        // the most telling cause anywhere in the chain: a name that does not resolve (wrapped in a
        // refused connection), then a timeout (whose cause is a ConnectException), then a refusal
        String kind = null;
        int rank = Integer.MAX_VALUE;
        for (Throwable t : chain) {
            int r = switch (t) {
                case java.nio.channels.UnresolvedAddressException u -> 0;
                case java.net.UnknownHostException u -> 0;
                case java.net.http.HttpConnectTimeoutException c -> 1;
                case java.net.http.HttpTimeoutException c -> 2;
                case java.net.ConnectException c -> 3;
                default -> Integer.MAX_VALUE;
            };
            if (r < rank) {
                rank = r;
                kind = switch (r) {
                    case 0 -> "the host name does not resolve (no network or no DNS?)";
                    case 1 -> "no connection within the timeout";
                    case 2 -> "timed out";
                    default -> "the connection was refused or could not be made";
                };
            }
        }
        String msg = e.getMessage() != null ? e.getMessage() : chain.getLast().getMessage();
        if (kind != null) {
            return kind + (msg != null ? " (" + msg + ")" : "");
        }
        return msg != null ? msg : chain.getLast().getClass().getSimpleName();
    }
}
