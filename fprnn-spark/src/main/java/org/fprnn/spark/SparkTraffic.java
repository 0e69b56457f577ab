package org.fprnn.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.BroadcastBlockId;
import scala.Option;

/**
 * What crosses the network in a Spark job, as Spark itself counts it: a listener that adds up the
 * tasks' result bytes and shuffle bytes (from Spark's task metrics) and counts jobs, the bytes the
 * driver's block manager holds for a broadcast (the serialized, compressed pieces every executor
 * fetches), and timed jobs that move given amounts of bytes and compute nothing.
 */
final class SparkTraffic extends SparkListener {
    private final AtomicLong jobs = new AtomicLong();
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong shuffleBytes = new AtomicLong();

    /** Jobs, task-result bytes and shuffle bytes counted since the listener was added. */
    record Counts(long jobs, long resultBytes, long shuffleBytes) {
        Counts minus(Counts o) {
            return new Counts(jobs - o.jobs, resultBytes - o.resultBytes, shuffleBytes - o.shuffleBytes);
        }

        /** Bytes of task results and shuffles per job. */
        double bytesPerJob() {
            return jobs == 0 ? Double.NaN : (resultBytes + shuffleBytes) / (double) jobs;
        }
    }

    private final JavaSparkContext sc;

    private SparkTraffic(JavaSparkContext sc) {
        this.sc = sc;
    }

    /** A listener added to {@code sc}'s listener bus. */
    static SparkTraffic listen(JavaSparkContext sc) {
        SparkTraffic t = new SparkTraffic(sc);
        sc.sc().addSparkListener(t);
        return t;
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        jobs.incrementAndGet();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        TaskMetrics m = end.taskMetrics();
        if (m != null) {
            resultBytes.addAndGet(m.resultSize());
            shuffleBytes.addAndGet(m.shuffleWriteMetrics().bytesWritten());
        }
    }

    /** The counts so far, after every event posted until now has reached this listener. */
    Counts counts() {
        try {
            sc.sc().listenerBus().waitUntilEmpty(60_000);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark's listener bus did not drain in 60 s", e);
        }
        return new Counts(jobs.get(), resultBytes.get(), shuffleBytes.get());
    }

    /** Bytes of {@code o} in Java serialization, as Spark's default serializer writes it, uncompressed. */
    static long javaSerializedSize(Object o) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.size();
    }

    /**
     * The bytes of broadcast {@code b} in the driver's block manager: its pieces as Spark serialized
     * and compressed them, which is what each executor fetches; 0 if Spark stored no pieces.
     */
    static long broadcastBytes(Broadcast<?> b) {
        long sum = 0;
        for (int i = 0; ; i++) {
            Option<BlockStatus> s = SparkEnv.get().blockManager().getStatus(new BroadcastBlockId(b.id(), "piece" + i));
            if (s.isEmpty()) {
                return sum;
            }
            sum += s.get().memSize() + s.get().diskSize();
        }
    }

    /** One traffic probe: a payload size, its traffic per job, and the median seconds of its jobs. */
    record Probe(int values, long bytes, double seconds) {
    }

    /**
     * Times jobs that move bytes and compute nothing, as a synchronous step moves them: a broadcast of
     * {@code values} random doubles, and from each of {@code partitions} tasks an array of as many doubles,
     * added up with treeAggregate. Sizes are taken in turn ({@code reps} rounds after 2 warm-up
     * rounds), so that a disturbance of the machine falls on every size alike. The traffic of a job is
     * partitions x (the broadcast's Java-serialized bytes + one result's), the measure the training
     * runs are counted in.
     */
    static List<Probe> probe(JavaSparkContext sc, int partitions, int[] sizes, int reps) {
        JavaRDD<Integer> tasks = sc.parallelize(java.util.stream.IntStream.range(0, partitions).boxed().toList(),
                partitions).cache();
        tasks.count();
        double[][] times = new double[sizes.length][reps];
        for (int round = -2; round < reps; round++) {
            for (int s = 0; s < sizes.length; s++) {
                // Random values: the broadcast is compressed, and trained weights do not compress much.
                double[] payload = new Random(s).doubles(sizes[s]).toArray();
                long t0 = System.nanoTime();
                Broadcast<double[]> cast = sc.broadcast(payload);
                // The zero is empty: treeAggregate ships its zero with every task.
                double[] sum = tasks.map(p -> cast.value().clone()).treeAggregate(new double[0],
                        SparkTraffic::addInto, SparkTraffic::addInto, 2);
                double seconds = (System.nanoTime() - t0) / 1e9;
                cast.destroy();
                if (sum.length != sizes[s] || sum.length > 0 && Math.abs(sum[0] - partitions * payload[0]) > 1e-12) {
                    throw new IllegalStateException("a traffic probe of " + sizes[s] + " doubles added up wrong sums");
                }
                if (round >= 0) {
                    times[s][round] = seconds;
                }
            }
        }
        tasks.unpersist(true);
        List<Probe> probes = new ArrayList<>();
        for (int s = 0; s < sizes.length; s++) {
            long one = javaSerializedSize(new double[sizes[s]]);
            probes.add(new Probe(sizes[s], (long) partitions * 2 * one, median(times[s])));
        }
        return probes;
    }

    /** a + b into a, an empty array counting as zero. */
    private static double[] addInto(double[] a, double[] b) {
        if (a.length == 0) {
            return b;
        }
        if (b.length == 0) {
            return a;
        }
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
