package org.fprnn.operator;

/**
 * The shape of a stack of feature maps, channels x height x width, stored in a state row in
 * row-major order: unit index (c * height + y) * width + x.
 */
public record FeatureShape(int channels, int height, int width) implements java.io.Serializable {
    public FeatureShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("feature shape needs positive sizes, got " + channels + " x "
                    + height + " x " + width);
        }
    }

    /** Number of units, channels * height * width. */
    public int size() {
        return channels * height * width;
    }

    /** Pixels per channel, height * width. */
    public int pixels() {
        return height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
