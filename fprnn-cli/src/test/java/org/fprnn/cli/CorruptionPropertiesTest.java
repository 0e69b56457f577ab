package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Issue 16, item 2, as a property: whatever random damage is done to the checkpoint of an
 * unfinished run or to the weights of a finished one (flipped bytes anywhere in the header or the
 * data, truncation, a NaN written in with or without its checksums recomputed, an edited step
 * count, a deleted weights file), running the same command again exits 2 with one message naming
 * the file, and changes nothing in the folder. A tiny network and few tries keep it to seconds.
 */
class CorruptionPropertiesTest {
    enum Target { CHECKPOINT, WEIGHTS }

    enum Damage { FLIP, TRUNCATE, NAN, NAN_WITH_CHECKSUMS, STEP, DELETE }

    record Corruption(Target target, Damage damage, double where, int mask, int step) {
    }

    static Path root;
    static Path cfg;
    static Map<String, byte[]> base;

    @BeforeContainer
    static void sweep() throws IOException {
        root = Files.createTempDirectory("fprnn-corruption");
        cfg = TinySweep.config(root);
        Path out = root.resolve("base");
        TinySweep.interrupted(cfg, out);
        base = TinySweep.snapshot(out);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        FolderVerificationTest.deleteTree(root);
    }

    @Provide
    Arbitrary<Corruption> corruptions() {
        return Combinators.combine(Arbitraries.of(Target.class), Arbitraries.of(Damage.class),
                Arbitraries.doubles().between(0, 1).ofScale(6), Arbitraries.integers().between(1, 255),
                Arbitraries.of(-1, 0, 2, 4, 10, 11, 1000, Integer.MAX_VALUE))
                .as(Corruption::new)
                .filter(c -> !(c.target() == Target.CHECKPOINT && c.damage() == Damage.DELETE));
    }

    @Property(tries = 24)
    void anyDamageIsRefusedWithExit2AndNothingIsConsumed(@ForAll("corruptions") Corruption c) throws IOException {
        Path out = Files.createTempDirectory(root, "try");
        for (var e : base.entrySet()) {
            Path f = out.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        Path file = c.target() == Target.CHECKPOINT ? TinySweep.checkpoint(out) : TinySweep.weights(out);
        damage(file, c);
        Map<String, byte[]> before = TinySweep.snapshot(out);
        CliRunner r = CliRunner.run("run", cfg.toString(), "--out", out.toString());
        assertEquals(2, r.exitCode(), c + ": " + r.err() + r.out());
        assertTrue(TinySweep.isCleanMessage(r.err(), file.getFileName().toString()), c + ": " + r.err());
        assertEquals(List.of(), TinySweep.changed(before, TinySweep.snapshot(out)), c + ": files changed");
        FolderVerificationTest.deleteTree(out);
    }

    private static void damage(Path file, Corruption c) throws IOException {
        switch (c.damage()) {
            case FLIP -> {
                byte[] b = Files.readAllBytes(file);
                int[] at = meaningfulBytes(b);
                int i = at[(int) (c.where() * (at.length - 1))];
                b[i] ^= (byte) c.mask();
                Files.write(file, b);
            }
            case TRUNCATE -> {
                byte[] b = Files.readAllBytes(file);
                Files.write(file, java.util.Arrays.copyOf(b, (int) (c.where() * (b.length - 1))));
            }
            case NAN, NAN_WITH_CHECKSUMS -> TinySweep.rewrite(file, t -> {
                String name = List.copyOf(t.keySet()).get((int) (c.where() * (t.size() - 1)));
                t.put(name, TinySweep.with(t.get(name), 0, c.mask() % 2 == 0 ? Double.NaN : Double.POSITIVE_INFINITY));
                return t;
            }, m -> m, c.damage() == Damage.NAN_WITH_CHECKSUMS);
            case STEP -> TinySweep.rewrite(file, t -> t, m -> {
                String key = m.containsKey("step") ? "step" : "steps";
                // An edit, not a rewrite of the same value (the finished run's weights record 10 steps).
                long step = Integer.toString(c.step()).equals(m.get(key)) ? c.step() + 1L : c.step();
                m.put(key, Long.toString(step));
                return m;
            }, true);
            case DELETE -> Files.delete(file);
        }
    }

    /**
     * Positions of the bytes that carry content: the header length, the JSON header without its
     * padding (trailing spaces, which a flip may turn into other whitespace that JSON ignores), and
     * the tensors' data.
     */
    private static int[] meaningfulBytes(byte[] b) {
        int n = (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        int json = n;
        while (json > 0 && b[8 + json - 1] == ' ') {
            json--;
        }
        int headerEnd = 8 + json;
        int[] at = new int[headerEnd + (b.length - 8 - n)];
        int k = 0;
        for (int i = 0; i < headerEnd; i++) {
            at[k++] = i;
        }
        for (int i = 8 + n; i < b.length; i++) {
            at[k++] = i;
        }
        return at;
    }
}
