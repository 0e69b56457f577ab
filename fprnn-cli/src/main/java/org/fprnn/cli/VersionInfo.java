package org.fprnn.cli;

import picocli.CommandLine;

/** Version, BLAS in use and Java version, for --version and results folders. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        return new String[] {"fprnn " + VERSION, "BLAS: " + org.fprnn.linalg.Blas.get().name(),
            "Java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
