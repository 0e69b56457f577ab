package org.fprnn.cli.classify;

import java.nio.file.Path;

/** Package-private parts of the runner, for tests in other packages. */
public final class ClassificationRunnerAccess {
    private ClassificationRunnerAccess() {
    }

    public static String portableFolder(Path p) {
        return SweepData.portableFolder(p);
    }
}
