package org.fprnn.cli;

import picocli.CommandLine;

/** Version, BLAS in use and Java version, for --version and results folders. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    public static final String VERSION = "0.1.0";

    @Override
    public String[] getVersion() {
        org.fprnn.linalg.Blas blas = org.fprnn.linalg.Blas.get();
        java.util.List<String> lines = new java.util.ArrayList<>();
        lines.add("fprnn " + VERSION);
        lines.add("BLAS: " + blas.name());
        if (blas instanceof org.fprnn.linalg.NativeBlas nb) {
            lines.add("BLAS file: " + nb.library()); // the whole path, which results pages leave out
        }
        lines.add("Solver products with W: " + org.fprnn.linalg.PackedProduct.solverProducts());
        lines.add("Java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        return lines.toArray(String[]::new);
    }
}
