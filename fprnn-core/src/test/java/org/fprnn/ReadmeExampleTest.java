package org.fprnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.Batch;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java API example, taken out of README.md itself (its first ```java block),
 * compiled with a {@code Batch batch} in scope and run; then training goes on with the network,
 * solver and rule the block built, and must lower the loss. The README cannot drift from what runs.
 */
class ReadmeExampleTest {

    private static final Path README = Path.of("..", "README.md");

    /** The first ```java block of README.md, split into its import lines and its statements. */
    static List<List<String>> javaBlock() throws IOException {
        Matcher m = Pattern.compile("(?s)```java\\n(.*?)```").matcher(Files.readString(README));
        assertTrue(m.find(), "README.md has no ```java block");
        List<String> imports = new ArrayList<>();
        List<String> statements = new ArrayList<>();
        for (String line : m.group(1).split("\n")) {
            (line.startsWith("import ") ? imports : statements).add(line);
        }
        return List.of(imports, statements);
    }

    @Test
    void readmeExampleCompilesRunsAndLearns(@TempDir Path dir) throws Exception {
        List<List<String>> block = javaBlock();
        String source = String.join("\n", block.get(0)) + "\n"
                + "public final class ReadmeBlock {\n"
                + "  public static Object[] run(org.fprnn.model.Batch batch) {\n"
                + String.join("\n", block.get(1)) + "\n"
                + "    return new Object[] {net, solver, rule, res};\n"
                + "  }\n}\n";
        Path file = dir.resolve("ReadmeBlock.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests need a JDK, not a JRE");
        int status = javac.run(null, null, null, "-proc:none", "-cp", System.getProperty("java.class.path"),
                "-d", dir.toString(), file.toString());
        assertEquals(0, status, "the README's Java block does not compile (javac's messages are above):\n" + source);

        Random rng = new Random(0);
        Matrix x = new FMatrix(64, 784);
        int[] y = new int[64];
        for (int i = 0; i < 64; i++) {
            y[i] = i % 10;
            for (int j = 0; j < 784; j++) {
                x.set(i, j, rng.nextDouble() * 0.2 + (j % 10 == y[i] ? 0.8 : 0));
            }
        }
        Batch batch = Batch.labelled(x, y);
        Object[] built;
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            built = (Object[]) loader.loadClass("ReadmeBlock").getMethod("run", Batch.class).invoke(null, batch);
        }
        FixedPointNetwork net = (FixedPointNetwork) built[0];
        SolverConfig solver = (SolverConfig) built[1];
        Rule rule = (Rule) built[2];
        RuleResult first = (RuleResult) built[3];
        assertArrayEquals(new int[] {300, 300}, shape(first.directions().get("W")));
        assertArrayEquals(new int[] {300, 784}, shape(first.directions().get("U")));
        assertArrayEquals(new int[] {10, 300}, shape(first.directions().get("R")));
        assertTrue(Double.isFinite(first.loss()));

        EquilibriumSolver fixedPoints = new EquilibriumSolver(solver);
        Sgd sgd = Sgd.plain(0.05);
        double last = Double.NaN;
        for (int step = 0; step < 10; step++) {
            var eq = fixedPoints.solve(net, batch.x());
            assertEquals(64, eq.convergedCount());
            RuleResult res = rule.compute(net, batch, eq);
            sgd.step(net.params(), res.directions());
            last = res.loss();
        }
        assertTrue(last < 0.9 * first.loss(), "loss " + first.loss() + " -> " + last);
    }

    private static int[] shape(Matrix m) {
        return new int[] {m.rows, m.cols};
    }
}
