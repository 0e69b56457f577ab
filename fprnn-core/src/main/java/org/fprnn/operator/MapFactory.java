package org.fprnn.operator;

import java.util.Random;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Params;

/**
 * Creates a map inside a network being built: it registers the map's parameters in the network's
 * {@link Params} (drawing initial values from {@code rng} unless they were given) in the network's
 * precision, and returns the map reading them. {@code FixedPointNetwork.Builder} (in model)
 * calls it once, recurrent operator first, then read-in, then read-out.
 */
@FunctionalInterface
public interface MapFactory<T extends LinearMap> {

    T create(Params params, Precision precision, Random rng);

    /**
     * A factory that registers the live parameters of an already built map (no copies; they must
     * have the network's precision and names not used elsewhere).
     */
    static <T extends LinearMap> MapFactory<T> of(T map) {
        return (params, precision, rng) -> {
            for (var e : map.parameters().asMap().entrySet()) {
                if (e.getValue().precision() != precision) {
                    throw new IllegalArgumentException("parameter " + e.getKey() + " is " + e.getValue().precision()
                            + " but the network is " + precision);
                }
                Init.register(params, e.getKey(), e.getValue());
            }
            return map;
        };
    }
}
