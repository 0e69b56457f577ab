package org.fprnn.optim;

import org.fprnn.NameList;

/** The optimizer registry: optimizers by name. */
public final class Optimizers {
    /** Every optimizer's name. */
    public static final class Known extends NameList {
        public Known() {
            super("sgd", "nesterov", "adam");
        }
    }

    /** The names of {@link Known}. */
    public static final NameList NAMES = new Known();

    private Optimizers() {
    }

    /**
     * A new optimizer: sgd (with heavy-ball momentum), nesterov (SGD with Nesterov momentum) or adam
     * (beta1 0.9, beta2 0.999, eps 1e-8; momentum is not read).
     */
    public static Optimizer create(String name, double lr, double momentum, double weightDecay) {
        return create(name, lr, momentum, weightDecay, false);
    }

    /**
     * As {@link #create(String, double, double, double)}; {@code adamGlobalSecondMoment} gives Adam one
     * second moment for all parameters together ({@link Adam}); it needs name "adam".
     */
    public static Optimizer create(String name, double lr, double momentum, double weightDecay,
                                   boolean adamGlobalSecondMoment) {
        if (adamGlobalSecondMoment && !name.equals("adam")) {
            throw new IllegalArgumentException("a global second moment is Adam's; it does not apply to the optimizer "
                    + name);
        }
        return switch (name) {
            case "adam" -> new Adam(lr, 0.9, 0.999, 1e-8, weightDecay, adamGlobalSecondMoment);
            case "nesterov" -> new Sgd(lr, momentum, weightDecay, true);
            case "sgd" -> new Sgd(lr, momentum, weightDecay, false);
            default -> throw new IllegalArgumentException(NAMES.unknown("optimizer", name));
        };
    }
}
