package org.fprnn.linalg;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes {@link KernelFixture#outputs()} to the file named by the first argument: for each kernel
 * its name, length and output bits. Run by {@link KernelDeterminismTest} in a child JVM with -Xint.
 */
public final class KernelHashMain {
    private KernelHashMain() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, long[]> out = KernelFixture.outputs();
        try (OutputStream os = Files.newOutputStream(Path.of(args[0]));
             DataOutputStream d = new DataOutputStream(new java.io.BufferedOutputStream(os))) {
            d.writeInt(out.size());
            for (Map.Entry<String, long[]> e : out.entrySet()) {
                d.writeUTF(e.getKey());
                d.writeInt(e.getValue().length);
                for (long v : e.getValue()) {
                    d.writeLong(v);
                }
            }
        }
    }
}
