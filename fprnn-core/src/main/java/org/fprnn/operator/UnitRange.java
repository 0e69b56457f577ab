package org.fprnn.operator;

/** The units [start, end) of a state vector, e.g. one layer of a stacked state. */
public record UnitRange(int start, int end) {
    public UnitRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad unit range [" + start + ", " + end + ")");
        }
    }

    public int size() {
        return end - start;
    }

    /** True if this range is all of n units. */
    public boolean covers(int n) {
        return start == 0 && end == n;
    }
}
