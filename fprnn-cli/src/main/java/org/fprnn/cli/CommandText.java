package org.fprnn.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/** The command line that invoked a subcommand, as results pages record it ("fprnn run configs/x.toml"). */
final class CommandText {
    private CommandText() {
    }

    /**
     * "fprnn NAME ARGS", with arguments quoted for a POSIX shell where needed and the given options
     * left out (with their value, for an option that takes one).
     */
    static String of(CommandSpec spec, Set<String> hidden) {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int start = all.indexOf(spec.name());
        List<String> args = new ArrayList<>();
        for (int i = start + 1; i < all.size(); i++) {
            String a = all.get(i);
            String opt = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (hidden.contains(opt)) {
                var option = spec.findOption(opt);
                boolean takesValue = option == null || option.arity().max() > 0;
                if (!a.contains("=") && takesValue) {
                    i++;
                }
                continue;
            }
            args.add(quote(a));
        }
        return "fprnn " + spec.name() + (args.isEmpty() ? "" : " " + String.join(" ", args));
    }

    static String quote(String a) {
        if (!a.isEmpty() && a.matches("[A-Za-z0-9_./:=,+@%-]+")) {
            return a;
        }
        return "'" + a.replace("'", "'\\''") + "'";
    }
}
