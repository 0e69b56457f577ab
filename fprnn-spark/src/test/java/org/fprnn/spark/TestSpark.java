package org.fprnn.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** One local[2] Spark context for all tests of the module (starting one takes seconds). */
final class TestSpark {
    private static JavaSparkContext context;

    private TestSpark() {
    }

    static synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = LocalSpark.loopback(new SparkConf().setMaster("local[2]").setAppName("fprnn-spark tests")
                    .set("spark.ui.enabled", "false"));
            context = new JavaSparkContext(conf);
            context.setLogLevel("WARN");
            JavaSparkContext sc = context;
            Runtime.getRuntime().addShutdownHook(new Thread(sc::stop));
        }
        return context;
    }
}
