package org.fprnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.fprnn.TestNets;
import org.fprnn.data.Dataset;
import org.fprnn.linalg.FMatrix;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.NetworkSpec;
import org.fprnn.linalg.Params;
import org.fprnn.operator.FeatureShape;
import org.fprnn.rule.RuleSettings;
import org.fprnn.solve.SolverConfig;
import org.fprnn.train.BatchSchedule;
import org.fprnn.train.StepRecord;
import org.fprnn.train.TrainSettings;
import org.fprnn.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spark training on local[2] against the single-process trainer on the same global batches: a
 * synthetic data set of 150 samples in 3 partitions of 50, batches of 40 (each spread unevenly over
 * the partitions), a double-precision tanh network of N = 20 with every parameter trained.
 */
class SparkTrainingTest {
    private static final int STEPS = 3;
    private static final double TOLERANCE = 1e-10;

    private static JavaSparkContext sc;
    private static Dataset train;
    private static Dataset test;
    private static TrainingData data;

    /** n samples of 2 x 5 "images" in 3 classes, each class shifting its own pixels up. */
    private static Dataset synthetic(String name, int n, long seed) {
        Random rng = new Random(seed);
        FMatrix x = new FMatrix(n, 10);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(3);
            for (int j = 0; j < 10; j++) {
                x.set(i, j, rng.nextDouble() + (j % 3 == y[i] ? 0.8 : 0));
            }
        }
        return new Dataset(name, x, y, 3, 1, 2, 5);
    }

    @BeforeAll
    static void start() {
        sc = TestSpark.context();
        train = synthetic("synthetic-train", 150, 1);
        test = synthetic("synthetic-test", 60, 2);
        data = TrainingData.ship(sc, train, 3);
    }

    @AfterAll
    static void dropData() {
        data.close();
    }

    private static NetworkSpec.ForData spec() {
        return spec(20);
    }

    private static NetworkSpec.ForData spec(int units) {
        return NetworkSpec.fromToml("""
                [network]
                units = %d
                precision = "double"
                train_input = true
                train_bias = true
                train_readout = true
                readout_bias = true
                recurrent_scale = 0.8
                """.formatted(units), "test").forData(new FeatureShape(1, 1, 10), 3, 5);
    }

    private static TrainSettings settings(String rule, SolverConfig forward, String optimizer, double momentum) {
        RuleSettings rs = RuleSettings.of(Loss.CROSS_ENTROPY, forward).withLr(0.1);
        return new TrainSettings(rule, 0.1, optimizer, momentum, 0, 40, 2, forward, rs, 16, false, 9);
    }

    /** Anderson to 1e-10 (the gradient rule's usual forward solve) or P1's fixed 200 Euler steps. */
    private static SolverConfig forwardFor(String rule) {
        return rule.equals("gradient") ? SolverConfig.anderson(5, 1.0, 500, 1e-10) : SolverConfig.euler(0.1, 200, 0);
    }

    private record Run(Params weights, Trainer.Result result) {
    }

    private static Run single(TrainSettings ts, int steps) {
        FixedPointNetwork net = spec().build();
        Trainer.Result res = new Trainer(ts, train, test).run(net, ts.newOptimizer(), 0, new Trainer.Listener() {
            @Override public void onStep(StepRecord step) { }
            @Override public boolean stopAfter(int done) { return done >= steps; }
        });
        return new Run(net.params(), res);
    }

    private static Run spark(TrainSettings ts, int steps, int localSteps) {
        FixedPointNetwork net = spec().build();
        SparkTrainer t = new SparkTrainer(sc, data, test, spec(), ts, SparkTrainer.Options.synchronous()
                .withLocalSteps(localSteps));
        Trainer.Result res = t.run(net, ts.newOptimizer(), steps, step -> { });
        return new Run(net.params(), res);
    }

    /** Largest relative difference (Frobenius) over the parameters. */
    private static double maxRelErr(Params a, Params b) {
        double worst = 0;
        for (String n : a.names()) {
            worst = Math.max(worst, TestNets.relErr(a.get(n), b.get(n)));
        }
        return worst;
    }

    private static void assertSameSteps(List<StepRecord> a, List<StepRecord> b, String what) {
        assertEquals(a.size(), b.size(), what);
        for (int i = 0; i < a.size(); i++) {
            StepRecord x = a.get(i);
            StepRecord y = b.get(i);
            assertEquals(x.step(), y.step(), what);
            assertEquals(x.trainLoss(), y.trainLoss(), TOLERANCE * Math.abs(x.trainLoss()), what + " train loss, step " + i);
            assertEquals(x.trainAccuracy(), y.trainAccuracy(), 0, what + " train accuracy, step " + i);
            assertEquals(x.testLoss(), y.testLoss(), TOLERANCE * Math.abs(x.testLoss()), what + " test loss, step " + i);
            assertEquals(x.iterationsMax(), y.iterationsMax(), what);
            assertEquals(x.iterationsMedian(), y.iterationsMedian(), what);
            assertEquals(x.notConverged(), y.notConverged(), what);
        }
    }

    @Test
    void synchronousStepsEqualSingleProcessTraining() {
        // Every compared batch is spread over all three partitions, unevenly: a real split.
        BatchSchedule schedule = BatchSchedule.of(settings("linearized", forwardFor("linearized"), "sgd", 0),
                train.size());
        for (int step = 0; step < STEPS; step++) {
            int[] perPartition = new int[3];
            for (int row : schedule.rows(step)) {
                for (int p = 0; p < 3; p++) {
                    if (row >= DataBlock.start(150, p, 3) && row < DataBlock.start(150, p + 1, 3)) {
                        perPartition[p]++;
                    }
                }
            }
            assertTrue(Arrays.stream(perPartition).allMatch(c -> c > 0)
                    && Arrays.stream(perPartition).distinct().count() > 1, Arrays.toString(perPartition));
        }
        for (String rule : new String[] {"gradient", "linearized", "linearized_alt", "bptt"}) {
            TrainSettings ts = settings(rule, forwardFor(rule), "sgd", 0);
            Run one = single(ts, STEPS);
            Run many = spark(ts, STEPS, 0);
            assertEquals(STEPS, many.result().stepsDone(), rule + ": " + many.result().divergence());
            assertSameSteps(one.result().steps(), many.result().steps(), rule);
            double err = maxRelErr(one.weights(), many.weights());
            System.out.printf("fprnn-spark test: %s, %d synchronous steps on 3 partitions: max relative weight"
                    + " difference to single-process %.3g%n", rule, STEPS, err);
            assertTrue(err < TOLERANCE, rule + ": weights differ from single-process training by " + err);
            double moved = maxRelErr(spec().build().params(), many.weights());
            assertTrue(moved > 1e-3, rule + ": the weights hardly moved (" + moved + "), so the test shows nothing");
        }
    }

    @Test
    void oneLocalStepPerRoundIsSynchronousSgd() {
        TrainSettings ts = settings("linearized", forwardFor("linearized"), "sgd", 0.9);
        Run sync = spark(ts, STEPS, 0);
        Run local = spark(ts, STEPS, 1);
        assertEquals(STEPS, local.result().stepsDone(), String.valueOf(local.result().divergence()));
        assertSameSteps(sync.result().steps(), local.result().steps(), "local_steps = 1");
        double err = maxRelErr(sync.weights(), local.weights());
        System.out.printf("fprnn-spark test: local SGD with 1 step per round vs synchronous (SGD, momentum 0.9):"
                + " max relative weight difference %.3g%n", err);
        assertTrue(err < TOLERANCE, "local_steps = 1 differs from synchronous SGD by " + err);
    }

    @Test
    void severalLocalStepsRunAndAreNotSynchronousTraining() {
        TrainSettings ts = settings("linearized", forwardFor("linearized"), "adam", 0);
        int steps = 7;   // rounds of 3, 3 and 1 steps, across the epoch boundary at step 4
        Run sync = spark(ts, steps, 0);
        Run local = spark(ts, steps, 3);
        assertEquals(Trainer.Outcome.STOPPED, local.result().outcome(), String.valueOf(local.result().divergence()));
        assertEquals(steps, local.result().stepsDone());
        List<StepRecord> recs = local.result().steps();
        assertEquals(steps, recs.size());
        for (int i = 0; i < steps; i++) {
            StepRecord r = recs.get(i);
            assertEquals(i, r.step());
            assertEquals(i < 4 ? 0 : 1, r.epoch());
            assertTrue(r.trainAccuracy() >= 0 && r.trainAccuracy() <= 1, "step " + i + ": " + r);
            assertTrue(Double.isFinite(r.trainLoss()) && !r.withoutUpdate(), "step " + i + ": " + r);
            // Test batches only where a round ends: after steps 2, 5 and 6.
            assertEquals(i == 2 || i == 5 || i == 6, Double.isFinite(r.testLoss()), "step " + i);
        }
        // The first step of a round starts from the same weights as synchronous training, so its loss matches.
        assertEquals(sync.result().steps().getFirst().trainLoss(), recs.getFirst().trainLoss(), 1e-12);
        assertTrue(local.weights().allFinite());
        double diff = maxRelErr(sync.weights(), local.weights());
        assertTrue(diff > 1e-6, "3 local steps per round should not equal synchronous training, but the weights"
                + " differ by only " + diff);
        double moved = maxRelErr(spec().build().params(), local.weights());
        assertTrue(moved > 1e-3, "the weights hardly moved: " + moved);
    }

    @Test
    void reparamNeedsOnePartitionOrLocalSteps() {
        SolverConfig fwd = SolverConfig.anderson(5, 1.0, 500, 1e-10);
        TrainSettings ts = settings("reparam", fwd, "sgd", 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new SparkTrainer(sc, data, test, spec(), ts,
                SparkTrainer.Options.synchronous()));
        assertTrue(e.getMessage().contains("not a mean over samples") && e.getMessage().contains("one partition"),
                e.getMessage());
    }

    @Test
    void aNetworkThatDoesNotMatchTheSpecIsRejected() {
        TrainSettings ts = settings("linearized", forwardFor("linearized"), "sgd", 0);
        SparkTrainer t = new SparkTrainer(sc, data, test, spec(), ts, SparkTrainer.Options.synchronous());
        FixedPointNetwork other = spec(21).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.run(other, ts.newOptimizer(), 1, s -> { }));
        assertTrue(e.getMessage().contains("NetworkSpec.ForData.build()"), e.getMessage());
    }
}
