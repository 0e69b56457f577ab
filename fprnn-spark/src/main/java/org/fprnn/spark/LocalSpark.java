package org.fprnn.spark;

import org.apache.spark.SparkConf;

/** Settings for Spark's local mode. */
final class LocalSpark {
    private LocalSpark() {
    }

    /**
     * For a local master (local, local[k], local[*]) whose driver address is not set: bind the driver
     * to the loopback address, so that local runs neither look up the host name nor listen on the
     * network. Returns conf.
     */
    static SparkConf loopback(SparkConf conf) {
        if (conf.get("spark.master", "").startsWith("local")) {
            if (!conf.contains("spark.driver.host")) {
                conf.set("spark.driver.host", "127.0.0.1");
            }
            if (!conf.contains("spark.driver.bindAddress")) {
                conf.set("spark.driver.bindAddress", "127.0.0.1");
            }
        }
        return conf;
    }
}
