package org.fprnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The fprnn command: one class per subcommand. */
@Command(name = "fprnn", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Train recurrent networks at their fixed points with the Euclidean gradient and the",
            "reparameterized (non-Euclidean) learning rules."},
        subcommands = {RunCommand.class, TrainCommand.class, RuleCommand.class, SimulateCommand.class,
            BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Exit codes: 0 success, 1 failure while running, 2 bad input or usage. */
    public static int execute(String... args) {
        java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
        consoleOut = out;
        return execute(out, new java.io.PrintWriter(System.err, true), args);
    }

    /** The writer over the process's standard output, when {@link #execute(String...)} made one. */
    private static volatile java.io.PrintWriter consoleOut;

    /** True if w writes to the process's standard output (progress bars may then draw on it). */
    static boolean isConsole(java.io.PrintWriter w) {
        return w != null && w == consoleOut;
    }

    /** Runs the command line with the given output and error writers (tests capture them). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError || ex instanceof IllegalArgumentException) {
                cmd.getErr().println("fprnn: " + ex.getMessage());
                return 2;
            }
            cmd.getErr().println("fprnn: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
