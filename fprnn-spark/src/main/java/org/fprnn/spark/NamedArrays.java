package org.fprnn.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Params;

/**
 * A serializable copy of {@link Params} (weights, or an optimizer's state) for broadcasts and task
 * results: each matrix's shape, precision and values (in double, which holds float values exactly).
 */
final class NamedArrays implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One matrix: shape, whether it is double precision, and its row-major values. */
    record Entry(int rows, int cols, boolean isDouble, double[] values) implements Serializable {
    }

    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    /** A copy of every matrix of {@code p}. */
    static NamedArrays of(Params p) {
        return of(p, p.names());
    }

    /** A copy of the named matrices of {@code p}. */
    static NamedArrays of(Params p, Iterable<String> names) {
        NamedArrays a = new NamedArrays();
        for (String n : names) {
            Matrix m = p.get(n);
            a.entries.put(n, new Entry(m.rows, m.cols, m.precision() == Precision.DOUBLE, m.toDoubleArray()));
        }
        return a;
    }

    Set<String> names() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** Copies every entry into the matrix of the same name in {@code p}, which must have its shape. */
    void copyInto(Params p) {
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Matrix m = p.get(e.getKey());
            Entry v = e.getValue();
            if (m.rows != v.rows() || m.cols != v.cols()) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + m.shape()
                        + " here but (" + v.rows() + ", " + v.cols() + ") on the driver: the executors must build"
                        + " the same network as the driver");
            }
            double[] d = v.values();
            for (int i = 0; i < d.length; i++) {
                m.setFlat(i, d[i]);
            }
        }
    }

    /** New matrices, each in the precision it was copied from. */
    Params toParams() {
        Params p = new Params();
        entries.forEach((n, v) -> {
            Matrix m = (v.isDouble() ? Precision.DOUBLE : Precision.FLOAT).zeros(v.rows(), v.cols());
            for (int i = 0; i < v.values().length; i++) {
                m.setFlat(i, v.values()[i]);
            }
            p.put(n, m);
        });
        return p;
    }

    /** Every value times {@code w} (in place); returns this. */
    NamedArrays scale(double w) {
        for (Entry e : entries.values()) {
            double[] d = e.values();
            for (int i = 0; i < d.length; i++) {
                d[i] *= w;
            }
        }
        return this;
    }

    /** Every value divided by {@code w} (in place); returns this. */
    NamedArrays divide(double w) {
        for (Entry e : entries.values()) {
            double[] d = e.values();
            for (int i = 0; i < d.length; i++) {
                d[i] /= w;
            }
        }
        return this;
    }

    /**
     * Adds {@code o} into these arrays, name by name (in place); a name only one side has counts as
     * zero on the other. Returns this.
     */
    NamedArrays add(NamedArrays o) {
        for (Map.Entry<String, Entry> e : o.entries.entrySet()) {
            Entry mine = entries.get(e.getKey());
            Entry theirs = e.getValue();
            if (mine == null) {
                entries.put(e.getKey(), new Entry(theirs.rows(), theirs.cols(), theirs.isDouble(),
                        theirs.values().clone()));
                continue;
            }
            if (mine.values().length != theirs.values().length) {
                throw new IllegalArgumentException(e.getKey() + " has " + mine.values().length + " values on one"
                        + " partition and " + theirs.values().length + " on another");
            }
            double[] a = mine.values();
            double[] b = theirs.values();
            for (int i = 0; i < a.length; i++) {
                a[i] += b[i];
            }
        }
        return this;
    }
}
