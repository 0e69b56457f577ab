package org.fprnn.linalg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * The OpenBLAS shipped inside the Maven artifact org.bytedeco:openblas (classifier linux-x86_64), a
 * dependency of fprnn-core: its libopenblas.so.0 and the Fortran run-time libraries it links, taken
 * from the class path (the jar in the local Maven repository, or the fat jar that shades it) and
 * copied into a per-user cache, from which {@link NativeLibrary} loads them. JavaCPP is not used.
 *
 * <p>The cache: fprnn.cache / FPRNN_CACHE when set (that folder only), else $XDG_CACHE_HOME/fprnn or
 * ~/.cache/fprnn, and when that cannot be written (a read-only home) a folder of the current user's
 * own under java.io.tmpdir. Each cached file is checked against the CRC-32 and size that the jar
 * records for it on every load, and copied anew when they differ (a truncated or damaged copy never
 * reaches the dynamic linker). Processes that copy at the same time each write a temporary file of
 * their own and rename it into place atomically, so no process ever sees a half-written library.
 */
final class BundledOpenBlas {
    /** Where the artifact keeps the libraries for this platform. */
    static final String RESOURCE_DIR = "org/bytedeco/openblas/linux-x86_64/";
    /**
     * The files used, in load order: libopenblas.so.0 needs libgfortran.so.5 (found beside it, its
     * RUNPATH is $ORIGIN), which needs libquadmath.so.0 (not found beside it: loaded first by path so
     * that the name is already satisfied). libgcc_s.so.1, also shipped, is part of every glibc system.
     */
    static final List<String> FILES = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");
    private static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";

    private BundledOpenBlas() {
    }

    /** True on the platform the artifact's classifier serves (Linux on x86-64). */
    static boolean platformServed() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** True when the artifact's libopenblas.so.0 is on the class path (and this platform is the one it serves). */
    static boolean present() {
        return platformServed() && resource("libopenblas.so.0") != null;
    }

    /** The artifact's version (e.g. 0.3.31-1.5.13) from its pom.properties, or "unknown version". */
    static String version() {
        URL url = BundledOpenBlas.class.getClassLoader().getResource(POM_PROPERTIES);
        if (url != null) {
            try (InputStream in = url.openStream()) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.trim();
                }
            } catch (IOException e) {
                // the version is for the description only
            }
        }
        return "unknown version";
    }

    /** The folder fprnn.cache / FPRNN_CACHE names, or null. */
    static Path explicitCache() {
        String p = System.getProperty("fprnn.cache", System.getenv("FPRNN_CACHE"));
        return p == null || p.isBlank() ? null : Path.of(p.trim());
    }

    /**
     * The cache folders to try, best first: the explicit one alone, else the user's cache folder and
     * then one of the user's own under java.io.tmpdir.
     */
    static List<Path> cacheFolders() {
        Path explicit = explicitCache();
        if (explicit != null) {
            return List.of(explicit);
        }
        List<Path> folders = new ArrayList<>();
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            folders.add(Path.of(xdg.trim(), "fprnn"));
        } else {
            String home = System.getProperty("user.home");
            if (home != null && !home.isBlank() && !home.equals("?")) {
                folders.add(Path.of(home, ".cache", "fprnn"));
            }
        }
        folders.add(Path.of(System.getProperty("java.io.tmpdir"), "fprnn-" + System.getProperty("user.name", "user")));
        return folders;
    }

    /**
     * The path of a usable libopenblas.so.0 of the artifact: checked or copied into the first cache
     * folder that works ({@link #cacheFolders()}), or the class-path file itself when the class path
     * is a folder (the libraries beside it).
     *
     * @throws IOException saying why no copy could be made, for each folder tried
     */
    static Path library() throws IOException {
        URL lib = resource("libopenblas.so.0");
        if (lib == null) {
            throw new IOException("org.bytedeco:openblas (linux-x86_64) is not on the class path");
        }
        if ("file".equals(lib.getProtocol())) {
            try {
                return Path.of(lib.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("cannot read " + lib + ": " + e.getMessage(), e);
            }
        }
        List<String> why = new ArrayList<>();
        for (Path base : cacheFolders()) {
            try {
                return extract(base).resolve("libopenblas.so.0");
            } catch (IOException e) {
                why.add(base + ": " + e.getMessage());
            }
        }
        throw new IOException("could not copy it into a cache folder (" + String.join("; ", why) + ")");
    }

    /**
     * Makes sure that every file of {@link #FILES} is in a folder of {@code base} named after the
     * artifact's version and its library's checksum, equal to the jar's copy (size and CRC-32), copying
     * the ones that are missing or differ. Safe when several processes do it at once.
     *
     * @return the folder holding the files
     * @throws IOException when the folder cannot be made or written, or a copy does not match the jar
     */
    static Path extract(Path base) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (String name : FILES) {
            entries.add(entry(name));
        }
        Entry main = entries.getLast();
        Path dir = base.resolve(String.format(Locale.ROOT, "openblas-%s-%08x", version(), main.crc()));
        boolean shared = base.toAbsolutePath().startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
        createFolder(base, shared);
        createFolder(dir, shared);
        for (Entry e : entries) {
            Path target = dir.resolve(e.name());
            if (!matches(target, e)) {
                copy(e, target);
            }
        }
        return dir;
    }

    /** One file of the artifact: where it is, and the size and CRC-32 its jar records. */
    record Entry(String name, URL url, long size, long crc) {
    }

    private static Entry entry(String name) throws IOException {
        URL url = resource(name);
        if (url == null) {
            throw new IOException(RESOURCE_DIR + name + " is not on the class path");
        }
        URLConnection c = url.openConnection();
        if (!(c instanceof JarURLConnection jar)) {
            throw new IOException(url + " is not in a jar");
        }
        JarEntry je = jar.getJarEntry();
        if (je == null || je.getSize() < 0 || je.getCrc() < 0) {
            throw new IOException(url + ": its jar records no size or checksum");
        }
        return new Entry(name, url, je.getSize(), je.getCrc());
    }

    private static URL resource(String name) {
        return BundledOpenBlas.class.getClassLoader().getResource(RESOURCE_DIR + name);
    }

    /** True when {@code file} is a regular file of the entry's size and CRC-32. */
    static boolean matches(Path file, Entry e) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != e.size()) {
            return false;
        }
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        return crc.getValue() == e.crc();
    }

    /** Copies the entry to a temporary file beside {@code target}, checks it, and renames it into place. */
    private static void copy(Entry e, Path target) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + e.name() + ".", ".part");
        try {
            CRC32 crc = new CRC32();
            long size = 0;
            byte[] buf = new byte[1 << 16];
            try (InputStream in = e.url().openStream(); OutputStream out = Files.newOutputStream(tmp)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    crc.update(buf, 0, n);
                    out.write(buf, 0, n);
                    size += n;
                }
            }
            if (size != e.size() || crc.getValue() != e.crc()) {
                throw new IOException(e.url() + " does not match its jar's checksum (a damaged jar?)");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates the folder (owner-only where POSIX permissions exist) unless it exists; in a shared
     * folder such as /tmp, also checks that this user owns it, so that nobody else's files are loaded.
     */
    private static void createFolder(Path dir, boolean shared) throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(dir);
                }
            } catch (FileAlreadyExistsException raced) {
                // another process made it (a folder) or it is a file: checked below
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a folder");
        }
        if (shared) {
            String me = System.getProperty("user.name");
            String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
            if (!owner.equals(me)) {
                throw new IOException(dir + " belongs to " + owner + ", not to " + me);
            }
        }
    }
}
