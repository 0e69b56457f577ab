package org.fprnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fprnn.io.FormatException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads from an HTTP server on 127.0.0.1 and from file:// URLs, serving files the test
 * writes; nothing touches the network.
 */
class DownloadTest {
    @TempDir
    Path tmp;

    HttpServer server;
    Path served;
    Path dataRoot;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws IOException {
        served = Files.createDirectories(tmp.resolve("served"));
        dataRoot = tmp.resolve("data");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/good/", ex -> serve(ex, false));
        server.createContext("/short/", ex -> serve(ex, true));
        server.createContext("/missing/", ex -> {
            requests.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Serves files of the served folder; "short" announces the full length but sends half. */
    private void serve(HttpExchange ex, boolean shortBody) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(path);
        Path f = served.resolve(path.substring(path.indexOf('/', 1) + 1));
        if (!Files.isRegularFile(f)) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        byte[] body = Files.readAllBytes(f);
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body, 0, shortBody ? body.length / 2 : body.length);
        } catch (IOException e) {
            // the short response ends the exchange early
        }
        ex.close();
    }

    URI url(String context) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + context + "/");
    }

    DataOptions options() {
        return DataOptions.defaults().withEnv(Map.of()).withDataRoot(dataRoot)
                .withSystemRoot(tmp.resolve("nosys")).withLog(log::add)
                .withStallTimeout(Duration.ofSeconds(3));   // generous: CI machines can be loaded
    }

    Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void downloadsFromTheFirstWorkingMirrorValidatesAndLoads() throws IOException {
        TestData.writeIdxSet(served, Mnist.trainLabelCounts(), Mnist.testLabelCounts(), true);
        DataOptions o = options().withDownload(true)
                .withMirrors(List.of(url("missing"), url("short"), url("good")));

        Dataset test = Mnist.load("test", o);
        assertEquals(10_000, test.size());
        assertArrayEquals(Mnist.testLabelCounts(), test.labelCounts());

        assertEquals(Set.of("mnist"), list(dataRoot), "no temporary folder is left");
        assertEquals(new TreeSet<>(Mnist.SOURCE.downloadFiles()), list(dataRoot.resolve("mnist")));
        for (String f : Mnist.SOURCE.downloadFiles()) {
            assertArrayEquals(Files.readAllBytes(served.resolve(f)),
                    Files.readAllBytes(dataRoot.resolve("mnist").resolve(f)));
            assertTrue(requests.contains("/missing/" + f));
            assertTrue(requests.contains("/short/" + f));
            assertTrue(!Files.exists(dataRoot.resolve("mnist").resolve(f + ".part")));
            assertTrue(requests.contains("/good/" + f));
        }
        assertTrue(log.contains("downloading " + url("good") + "train-images-idx3-ubyte.gz"), log.toString());

        int before = requests.size();
        Dataset train = Mnist.load("train", o);
        assertEquals(60_000, train.size());
        assertEquals(before, requests.size(), "the second load reads the downloaded copy");
    }

    /** With a data folder given and downloading allowed, the data set is downloaded into that folder. */
    @Test
    void aGivenEmptyFolderIsFilledByTheDownload() throws IOException {
        TestData.writeIdxSet(served, Mnist.trainLabelCounts(), Mnist.testLabelCounts(), true);
        Path given = Files.createDirectories(dataRoot.resolveSibling("given"));
        DataOptions o = options().withDir(given).withDownload(true).withMirrors(List.of(url("good")));
        assertEquals(10_000, Mnist.load("test", o).size());
        assertEquals(new TreeSet<>(Mnist.SOURCE.downloadFiles()), list(given), "the files, nothing else, in the folder");
        assertFalse(Files.exists(dataRoot.resolve("mnist")), "not into the data root");
        DataNotFoundException refused = assertThrows(DataNotFoundException.class, () -> Mnist.load("test",
                options().withDir(Files.createDirectories(dataRoot.resolveSibling("other")))));
        assertTrue(refused.getMessage().contains("the folder given"), refused.getMessage());
    }

    /** A folder named by the data set's variable is where a download goes (the lookup no longer falls through). */
    @Test
    void theVariablesFolderIsFilledByTheDownload() throws IOException {
        TestData.writeIdxSet(served, Mnist.trainLabelCounts(), Mnist.testLabelCounts(), true);
        Path named = dataRoot.resolveSibling("named");
        DataOptions o = options().withEnv(java.util.Map.of("FPRNN_MNIST_DIR", named.toString())).withDownload(true)
                .withMirrors(List.of(url("good")));
        assertEquals(10_000, Mnist.load("test", o).size());
        assertEquals(new TreeSet<>(Mnist.SOURCE.downloadFiles()), list(named));
        assertFalse(Files.exists(dataRoot.resolve("mnist")), "not into the data root");
    }

    /**
     * A file named instead of a folder (here: one of the data set's own files) is reported as not a folder,
     * with nothing downloaded: the download went ahead and failed after fetching every file.
     */
    @Test
    void aFileNamedAsTheFolderIsNotDownloadedInto() throws IOException {
        TestData.writeIdxSet(served, Mnist.trainLabelCounts(), Mnist.testLabelCounts(), true);
        Path file = Files.writeString(tmp.resolve("train-images-idx3-ubyte.gz"), "mine");
        for (DataOptions o : List.of(options().withDir(file),
                options().withEnv(Map.of("FPRNN_MNIST_DIR", file.toString())))) {
            DataNotFoundException e = assertThrows(DataNotFoundException.class,
                    () -> Mnist.load("test", o.withDownload(true).withMirrors(List.of(url("good")))));
            assertTrue(e.getMessage().contains(file + ", is not a folder") || e.getMessage().contains(file
                    + ", which is not a folder"), e.getMessage());
        }
        assertEquals(List.of(), requests);
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void filesThatFailValidationAreDiscarded() throws IOException {
        int[] wrong = Mnist.testLabelCounts();
        wrong[0]++;
        wrong[9]--;
        TestData.writeIdxSet(served, Mnist.trainLabelCounts(), wrong, true);
        DataOptions o = options().withDownload(true).withMirrors(List.of(url("good")));
        FormatException e = assertThrows(FormatException.class, () -> Mnist.load("train", o));
        assertTrue(e.getMessage().contains("failed validation and were discarded")
                && e.getMessage().contains("t10k-labels-idx1-ubyte.gz")
                && e.getMessage().contains("label counts"), e.getMessage());
        assertTrue(e.getMessage().startsWith(dataRoot.toAbsolutePath().resolve("mnist") + ": "), e.getMessage());
        assertEquals(Set.of(), list(dataRoot), "nothing is left in the data folder");
    }

    @Test
    void whenEveryMirrorFailsTheErrorListsEachUrl() throws IOException {
        DataOptions o = options().withDownload(true).withMirrors(List.of(url("missing"), url("good"),
                URI.create("ftp://127.0.0.1/x/")));
        DataNotFoundException e = assertThrows(DataNotFoundException.class,
                () -> FashionMnist.load("test", o));
        String m = e.getMessage();
        assertTrue(m.contains("could not download train-images-idx3-ubyte.gz of Fashion-MNIST"), m);
        assertTrue(m.contains(url("missing") + "train-images-idx3-ubyte.gz: HTTP 404"), m);
        assertTrue(m.contains(url("good") + "train-images-idx3-ubyte.gz: HTTP 404"), m);
        assertTrue(m.contains("unsupported URL scheme 'ftp'"), m);
        assertEquals(Set.of(), list(dataRoot));
    }

    /** A mirror that cannot be reached is named with the reason in words (the HTTP client gives none). */
    @Test
    void anUnreachableMirrorIsExplained() {
        DataOptions o = options().withDownload(true).withMirrors(List.of(URI.create("http://no-such-host.invalid/x/"),
                URI.create("http://127.0.0.1:1/x/")));
        String m = assertThrows(DataNotFoundException.class, () -> FashionMnist.load("test", o)).getMessage();
        assertTrue(m.contains("http://no-such-host.invalid/x/train-images-idx3-ubyte.gz: the host name does not resolve"),
                m);
        assertTrue(m.contains("http://127.0.0.1:1/x/train-images-idx3-ubyte.gz: the connection was refused"), m);
        assertFalse(m.contains(": null"), m);
        // a connect timeout, which the HTTP client wraps around a ConnectException, is named as a timeout
        var timeout = new java.net.http.HttpConnectTimeoutException("HTTP connect timed out");
        timeout.initCause(new java.net.ConnectException());
        assertEquals("no connection within the timeout (HTTP connect timed out)", DataSets.why(timeout));
    }

    @Test
    void withoutPermissionNothingIsDownloaded() {
        DataOptions o = options().withMirrors(List.of(url("good")));
        assertThrows(DataNotFoundException.class, () -> Mnist.load("test", o));
        assertTrue(requests.isEmpty());
        assertFalse(Files.exists(dataRoot));
    }

    @Test
    void cifarArchiveDownloadsFromAFileUrl() throws IOException {
        Path mirror = Files.createDirectories(tmp.resolve("mirror"));
        TestData.writeTar(mirror.resolve(Cifar10.ARCHIVE), TestData.fullCifarEntries(), true);
        DataOptions o = options().withDownload(true).withMirrors(List.of(mirror.toUri()));
        Dataset test = Cifar10.load("test", o);
        assertEquals(10_000, test.size());
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, test.labelCounts());
        assertEquals(Set.of(Cifar10.ARCHIVE), list(dataRoot.resolve("cifar10")));
        assertEquals(Files.size(mirror.resolve(Cifar10.ARCHIVE)),
                Files.size(dataRoot.resolve("cifar10").resolve(Cifar10.ARCHIVE)));
    }
}
