package org.fprnn.train;

import java.util.Locale;
import java.util.Set;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.linalg.Params;
import org.fprnn.optim.Optimizer;

/**
 * Applies a step's directions through the optimizer, or refuses to (the safety policy of
 * {@link Trainer#run}): a step whose training loss is non-finite, whose direction has non-finite
 * values or a norm above {@link TrainSettings#maxDirectionNorm()}, or whose update would leave a
 * non-finite weight, is refused, and weights and optimizer state stay as they were. Used by the
 * single-process trainer and by fprnn-spark (on the driver, and on the workers in local-steps mode).
 *
 * <p>Per step it reads the directions once (their norm, which is finite exactly when they all are,
 * short of a double overflow) and copies and checks only the parameters the directions name: an
 * optimizer changes no others. Its buffers are kept from step to step. On P1's network (N = 300, 784
 * inputs, fixed read-in) the former version, which copied and scanned every parameter with scalar
 * loops, took about 1.5 times a 512 x 300 by 300 x 300 product per step.
 */
public final class GuardedUpdate {
    private final TrainSettings settings;
    /** The named parameters as they were before the step. */
    private Params backup;
    /** The optimizer's state as it was before the step. */
    private Params optimizerBackup;

    public GuardedUpdate(TrainSettings settings) {
        this.settings = settings;
    }

    /**
     * Steps {@code optimizer} with {@code directions} on the network's parameters, then applies the
     * network's constraints ({@link FixedPointNetwork#constrain()}). The finiteness check comes before
     * the constraints, which only set weights to zero or shrink them, so they keep finite weights
     * finite; a refused step thus leaves every parameter, constrained or not, as it was.
     *
     * @return null if the update was applied, else why it was refused (nothing changed then)
     */
    public String apply(FixedPointNetwork net, Optimizer optimizer, double trainLoss, Params directions) {
        String refused = refusal(trainLoss, directions);
        if (refused != null) {
            return refused;
        }
        Params params = net.params();
        Set<String> changed = directions.names();
        backup = params.copyOf(changed, backup);
        Params state = optimizer.liveState();
        optimizerBackup = state.copyOf(state.names(), optimizerBackup);
        optimizer.step(params, directions);
        for (String name : changed) {
            if (!params.get(name).allFinite()) {
                params.copyFrom(backup);
                optimizer.restore(optimizerBackup);
                return "the update would make weights non-finite";
            }
        }
        net.constrain();   // projections such as Dale's law in projection form (no-op otherwise)
        return null;
    }

    /** Why a step with this loss and direction must not be applied, or null if it may. */
    public String refusal(double trainLoss, Params directions) {
        if (!Double.isFinite(trainLoss)) {
            return "training loss is " + trainLoss;
        }
        double norm = directions.norm();
        if (!Double.isFinite(norm) && !directions.allFinite()) {
            return "the " + settings.rule() + " direction has non-finite values";
        }
        if (!(norm <= settings.maxDirectionNorm())) {
            return String.format(Locale.ROOT, "the %s direction has norm %.4g > train.max_direction_norm = %s",
                    settings.rule(), norm, settings.maxDirectionNorm());
        }
        return null;
    }
}
