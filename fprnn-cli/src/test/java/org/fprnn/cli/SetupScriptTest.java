package org.fprnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * setup.sh on a fresh machine, run in a scratch tree holding a copy of it, with the scripts it calls and the
 * commands it runs (dpkg, apt-get, sudo, id, npm, mvn) replaced by stubs that record how they were called.
 */
class SetupScriptTest {
    @TempDir
    Path root;

    /**
     * Data that cannot be fetched (here: fetch-data.sh fails, as without npm or root) does not stop the build,
     * which needs none: setup.sh builds, then says what is missing and exits 1. It stopped before the build,
     * so that ./fprnn kept saying to run ./setup.sh.
     */
    @Test
    void missingDataDoesNotStopTheBuild() throws Exception {
        Path repo = scratch("exit 1", "exit 0");
        int exit = run(repo);
        String err = Files.readString(root.resolve("err.txt"));
        assertEquals(1, exit, err);
        Path mvn = root.resolve("mvn.log");
        assertTrue(Files.exists(mvn) && Files.readString(mvn).contains("install"), "mvn was not run: " + err);
        assertTrue(err.contains("setup: built, but some data sets are missing"), err);
    }

    /**
     * Not root, with sudo: apt-get gets DEBIAN_FRONTEND=noninteractive although sudo drops the caller's
     * variables (the stub drops it, as sudo's env_reset does); given before sudo, it never reached apt-get.
     */
    @Test
    void aptGetIsNonInteractiveThroughSudo() throws Exception {
        Path repo = scratch("exit 0", "exit 1");
        stub("id", "echo 1000");
        stub("sudo", "exec env -u DEBIAN_FRONTEND \"$@\"");
        stub("apt-get", "echo \"${DEBIAN_FRONTEND:-unset} $*\" >> \"$STUB_LOGS/apt.log\"");
        int exit = run(repo);
        String err = Files.readString(root.resolve("err.txt"));
        assertEquals(0, exit, err);
        String apt = Files.readString(root.resolve("apt.log"));
        assertTrue(apt.lines().anyMatch(l -> l.startsWith("noninteractive install")), apt);
    }

    /** A scratch repository with setup.sh, stub scripts and stub commands; dpkg's exit says whether packages are in. */
    private Path scratch(String fetchData, String dpkg) throws IOException {
        Path repo = root.resolve("repo");
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(Path.of("..", "setup.sh").toAbsolutePath().normalize(), repo.resolve("setup.sh"));
        Files.writeString(repo.resolve("scripts/java-env.sh"), "export JAVA_HOME=/no-java\n");
        Files.writeString(repo.resolve("scripts/fetch-data.sh"), "#!/bin/bash\n" + fetchData + "\n");
        Files.writeString(repo.resolve("scripts/build-commit.sh"), "#!/bin/sh\necho abc\n");
        for (String s : new String[] {"fetch-data.sh", "build-commit.sh"}) {   // executable, as in the repository
            Files.setPosixFilePermissions(repo.resolve("scripts").resolve(s), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        stub("dpkg", dpkg);
        stub("npm", "exit 0");
        stub("mvn", "echo \"$*\" >> \"$STUB_LOGS/mvn.log\"");
        stub("id", "echo 0");
        return repo;
    }

    private void stub(String name, String body) throws IOException {
        Path f = root.resolve("bin").resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs setup.sh in repo; its exit code (its stderr goes to err.txt). */
    private int run(Path repo) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "setup.sh").directory(repo.toFile());
        pb.environment().put("PATH", root.resolve("bin") + ":/usr/bin:/bin");
        pb.environment().put("STUB_LOGS", root.toString());
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(root.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "setup.sh did not finish");
        return p.exitValue();
    }
}
