package org.fprnn.linalg;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named matrices: a network's parameters, or a rule's directions for them (same names, same
 * shapes). Names: W (recurrent, N x N), U (read-in, N x n_in), b (bias, 1 x N), R (read-out,
 * n_out x N), c (read-out bias, 1 x n_out). Iteration order is insertion order.
 */
public final class Params {
    private final LinkedHashMap<String, Matrix> map = new LinkedHashMap<>();
    /** Set by {@link #lock}: a network's parameters, whose matrices its operators hold. */
    private String lockedBy;

    /**
     * Adds or replaces the matrix {@code name}.
     *
     * @throws IllegalStateException if these are a network's parameters ({@link #lock}ed)
     */
    public Params put(String name, Matrix m) {
        if (lockedBy != null) {
            throw new IllegalStateException("these are " + lockedBy + ", whose operators hold these very matrices,"
                    + " so putting another matrix in would change nothing they compute: change the values in place"
                    + " instead, e.g. params().get(\"" + name + "\").copyFrom(m)");
        }
        map.put(name, m);
        return this;
    }

    /**
     * Makes {@link #put} refuse from now on: for a network's parameters, which its operators and maps
     * hold by reference (the values stay writable in place).
     *
     * @param owner what these parameters belong to, for the message
     */
    public Params lock(String owner) {
        lockedBy = owner;
        return this;
    }

    public Matrix get(String name) {
        Matrix m = map.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' (have " + map.keySet() + ")");
        }
        return m;
    }

    public boolean has(String name) {
        return map.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(map.keySet());
    }

    public Map<String, Matrix> asMap() {
        return Collections.unmodifiableMap(map);
    }

    /** Zero matrices with the same names and shapes, for the given subset of names. */
    public Params zerosLike(Iterable<String> names) {
        Params p = new Params();
        for (String n : names) {
            p.put(n, get(n).zerosLike());
        }
        return p;
    }

    /** Deep copy. */
    public Params copy() {
        Params p = new Params();
        map.forEach((k, v) -> p.put(k, v.copy()));
        return p;
    }

    /**
     * A copy of the matrices named (in that order), written into {@code spare} when it holds exactly
     * those names with the same shapes and precisions (nothing allocated then), else a new one: for
     * buffers refilled at every training step.
     */
    public Params copyOf(Set<String> names, Params spare) {
        if (spare != null && spare.map.keySet().equals(names)) {
            boolean fits = true;
            for (String n : names) {
                Matrix mine = get(n);
                Matrix theirs = spare.map.get(n);
                fits &= theirs.sameShape(mine) && theirs.precision() == mine.precision();
            }
            if (fits) {
                for (String n : names) {
                    spare.map.get(n).copyFrom(get(n));
                }
                return spare;
            }
        }
        Params p = new Params();
        for (String n : names) {
            p.put(n, get(n).copy());
        }
        return p;
    }

    /** Copies the values of every matrix of {@code src} into the matrix of the same name here. */
    public void copyFrom(Params src) {
        src.map.forEach((k, v) -> get(k).copyFrom(v));
    }

    /** Sum over shared names of the Frobenius inner products. */
    public double dot(Params o) {
        double s = 0;
        for (var e : map.entrySet()) {
            if (o.has(e.getKey())) {
                s += Ops.dot(e.getValue(), o.get(e.getKey()));
            }
        }
        return s;
    }

    public double norm() {
        return Math.sqrt(dot(this));
    }

    public boolean allFinite() {
        for (Matrix m : map.values()) {
            if (!m.allFinite()) {
                return false;
            }
        }
        return true;
    }

    /** Sets every matrix to zero. */
    public void zero() {
        map.values().forEach(m -> m.fill(0));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Params{");
        map.forEach((k, v) -> sb.append(k).append(v.shape()).append(' '));
        return sb.append('}').toString();
    }
}
