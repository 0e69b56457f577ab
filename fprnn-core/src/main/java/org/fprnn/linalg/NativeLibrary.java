package org.fprnn.linalg;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Logger;
import jdk.incubator.vector.FloatVector;

/**
 * The one loader of the native OpenBLAS library, which serves both the matrix products
 * ({@link NativeBlas}) and LAPACK's LU ({@link Lapack}). Settings, as system property or environment
 * variable:
 * <ul>
 *   <li>fprnn.blas / FPRNN_BLAS = java: no native library at all; = bundled or system: only that
 *       source (below); unset or native: the sources in the order of {@link #PREFERENCE};</li>
 *   <li>fprnn.openblas / FPRNN_OPENBLAS = PATH: that library and no other (a path that does not load
 *       is a failure, not a reason to pick another library);</li>
 *   <li>the sources: {@link Source#BUNDLED}, the OpenBLAS of the Maven artifact org.bytedeco:openblas
 *       that fprnn-core depends on ({@link BundledOpenBlas}, copied into a per-user cache), and
 *       {@link Source#SYSTEM}, the usual Debian, Fedora and Homebrew paths, then the name through the
 *       dynamic linker.</li>
 * </ul>
 * The library is looked up once per process, and only one is loaded for the products and LU. When
 * the preferred source does not load, one line (a warning of logger org.fprnn.linalg) says why and
 * what is used instead (the next source, or the pure-Java products and EJML's LU); a bundled library
 * that is simply not on the class path is skipped without a word.
 */
@SuppressWarnings("restricted") // loading the library is the point of this class; run with --enable-native-access
final class NativeLibrary {
    /**
     * A loaded library: where it came from and its symbols.
     *
     * @param origin how it was found: "bundled org.bytedeco:openblas VERSION", "system" or
     *     "FPRNN_OPENBLAS"
     * @param path the file (or plain name) it was loaded from
     * @param lookup its symbols
     * @param kernel the kernel it picked for this CPU (openblas_get_corename, e.g. "Zen"), or null if it
     *     does not say
     */
    record Loaded(String origin, String path, SymbolLookup lookup, String kernel) {
        Loaded(String origin, String path, SymbolLookup lookup) {
            this(origin, path, lookup, kernelOf(lookup));
        }
    }

    /** Where an OpenBLAS comes from. */
    enum Source {
        /** org.bytedeco:openblas's library, a Maven dependency: no system package needed. */
        BUNDLED,
        /** The operating system's OpenBLAS (Debian's libopenblas0-pthread, which ./setup.sh installs). */
        SYSTEM
    }

    /**
     * The order the sources are tried in when neither FPRNN_OPENBLAS nor FPRNN_BLAS picks one: the one
     * place where fprnn's default library is chosen (with the one exception of {@link #openPreferred}:
     * a library whose kernel is older than the CPU). The system's OpenBLAS comes first: through fprnn's
     * own binding (row blocks, each a single-threaded call), Debian's 0.3.21 was faster than the
     * bundled 0.3.31 on the 2-core AMD EPYC (Zen kernel) machines fprnn is measured on, at 1 and 2
     * threads, in float and double (BENCHMARKS.md, section "BLAS libraries", written by
     * {@code fprnn bench blas}). The bundled library serves machines without the system package.
     */
    static final List<Source> PREFERENCE = List.of(Source.SYSTEM, Source.BUNDLED);

    private static final Object LOCK = new Object();
    private static Loaded loaded;
    private static UnsatisfiedLinkError failure;

    private NativeLibrary() {
    }

    /** False when fprnn.blas / FPRNN_BLAS asks for the pure-Java paths. */
    static boolean wanted() {
        return !"java".equalsIgnoreCase(setting());
    }

    /** fprnn.blas / FPRNN_BLAS, trimmed, or null. */
    private static String setting() {
        String s = System.getProperty("fprnn.blas", System.getenv("FPRNN_BLAS"));
        return s == null || s.isBlank() ? null : s.trim();
    }

    /**
     * The sources to try, in order: {@link #PREFERENCE}, or the one fprnn.blas / FPRNN_BLAS names.
     *
     * @throws UnsatisfiedLinkError for a value that names no source
     */
    static List<Source> sources() {
        String s = setting();
        if (s == null || s.equalsIgnoreCase("native")) {
            return PREFERENCE;
        }
        for (Source source : Source.values()) {
            if (source.name().equalsIgnoreCase(s)) {
                return List.of(source);
            }
        }
        throw new UnsatisfiedLinkError("fprnn.blas / FPRNN_BLAS = " + s + " is not one of native, bundled, system, java");
    }

    /**
     * What is wrong with fprnn.blas / FPRNN_BLAS, or null if it is unset or names a choice: a
     * misspelt value would otherwise leave the process on the pure-Java products without a word.
     */
    static String settingProblem() {
        try {
            if (wanted()) {
                sources();
            }
            return null;
        } catch (UnsatisfiedLinkError e) {
            return e.getMessage() + "; unset it to let fprnn choose, or give one of those";
        }
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
                    String explicit = explicitPath();
                    loaded = explicit != null ? open(explicit) : openPreferred(sources());
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
                + " kernels and LU uses EJML, both slower. Build with ./setup.sh (it fetches org.bytedeco:openblas"
                + " and installs Debian's libopenblas0-pthread) or set FPRNN_OPENBLAS to the library's path.";
    }

    /**
     * Opens the first source of {@code order} that loads; when one that is there fails before another
     * loads, says so in one line. One exception to the order: when that library's kernel uses narrower
     * vectors than this CPU has ({@link #outdated}), a later source whose kernel uses wider ones is
     * taken instead. An OpenBLAS that does not know a new CPU falls back to an old kernel: Debian's
     * 0.3.21 on an AVX-512 Xeon (CPU model 207) picks Prescott's SSE3 kernel and ran P1's product 4.5
     * times slower than the bundled 0.3.31's Cooperlake kernel (BENCHMARKS.md, "BLAS libraries").
     * The choice depends on the machine only, so every run on it uses the same library and bits.
     *
     * @throws UnsatisfiedLinkError naming why each source failed
     */
    static Loaded openPreferred(List<Source> order) {
        List<String> why = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            try {
                Loaded l = open(order.get(i));
                if (l == null) {
                    continue; // not there: nothing to say
                }
                if (!why.isEmpty()) {
                    Logger.getLogger("org.fprnn.linalg").warning("fprnn: " + String.join("; ", why) + "; using "
                            + l.path() + " instead");
                }
                return outdated(l.kernel(), machineVectorBits()) ? newerKernel(l, order.subList(i + 1, order.size())) : l;
            } catch (UnsatisfiedLinkError e) {
                why.add(e.getMessage());
            }
        }
        throw new UnsatisfiedLinkError(why.isEmpty() ? "no OpenBLAS found" : String.join("; ", why));
    }

    /** Opens one source: null when it is not there. */
    private static Loaded open(Source source) {
        return switch (source) {
            case BUNDLED -> openBundled();
            case SYSTEM -> openSystem();
        };
    }

    /**
     * The first of {@code later} that loads with a kernel of wider vectors than {@code first}'s, else
     * {@code first}. Libraries that fail here are passed over without a word: {@code first} works.
     */
    private static Loaded newerKernel(Loaded first, List<Source> later) {
        for (Source source : later) {
            try {
                Loaded l = open(source);
                if (l != null && kernelVectorBits(l.kernel()) > kernelVectorBits(first.kernel())) {
                    Logger.getLogger("org.fprnn.linalg").fine("fprnn: " + first.origin() + " OpenBLAS picked the "
                            + first.kernel() + " kernel, older than this CPU; using the " + l.origin() + " one ("
                            + l.kernel() + " kernel)");
                    return l;
                }
            } catch (UnsatisfiedLinkError e) {
                // keep the first
            }
        }
        return first;
    }

    /**
     * The width in bits of the vectors an OpenBLAS x86-64 kernel computes with (the corename's
     * instruction set: SSE 128, AVX and AVX2 256, AVX-512 512), or 0 for a name not known here (other
     * architectures, later kernels), which never counts as outdated.
     *
     * @param kernel openblas_get_corename's answer, any case; null allowed
     */
    static int kernelVectorBits(String kernel) {
        if (kernel == null) {
            return 0;
        }
        return switch (kernel.trim().toLowerCase(Locale.ROOT)) {
            case "skylakex", "cooperlake", "sapphirerapids" -> 512;
            case "haswell", "zen", "excavator", "steamroller", "piledriver", "bulldozer", "sandybridge" -> 256;
            case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona", "opteron",
                 "opteron_sse3", "bobcat", "nano", "katmai", "coppermine", "northwood", "banias", "athlon" -> 128;
            default -> 0;
        };
    }

    /**
     * True when a kernel is known to use narrower vectors than the CPU offers: the library did not
     * recognise the CPU, or was built without its kernel.
     *
     * @param machineBits the widest vectors the JVM uses here (the Vector API's preferred species)
     */
    static boolean outdated(String kernel, int machineBits) {
        int bits = kernelVectorBits(kernel);
        return bits > 0 && bits < machineBits;
    }

    /** The width of this CPU's vectors as the JVM uses them: the Vector API's preferred float species. */
    static int machineVectorBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }

    /** openblas_get_corename's answer, trimmed, or null when the library has no such function. */
    static String kernelOf(SymbolLookup lookup) {
        return string(lookup, "openblas_get_corename", 256);
    }

    /**
     * The C string a library function without arguments returns (openblas_get_config,
     * openblas_get_corename), trimmed and read up to {@code maxBytes}, or null when the library has
     * no such function or it returns NULL.
     */
    static String string(SymbolLookup lookup, String function, int maxBytes) {
        Optional<MemorySegment> f = lookup.find(function);
        if (f.isEmpty()) {
            return null;
        }
        try {
            MemorySegment str = (MemorySegment) Linker.nativeLinker()
                    .downcallHandle(f.get(), FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
            return str.equals(MemorySegment.NULL) ? null : str.reinterpret(maxBytes).getString(0).trim();
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Opens the given path only.
     *
     * @throws UnsatisfiedLinkError saying why it did not load
     */
    static Loaded open(String explicit) {
        if (!Files.isRegularFile(Path.of(explicit))) {
            throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": no such file");
        }
        try {
            Loaded l = new Loaded("FPRNN_OPENBLAS", explicit, SymbolLookup.libraryLookup(Path.of(explicit), Arena.global()));
            if (l.lookup().find("cblas_dgemm").isPresent()) {
                return l;
            }
            throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": no cblas_dgemm in it");
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new UnsatisfiedLinkError("fprnn.openblas / FPRNN_OPENBLAS = " + explicit + ": " + e.getMessage());
        }
    }

    /**
     * Opens the bundled OpenBLAS ({@link BundledOpenBlas}): its run-time libraries first, by path, then
     * libopenblas.so.0 beside them. Null when it is not on the class path.
     *
     * @throws UnsatisfiedLinkError when it is there but cannot be copied or loaded, saying why
     */
    static Loaded openBundled() {
        if (!BundledOpenBlas.present()) {
            return null;
        }
        String origin = "bundled org.bytedeco:openblas " + BundledOpenBlas.version();
        String what = "the " + origin;
        Path lib;
        try {
            lib = BundledOpenBlas.library();
        } catch (java.io.IOException e) {
            throw new UnsatisfiedLinkError(what + " not loaded: " + e.getMessage());
        }
        try {
            SymbolLookup lookup = null;
            for (String name : BundledOpenBlas.FILES) {
                lookup = SymbolLookup.libraryLookup(lib.resolveSibling(name), Arena.global());
            }
            if (lookup.find("cblas_dgemm").isEmpty()) {
                throw new UnsatisfiedLinkError(what + " at " + lib + " has no cblas_dgemm");
            }
            return new Loaded(origin, lib.toString(), lookup);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new UnsatisfiedLinkError(what + " at " + lib + " did not load: " + e.getMessage());
        }
    }

    /**
     * Opens the first of {@link #candidatePaths()} and of the plain names that loads and has
     * cblas_dgemm.
     *
     * @throws UnsatisfiedLinkError naming the paths tried
     */
    static Loaded openSystem() {
        Arena arena = Arena.global();
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
        throw new UnsatisfiedLinkError("no system OpenBLAS with cblas_dgemm found (tried " + tried + ")");
    }

    /** The library if it loads and has cblas_dgemm, else null (the next candidate is tried). */
    private static Loaded tryOpen(java.util.function.Supplier<SymbolLookup> lookup, String path) {
        try {
            SymbolLookup l = lookup.get();
            return l.find("cblas_dgemm").isPresent() ? new Loaded("system", path, l) : null;
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
