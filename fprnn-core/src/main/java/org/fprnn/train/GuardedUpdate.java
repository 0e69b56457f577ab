package org.fprnn.train;

import java.util.Locale;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Optimizer;

/**
 * Applies a step's directions through the optimizer, or refuses to (the safety policy of
 * {@link Trainer#run}): a step whose training loss is non-finite, whose direction has non-finite
 * values or a norm above {@link TrainSettings#maxDirectionNorm()}, or whose update would leave a
 * non-finite weight, is refused, and weights and optimizer state stay as they were. Used by the
 * single-process trainer and by fprnn-spark (on the driver, and on the workers in local-steps mode).
 * Keeps a backup buffer: one per network.
 */
public final class GuardedUpdate {
    private final TrainSettings settings;
    private Params backup;

    public GuardedUpdate(TrainSettings settings) {
        this.settings = settings;
    }

    /**
     * Steps {@code optimizer} with {@code directions} on the network's parameters, then applies the
     * network's constraints ({@link FixedPointNetwork#constrain()}).
     *
     * @return null if the update was applied, else why it was refused (nothing changed then)
     */
    public String apply(FixedPointNetwork net, Optimizer optimizer, double trainLoss, Params directions) {
        String refused = refusal(trainLoss, directions);
        if (refused != null) {
            return refused;
        }
        if (backup == null) {
            backup = net.params().copy();
        } else {
            backup.copyFrom(net.params());
        }
        Params optState = optimizer.state().copy();   // Sgd hands out its live buffers
        optimizer.step(net.params(), directions);
        net.constrain();   // projections such as Dale's law in projection form (no-op otherwise)
        if (!net.params().allFinite()) {
            net.params().copyFrom(backup);
            optimizer.restore(optState);
            return "the update would make weights non-finite";
        }
        return null;
    }

    /** Why a step with this loss and direction must not be applied, or null if it may. */
    public String refusal(double trainLoss, Params directions) {
        if (!Double.isFinite(trainLoss)) {
            return "training loss is " + trainLoss;
        }
        if (!directions.allFinite()) {
            return "the " + settings.rule() + " direction has non-finite values";
        }
        double norm = directions.norm();
        if (!(norm <= settings.maxDirectionNorm())) {
            return String.format(Locale.ROOT, "the %s direction has norm %.4g > train.max_direction_norm = %s",
                    settings.rule(), norm, settings.maxDirectionNorm());
        }
        return null;
    }
}
