package example;

import java.util.Random;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Batch;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.model.Nonlinearity;
import org.fprnn.optim.Sgd;
import org.fprnn.rule.Rule;
import org.fprnn.rule.RuleResult;
import org.fprnn.rule.RuleSettings;
import org.fprnn.rule.Rules;
import org.fprnn.solve.Equilibrium;
import org.fprnn.solve.EquilibriumSolver;
import org.fprnn.solve.SolverConfig;

/**
 * Trains a small fixed-point network on data it makes itself (noisy clusters, one per class)
 * through fprnn's public API, once with the linearized rule and once with the gradient, and
 * prints the held-out accuracy of each. Exits with status 1 if a rule does not learn the task.
 */
public final class TrainSmall {

    static final int INPUTS = 20;
    static final int CLASSES = 6;
    static final int UNITS = 64;
    static final int BATCH = 64;
    static final int EPOCHS = 8;
    static final double REQUIRED_ACCURACY = 0.9;

    public static void main(String[] args) {
        Random rng = new Random(7);
        double[][] centers = new double[CLASSES][INPUTS];
        for (double[] c : centers) {
            for (int j = 0; j < INPUTS; j++) {
                c[j] = rng.nextGaussian();
            }
        }
        Batch train = clusters(centers, 1024, rng);
        Batch test = clusters(centers, 512, rng);

        boolean ok = true;
        for (String ruleName : new String[] {"linearized", "gradient"}) {
            double accuracy = trainAndTest(ruleName, train, test);
            System.out.printf("%-10s held-out accuracy %.1f%% after %d epochs%n", ruleName, 100 * accuracy, EPOCHS);
            ok &= accuracy >= REQUIRED_ACCURACY;
        }
        if (!ok) {
            System.err.printf("a rule stayed below %.0f%% held-out accuracy%n", 100 * REQUIRED_ACCURACY);
            System.exit(1);
        }
    }

    /** Trains a fresh network with one rule and returns its accuracy on {@code test}. */
    static double trainAndTest(String ruleName, Batch train, Batch test) {
        FixedPointNetwork net = FixedPointNetwork.builder()
                .inputs(INPUTS).units(UNITS).outputs(CLASSES)
                .nonlinearity(new Nonlinearity.Tanh()).dynamics(Dynamics.RATE)
                .trainInput(true).trainReadout(true)
                .precision(Precision.FLOAT).seed(1)
                .build();
        SolverConfig solver = SolverConfig.anderson(5, 1.0, 200, 1e-6);
        EquilibriumSolver fixedPoints = new EquilibriumSolver(solver);
        Rule rule = Rules.create(ruleName, RuleSettings.of(Loss.CROSS_ENTROPY, solver));
        Sgd sgd = Sgd.plain(0.1);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int from = 0; from < train.size(); from += BATCH) {
                Batch batch = train.slice(from, Math.min(from + BATCH, train.size()));
                Equilibrium eq = fixedPoints.solve(net, batch.x());
                RuleResult res = rule.compute(net, batch, eq);
                sgd.step(net.params(), res.directions());
            }
        }
        Equilibrium eq = fixedPoints.solve(net, test.x());
        Matrix logits = new FMatrix(test.size(), CLASSES);
        net.readout(eq.rates(), logits);
        return Loss.correct(logits, test.labels()) / (double) test.size();
    }

    /** {@code count} samples, each its class's center plus Gaussian noise of standard deviation 1.5. */
    static Batch clusters(double[][] centers, int count, Random rng) {
        Matrix x = new FMatrix(count, INPUTS);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = rng.nextInt(CLASSES);
            for (int j = 0; j < INPUTS; j++) {
                x.set(i, j, centers[labels[i]][j] + 1.5 * rng.nextGaussian());
            }
        }
        return Batch.labelled(x, labels);
    }
}
