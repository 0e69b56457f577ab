package org.fprnn.spark;

/**
 * Checks that a JVM (the driver or an executor) was started with what fprnn needs, so that a
 * misconfigured cluster fails with a message that says how to fix it rather than with a
 * NoClassDefFoundError deep inside a task.
 */
final class JvmChecks {
    private JvmChecks() {
    }

    static final String FLAGS = "--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED";

    /**
     * Throws if the Vector API module is missing.
     *
     * @param where "driver" or "executor", for the message
     */
    static void require(String where) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            String conf = where.equals("driver") ? "spark.driver.extraJavaOptions" : "spark.executor.extraJavaOptions";
            throw new IllegalStateException("the Spark " + where + " JVM (Java " + Runtime.version()
                    + ") was started without the module jdk.incubator.vector, which fprnn needs. Add \"" + FLAGS
                    + "\" to " + conf + " (spark-submit --conf " + conf + "=\"" + FLAGS + "\"), or to the java"
                    + " command line; fprnn-spark/jvm.args lists every flag a local run needs.");
        }
    }

    /**
     * What is wrong with this JVM's fprnn.blas / FPRNN_BLAS, printed to {@code err} after {@code program}'s
     * name; true if something is (the caller exits with 2), as the fprnn command does: a misspelt value
     * would otherwise leave the run on the pure-Java products without a word.
     */
    static boolean badBlasSetting(String program, java.io.PrintWriter err) {
        String problem = org.fprnn.linalg.Blas.settingProblem();
        if (problem == null) {
            return false;
        }
        err.println(program + ": " + problem);
        err.flush();
        return true;
    }
}
