package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fprnn simulate's exclusive choices (argument groups in its help): giving both sides of one is refused
 * with exit code 2 and a message that names both, before any file is read.
 */
class SimulateChoicesTest {
    @TempDir
    Path dir;

    private void assertRefused(String expected, String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--nonlinearity";
        all[args.length + 2] = "tanh";
        all[args.length + 3] = "--out";
        all[args.length + 4] = dir.resolve("out").toString();
        CliRunner r = CliRunner.run(all);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertTrue(!dir.resolve("out").toFile().exists(), "nothing written");
    }

    @Test
    void bothSidesOfAChoiceAreRefused() {
        assertRefused("--weights FILE.safetensors or as --W/--U/--R/--b, not both",
                "--W", "W.npy", "--U", "U.npy", "--weights", "net.safetensors");
        assertRefused("--weights FILE.safetensors or as --W/--U/--R/--b, not both",
                "--weights", "net.safetensors", "--b", "b.npy");
        assertRefused("give the network: --W W.npy --U U.npy", "--W", "W.npy");
        assertRefused("give --ts or --ts-relax, not both",
                "--W", "W.npy", "--U", "U.npy", "--stimulus", "morph", "--ts", "1", "--ts-relax", "2");
        assertRefused("exactly one of --endpoints X2.npy, --digits A,B and --images I,J",
                "--W", "W.npy", "--U", "U.npy", "--stimulus", "morph", "--digits", "3,8", "--images", "1,2");
    }
}
