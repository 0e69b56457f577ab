package org.fprnn.cli;

/** Entry point of the fprnn command (placeholder until the subcommands land). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("fprnn");
    }
}
