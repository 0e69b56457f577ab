package org.fprnn.data;

import java.util.SplittableRandom;
import org.fprnn.linalg.Matrix;

/**
 * Data augmentation by small random shifts, a transform of a training batch: each sample (one row,
 * an image of C x H x W values stored channel by channel, row by row) is moved by (dy, dx) pixels,
 * each drawn uniformly from [-s, s], the same for every channel; pixels moved in from outside the
 * image are 0. The draws come from the random source given, which the trainer seeds from (seed,
 * step), so an augmented run is deterministic and resumes bitwise.
 */
public final class ShiftAugment {
    private final int channels;
    private final int height;
    private final int width;
    private final int maxShift;
    private final double[] row;

    /**
     * @param maxShift s, the largest shift in pixels along each axis (1 to {@link #largestShift})
     * @throws IllegalArgumentException for flat samples (1 x 1 images), s < 1 or s too large
     */
    public ShiftAugment(int channels, int height, int width, int maxShift) {
        if (maxShift < 1) {
            throw new IllegalArgumentException("the shift must be at least 1 pixel, got " + maxShift);
        }
        if (height < 2 && width < 2) {
            throw new IllegalArgumentException("shifting needs images; the samples are flat (" + channels + " values)");
        }
        if (maxShift > largestShift(height, width)) {
            throw new IllegalArgumentException(tooLarge(maxShift, height, width));
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.maxShift = maxShift;
        this.row = new double[channels * height * width];
    }

    /**
     * The largest shift allowed on images of height x width: half the shorter side, so that a shifted
     * image keeps at least half of its content along each axis (a shift of the whole side leaves a
     * blank image).
     */
    public static int largestShift(int height, int width) {
        return Math.min(height, width) / 2;
    }

    /** Why a shift of s pixels is refused on images of height x width, and what to give instead. */
    public static String tooLarge(int s, int height, int width) {
        int most = largestShift(height, width);
        return "a shift of " + s + " pixels is too large for " + height + " x " + width + " images: "
                + (most < 1 ? "they are too small to shift" : "give at most " + most + " (half the shorter side;"
                + " a few pixels, such as 2, is the usual choice)");
    }

    /** The transform for a data set's image shape. */
    public static ShiftAugment of(Dataset d, int maxShift) {
        return new ShiftAugment(d.channels(), d.height(), d.width(), maxShift);
    }

    /** Shifts every row of {@code x} (B x C*H*W) in place by its own draw from {@code rng}. */
    public void apply(Matrix x, SplittableRandom rng) {
        if (x.cols != row.length) {
            throw new IllegalArgumentException("rows of " + x.cols + " values are not " + channels + "x" + height + "x"
                    + width + " images");
        }
        for (int i = 0; i < x.rows; i++) {
            int dy = rng.nextInt(2 * maxShift + 1) - maxShift;
            int dx = rng.nextInt(2 * maxShift + 1) - maxShift;
            shift(x, i, dy, dx);
        }
    }

    /** Row i of x moved down by dy and right by dx: out(c, y, x) = in(c, y - dy, x - dx), 0 outside. */
    void shift(Matrix x, int i, int dy, int dx) {
        for (int k = 0; k < row.length; k++) {
            row[k] = x.get(i, k);
        }
        for (int c = 0; c < channels; c++) {
            int base = c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = y - dy;
                for (int z = 0; z < width; z++) {
                    int sz = z - dx;
                    boolean inside = sy >= 0 && sy < height && sz >= 0 && sz < width;
                    x.set(i, base + y * width + z, inside ? row[base + sy * width + sz] : 0.0);
                }
            }
        }
    }
}
