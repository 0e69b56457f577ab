package org.fprnn.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** fprnn rule: one rule's direction for given weights and data (placeholder until NPY I/O lands). */
@Command(name = "rule", mixinStandardHelpOptions = true, description = "Compute one rule's direction (NPY in, NPY out).")
public final class RuleCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UserError("the rule subcommand is not built yet");
    }
}
