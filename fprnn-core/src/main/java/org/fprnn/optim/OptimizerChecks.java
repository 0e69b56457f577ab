package org.fprnn.optim;

import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Params;

/**
 * Checks that Adam and Sgd share: their state matrices that belong to one parameter each (Adam's
 * moments, Sgd's velocity) against that parameter, and a learning rate set during a run.
 */
final class OptimizerChecks {
    private OptimizerChecks() {
    }

    /**
     * Refuses a slot {@code key} of parameter {@code name} whose shape is not p's: the state of
     * another network (an optimizer reused across networks, or restored from another network's state).
     */
    static void requireShape(Params state, String key, String optimizer, String name, Matrix p) {
        if (state.has(key) && !state.get(key).sameShape(p)) {
            throw new IllegalArgumentException(optimizer + ": its state " + key + " is " + state.get(key).shape()
                    + " but the parameter " + name + " is " + p.shape() + ": an optimizer holds the state of one"
                    + " network; make a new one for this network");
        }
    }

    /**
     * Converts slot {@code key} to p's precision if it has the other one: state restored from a
     * checkpoint of the other precision, whose parameters were converted as they were loaded.
     *
     * @return true if the slot was replaced by its conversion
     */
    static boolean toPrecisionOf(Params state, String key, Matrix p) {
        if (!state.has(key) || state.get(key).precision() == p.precision()) {
            return false;
        }
        state.put(key, state.get(key).to(p.precision()));
        return true;
    }

    /**
     * A learning rate set during a run (by a schedule, which may reach 0): finite and >= 0.
     *
     * @throws IllegalArgumentException otherwise (a negative rate would ascend, NaN would wreck the weights)
     */
    static double requireRunningRate(double lr) {
        if (!(lr >= 0 && lr < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("a learning rate must be finite and >= 0, got " + lr);
        }
        return lr;
    }
}
