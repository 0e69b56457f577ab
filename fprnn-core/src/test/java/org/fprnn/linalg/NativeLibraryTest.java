package org.fprnn.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one native-library loader: an explicit path is honoured, the bundled OpenBLAS is found and named,
 * the system's is used when asked or when the bundled one cannot be, and a fallback is one clear line.
 */
class NativeLibraryTest {
    @TempDir
    Path dir;

    @Test
    void aMissingExplicitPathFailsNamingIt() {
        String missing = dir.resolve("libopenblas-missing.so").toString();
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.open(missing));
        assertTrue(e.getMessage().contains(missing + ": no such file"), e.getMessage());
        String line = NativeLibrary.fallbackLine(e);
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains(missing) && line.contains("pure-Java") && line.contains("EJML"), line);
    }

    /** A process whose fprnn.openblas names a missing file: products and LU both fall back, said in one line. */
    @Test
    void thePropertyPointingAtAMissingFileFallsBackWithOneLine() throws Exception {
        String missing = dir.resolve("libopenblas-missing.so").toString();
        Child c = child(Map.of(), "-Dfprnn.openblas=" + missing);
        assertTrue(c.out().contains("blas: Java") && c.out().contains("lapack native: false"), c.out());
        assertEquals(1, c.warnings().size(), c.err());
        assertTrue(c.warnings().getFirst().contains("fprnn.openblas / FPRNN_OPENBLAS = " + missing + ": no such file"),
                c.err());
    }

    /** A file that is not a library (a damaged download, say) is refused by the loader, not crashed on. */
    @Test
    void aCorruptFileFallsBackWithOneLine() throws Exception {
        Path corrupt = Files.write(dir.resolve("libopenblas.so.0"), "not an ELF file".getBytes(StandardCharsets.UTF_8));
        Child c = child(Map.of(), "-Dfprnn.openblas=" + corrupt);
        assertTrue(c.out().contains("blas: Java") && c.out().contains("lapack native: false"), c.out());
        assertEquals(1, c.warnings().size(), c.err());
        assertTrue(c.warnings().getFirst().contains(corrupt.toString()), c.err());
    }

    /** The bundled OpenBLAS is copied into the cache and loaded from there, for products and LU alike. */
    @Test
    void theBundledLibraryLoadsFromTheCacheAndIsNamed() throws Exception {
        assumeTrue(BundledOpenBlas.present(), "org.bytedeco:openblas serves linux-x86_64 only");
        Path cache = dir.resolve("cache");
        Child c = child(Map.of("FPRNN_BLAS", "bundled"), "-Dfprnn.cache=" + cache);
        String version = BundledOpenBlas.version();
        String openblas = version.substring(0, version.indexOf('-')); // 0.3.31-1.5.13: OpenBLAS 0.3.31
        String blas = c.line("blas: ");
        assertTrue(blas.startsWith("OpenBLAS " + openblas + " "), blas);
        assertTrue(blas.contains("[bundled org.bytedeco:openblas " + version + ": libopenblas.so.0]"), blas);
        assertFalse(blas.contains(cache.toString()), "the description names a folder: " + blas);
        assertEquals("true", c.line("lapack native: "), c.out());
        assertEquals(List.of(), c.warnings(), c.err());
        Path lib = Path.of(c.line("blas file: "));
        assertTrue(lib.startsWith(cache) && Files.isRegularFile(lib), lib.toString());
    }

    /** A damaged copy in the cache is copied anew, and the library loads. */
    @Test
    void aDamagedCachedCopyIsReplacedBeforeLoading() throws Exception {
        assumeTrue(BundledOpenBlas.present(), "org.bytedeco:openblas serves linux-x86_64 only");
        Path cache = dir.resolve("cache");
        Path lib = BundledOpenBlas.extract(cache).resolve("libopenblas.so.0");
        long size = Files.size(lib);
        Files.write(lib, new byte[4096]); // a truncated file of zeros: the dynamic linker must never see it
        Child c = child(Map.of("FPRNN_BLAS", "bundled"), "-Dfprnn.cache=" + cache);
        assertTrue(c.line("blas: ").contains("[bundled org.bytedeco:openblas"), c.out());
        assertEquals(List.of(), c.warnings(), c.err());
        assertEquals(size, Files.size(lib));
    }

    /** A cache that cannot be made: one line says so, and the system's library (else pure Java) is used. */
    @Test
    void anUnusableCacheFallsBackWithOneLine() throws Exception {
        assumeTrue(BundledOpenBlas.present(), "org.bytedeco:openblas serves linux-x86_64 only");
        Path notAFolder = Files.writeString(dir.resolve("cache-is-a-file"), "x");
        Child c = child(Map.of("FPRNN_BLAS", "bundled"), "-Dfprnn.cache=" + notAFolder);
        assertEquals(1, c.warnings().size(), c.err());
        String warning = c.warnings().getFirst();
        assertTrue(warning.contains("bundled org.bytedeco:openblas") && warning.contains(notAFolder.toString()), warning);
        assertTrue(c.line("blas: ").startsWith("Java"), c.out());
    }

    /**
     * By default the system's OpenBLAS comes first (NativeLibrary.PREFERENCE), and the bundled one is
     * not even copied, unless the system's kernel is older than this CPU and the bundled one's is
     * newer; without a system library the bundled one is loaded.
     */
    @Test
    void byDefaultTheSystemLibraryComesFirstUnlessItsKernelIsOutdated() throws Exception {
        Path cache = dir.resolve("cache");
        Child c = child(Map.of(), "-Dfprnn.cache=" + cache);
        assertEquals(List.of(), c.warnings(), c.err());
        String blas = c.line("blas: ");
        if (NativeLibrary.candidatePaths().stream().anyMatch(p -> Files.isRegularFile(Path.of(p)))) {
            String system = NativeLibrary.openSystem().kernel();
            boolean bundledNewer = NativeLibrary.outdated(system, NativeLibrary.machineVectorBits())
                    && BundledOpenBlas.present()
                    && NativeLibrary.kernelVectorBits(NativeLibrary.openBundled().kernel())
                            > NativeLibrary.kernelVectorBits(system);
            if (bundledNewer) {
                assertTrue(blas.contains("[bundled org.bytedeco:openblas"), system + " kernel: " + blas);
            } else {
                assertTrue(blas.contains("[system: "), blas);
                assertFalse(Files.exists(cache), "the bundled library was copied though the system's loaded");
            }
        } else {
            assumeTrue(BundledOpenBlas.present(), "neither a system OpenBLAS nor the bundled one on this machine");
            assertTrue(blas.contains("[bundled org.bytedeco:openblas"), blas);
        }
    }

    /**
     * A kernel counts as outdated only when it is known to use narrower vectors than the CPU: an
     * OpenBLAS that fell back to an SSE kernel on an AVX-512 machine, not a kernel of another
     * architecture or one newer than this list.
     */
    @Test
    void aKernelIsOutdatedOnlyWhenKnownToBeNarrowerThanTheMachine() {
        assertEquals(128, NativeLibrary.kernelVectorBits("Prescott"));
        assertEquals(256, NativeLibrary.kernelVectorBits("Zen"));
        assertEquals(256, NativeLibrary.kernelVectorBits(" haswell "));
        assertEquals(512, NativeLibrary.kernelVectorBits("Cooperlake"));
        assertEquals(0, NativeLibrary.kernelVectorBits("NEOVERSEN1"));
        assertEquals(0, NativeLibrary.kernelVectorBits(null));
        assertTrue(NativeLibrary.outdated("Prescott", 512));
        assertTrue(NativeLibrary.outdated("Haswell", 512));
        assertFalse(NativeLibrary.outdated("Zen", 256));
        assertFalse(NativeLibrary.outdated("SkylakeX", 512));
        assertFalse(NativeLibrary.outdated("NEOVERSEN1", 512));
        assertFalse(NativeLibrary.outdated(null, 512));
        assertTrue(NativeLibrary.machineVectorBits() >= 64, "the Vector API reports no species");
    }

    /** FPRNN_BLAS = system skips the bundled library: the system's is loaded when there is one. */
    @Test
    void theSystemSettingLoadsTheSystemLibrary() throws Exception {
        assumeTrue(NativeLibrary.candidatePaths().stream().anyMatch(p -> Files.isRegularFile(Path.of(p))),
                "no system OpenBLAS on this machine");
        Path cache = dir.resolve("cache");
        Child c = child(Map.of("FPRNN_BLAS", "system"), "-Dfprnn.cache=" + cache);
        assertTrue(c.line("blas: ").contains("[system: "), c.out());
        assertEquals("true", c.line("lapack native: "), c.out());
        assertEquals(List.of(), c.warnings(), c.err());
        assertFalse(Files.exists(cache), "the bundled library was copied though not wanted");
    }

    @Test
    void anUnknownSettingIsRefusedNamingTheChoices() {
        String before = System.getProperty("fprnn.blas");
        System.setProperty("fprnn.blas", "fastest");
        try {
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, NativeLibrary::sources);
            assertTrue(e.getMessage().contains("fastest") && e.getMessage().contains("bundled, system, java"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("fprnn.blas");
            } else {
                System.setProperty("fprnn.blas", before);
            }
        }
    }

    /** What a child JVM running {@link NativeFallbackMain} printed. */
    private record Child(String out, String err) {
        List<String> warnings() {
            return err.lines().filter(l -> l.contains("fprnn:")).toList();
        }

        /** The rest of the line of out that starts with {@code prefix}. */
        String line(String prefix) {
            return out.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                    .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in\n" + out + err));
        }
    }

    /**
     * Runs {@link NativeFallbackMain} in a new JVM with fprnn-core, EJML and the bundled OpenBLAS's jar
     * on its class path, with FPRNN_BLAS, FPRNN_OPENBLAS and FPRNN_CACHE removed from its environment
     * unless {@code env} sets them; it must exit 0.
     */
    private static Child child(Map<String, String> env, String... jvmArgs) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cp = new ArrayList<>(List.of(location(Lapack.class), location(NativeFallbackMain.class),
                location(org.ejml.data.DMatrixRMaj.class), location(org.ejml.dense.row.factory.LinearSolverFactory_DDRM.class)));
        URL bundled = NativeLibraryTest.class.getClassLoader().getResource(BundledOpenBlas.RESOURCE_DIR + "libopenblas.so.0");
        if (bundled != null && bundled.openConnection() instanceof JarURLConnection jar) {
            cp.add(Path.of(jar.getJarFileURL().toURI()).toString());
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Djava.util.logging.SimpleFormatter.format=%4$s: %5$s%n"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, cp), NativeFallbackMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("FPRNN_BLAS");
        pb.environment().remove("FPRNN_OPENBLAS");
        pb.environment().remove("FPRNN_CACHE");
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertEquals(0, p.waitFor(), err.get());
        return new Child(out, err.get());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
