package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of fprnn-core form a layered graph, read from the sources (comments left out): no
 * package depends on itself through others, and the data types and operators sit below the model
 * (issue 14: operator and model imported each other through Params).
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/org/fprnn");
    private static final Pattern REFERENCE = Pattern.compile("org\\.fprnn\\.(\\w+)\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    static Map<String, Set<String>> graph(Path root) throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(f);
                String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(COMMENT.matcher(Files.readString(f)).replaceAll(""));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        out.add(m.group(1));
                    }
                }
            }
        }
        return deps;
    }

    /** Packages on a cycle (reachable from themselves), each with the path that closes it. */
    static List<String> cycles(Map<String, Set<String>> deps) {
        List<String> found = new ArrayList<>();
        for (String start : deps.keySet()) {
            List<String> path = new ArrayList<>();
            if (reaches(deps, start, start, path, new TreeSet<>())) {
                found.add(start + " -> " + String.join(" -> ", path));
            }
        }
        return found;
    }

    private static boolean reaches(Map<String, Set<String>> deps, String from, String target, List<String> path,
                                   Set<String> seen) {
        for (String next : deps.getOrDefault(from, Set.of())) {
            path.add(next);
            if (next.equals(target) || (seen.add(next) && reaches(deps, next, target, path, seen))) {
                return true;
            }
            path.remove(path.size() - 1);
        }
        return false;
    }

    @Test
    void coreHasNoPackageCycle() throws IOException {
        Map<String, Set<String>> deps = graph(SOURCES);
        assertTrue(deps.size() >= 10, "expected fprnn-core's packages under " + SOURCES.toAbsolutePath() + ", found " + deps);
        assertEquals(List.of(), cycles(deps), "package cycles in fprnn-core: " + deps);
    }

    @Test
    void dataTypesAndOperatorsSitBelowTheModel() throws IOException {
        Map<String, Set<String>> deps = graph(SOURCES);
        assertEquals(Set.of(), deps.get("linalg"), "linalg depends on nothing else of fprnn");
        assertEquals(Set.of("linalg"), deps.get("operator"), "operator depends on linalg only");
    }

    @Test
    void aCycleIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("a/A.java"), "package org.fprnn.a;\nimport org.fprnn.b.B;\nclass A {}\n");
        Files.writeString(dir.resolve("b/B.java"), "package org.fprnn.b;\n/** {@link org.fprnn.c.C} */\nclass B { org.fprnn.a.A a; }\n");
        Map<String, Set<String>> deps = graph(dir);
        assertEquals(Set.of("a"), deps.get("b"), "a Javadoc reference is not a dependency");
        assertEquals(List.of("a -> b -> a", "b -> a -> b"), cycles(deps));
    }
}
