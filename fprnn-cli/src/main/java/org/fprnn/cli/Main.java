package org.fprnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The fprnn command: one class per subcommand. */
@Command(name = "fprnn", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Train recurrent networks at their fixed points with the Euclidean gradient and the"
            + " reparameterized (non-Euclidean) learning rules.",
        subcommands = {RunCommand.class, TrainCommand.class, RuleCommand.class, SimulateCommand.class,
            BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No subcommand: the usage on stderr and exit code 2, as for any other usage error. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("fprnn: give a command");
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /**
     * Exit codes: 0 success, 1 failure while running (an internal error, or a run of a sweep that
     * failed), 2 bad input or usage; 130 and 143 after SIGINT and SIGTERM.
     */
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
        CommandLine cl = DecimalConverter.registerWith(new CommandLine(new Main()));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr(), args));
        cl.setParameterExceptionHandler(Main::badUsage);
        String blas = org.fprnn.linalg.Blas.settingProblem();
        if (blas != null) {
            err.println("fprnn: " + blas);
            err.flush();
            return 2;
        }
        try {
            return cl.execute(args);
        } catch (Error e) {
            // picocli hands only Exceptions to the handler; an OutOfMemoryError or a StackOverflowError
            // from a command comes here.
            return report(e, err, args);
        }
    }

    /**
     * A command line picocli cannot parse (an unknown option, a value of the wrong kind): one line
     * saying what was wrong, the nearest options when a name was mistyped, and where the options are
     * described; exit code 2, as for every bad input.
     */
    private static int badUsage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        // The hint fits options that take lists (--seeds), not a single number (--seed).
        boolean list = ex.getArgSpec() instanceof CommandLine.Model.OptionSpec o && !o.splitRegex().isEmpty();
        err.println(name + ": " + ex.getMessage() + (ex.getMessage().contains("' is not a long")
                ? (list ? " (whole numbers separated by commas, no spaces)" : " (a whole number)") : ""));
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("See '" + name + " --help' for the options.");
        err.flush();
        return 2;
    }

    /**
     * The one place where a failure of a command becomes a message and an exit code: a user error
     * (see {@link UserError#of}) is its message and exit code 2; anything else is an internal error,
     * reported in one line with the file that holds its full stack trace, exit code 1.
     */
    static int report(Throwable ex, java.io.PrintWriter err, String[] args) {
        UserError user = UserError.of(ex);
        if (user != null) {
            err.println("fprnn: " + user.getMessage());
            err.flush();
            return 2;
        }
        err.println("fprnn: internal error: " + ex + "; " + CrashReport.write(ex, args));
        err.flush();
        return 1;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
