package org.fprnn.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The one loader of the native OpenBLAS library, which serves both the matrix products
 * ({@link NativeBlas}) and LAPACK's LU ({@link Lapack}). Settings, as system property or environment
 * variable:
 * <ul>
 *   <li>fprnn.blas / FPRNN_BLAS = java: no native library at all;</li>
 *   <li>fprnn.openblas / FPRNN_OPENBLAS = PATH: that library and no other (a path that does not load
 *       is a failure, not a reason to pick another library);</li>
 *   <li>otherwise the usual Debian, Fedora and Homebrew paths, then the name through the dynamic linker.</li>
 * </ul>
 * The library is looked up once per process. When it does not load, one line (a warning of logger
 * org.fprnn.linalg) says why and what the products and the LU use instead.
 */
@SuppressWarnings("restricted") // loading the library is the point of this class; run with --enable-native-access
final class NativeLibrary {
    /** A loaded library: where it came from and its symbols. */
    record Loaded(String path, SymbolLookup lookup) {
    }

    private static final Object LOCK = new Object();
    private static Loaded loaded;
    private static UnsatisfiedLinkError failure;

    private NativeLibrary() {
    }

    /** False when fprnn.blas / FPRNN_BLAS asks for the pure-Java paths. */
    static boolean wanted() {
        return !"java".equalsIgnoreCase(System.getProperty("fprnn.blas", System.getenv("FPRNN_BLAS")));
    }

    /** The path fprnn.openblas / FPRNN_OPENBLAS names, or null. */
    static String explicitPath() {
        String p = System.getProperty("fprnn.openblas", System.getenv("FPRNN_OPENBLAS"));
        return p == null || p.isBlank() ? null : p.trim();
    }

    /**
     * The process's OpenBLAS, found on first use; the first failure is reported once (see the class
     * comment) and thrown again on every later call.
     *
     * @throws UnsatisfiedLinkError if it is not wanted or does not load, saying why
     */
    static Loaded openBlas() {
        synchronized (LOCK) {
            if (loaded != null) {
                return loaded;
            }
            if (failure == null) {
                try {
                    if (!wanted()) {
                        throw new UnsatisfiedLinkError("fprnn.blas / FPRNN_BLAS = java");
                    }
                    loaded = open(explicitPath());
                    return loaded;
                } catch (UnsatisfiedLinkError e) {
                    failure = e;
                    if (wanted()) {
                        Logger.getLogger("org.fprnn.linalg").warning(fallbackLine(e));
                    }
                }
            }
            UnsatisfiedLinkError again = new UnsatisfiedLinkError(failure.getMessage());
            again.initCause(failure);
            throw again;
        }
    }

    /** The one line that reports a library that did not load, and what is used instead. */
    static String fallbackLine(UnsatisfiedLinkError why) {
        return "fprnn: native OpenBLAS not loaded (" + why.getMessage() + "); matrix products use the pure-Java"
                + " kernels and LU uses EJML, both slower. Install Debian's libopenblas0-pthread (./setup.sh does)"
                + " or set FPRNN_OPENBLAS to the library's path.";
    }

    /**
     * Opens OpenBLAS (a library with cblas_dgemm): the given path only when it is not null, else the
     * first of {@link #candidatePaths()} and of the plain names that loads.
     *
     * @throws UnsatisfiedLinkError naming the paths tried
     */
    static Loaded open(String explicit) {
        Arena arena = Arena.global();
        if (explicit != null) {
            if (!Files.isRegularFile(Path.of(explicit))) {
                throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": no such file");
            }
            try {
                Loaded l = new Loaded(explicit, SymbolLookup.libraryLookup(Path.of(explicit), arena));
                if (l.lookup().find("cblas_dgemm").isPresent()) {
                    return l;
                }
                throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": no cblas_dgemm in it");
            } catch (IllegalArgumentException | IllegalCallerException e) {
                throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": " + e.getMessage());
            }
        }
        List<String> tried = new ArrayList<>();
        for (String path : candidatePaths()) {
            if (!Files.isRegularFile(Path.of(path))) {
                continue;
            }
            tried.add(path);
            Loaded l = tryOpen(() -> SymbolLookup.libraryLookup(Path.of(path), arena), path);
            if (l != null) {
                return l;
            }
        }
        for (String name : List.of(System.mapLibraryName("openblas"), "libopenblas.so.0")) {
            tried.add(name);
            Loaded l = tryOpen(() -> SymbolLookup.libraryLookup(name, arena), name);
            if (l != null) {
                return l;
            }
        }
        throw new UnsatisfiedLinkError("no OpenBLAS with cblas_dgemm found (tried " + tried + ")");
    }

    /** The library if it loads and has cblas_dgemm, else null (the next candidate is tried). */
    private static Loaded tryOpen(java.util.function.Supplier<SymbolLookup> lookup, String path) {
        try {
            SymbolLookup l = lookup.get();
            return l.find("cblas_dgemm").isPresent() ? new Loaded(path, l) : null;
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return null;
        }
    }

    /** The usual install paths of OpenBLAS on Linux and macOS, for this machine's architecture. */
    static List<String> candidatePaths() {
        List<String> paths = new ArrayList<>();
        String arch = System.getProperty("os.arch", "");
        String triple = switch (arch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> arch + "-linux-gnu";
        };
        for (String dir : List.of("/usr/lib/" + triple, "/usr/lib/" + triple + "/openblas-pthread",
                "/usr/lib/" + triple + "/openblas-openmp", "/usr/lib/" + triple + "/openblas-serial",
                "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/OpenBLAS/lib")) {
            paths.add(dir + "/libopenblas.so.0");
            paths.add(dir + "/libopenblas.so");
        }
        paths.add("/opt/homebrew/opt/openblas/lib/libopenblas.dylib");
        paths.add("/usr/local/opt/openblas/lib/libopenblas.dylib");
        return paths;
    }
}
