package org.fprnn.simulate;

import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;

/**
 * An input given as an array over time: frame k holds on [k d, (k+1) d). The frame index is
 * floor(t / d + 1e-9) clamped to [0, T - 1], so that t = k * dt with d = s * dt lands on frame k / s
 * despite rounding. The drive is recomputed only when the frame changes.
 */
final class Sequence implements Stimulus {
    private final Matrix[] frames;
    private final double frameDuration;

    Sequence(Matrix[] frames, double frameDuration) {
        if (frames.length == 0) {
            throw new IllegalArgumentException("an input sequence needs at least one frame");
        }
        if (!(frameDuration > 0) || Double.isInfinite(frameDuration)) {
            throw new IllegalArgumentException("frame duration must be a positive number, got " + frameDuration);
        }
        for (Matrix f : frames) {
            if (!f.sameShape(frames[0])) {
                throw new IllegalArgumentException("frames have different shapes: " + f.shape() + " and "
                        + frames[0].shape());
            }
        }
        this.frames = frames.clone();
        this.frameDuration = frameDuration;
    }

    @Override public int batch() { return frames[0].rows; }
    @Override public int inputs() { return frames[0].cols; }

    /** Number of frames T. */
    int length() {
        return frames.length;
    }

    int frameAt(double t) {
        double k = Math.floor(t / frameDuration + 1e-9);
        return (int) Math.max(0, Math.min(frames.length - 1, k));
    }

    @Override
    public void input(double t, Matrix out) {
        out.copyFrom(frames[frameAt(t)]);
    }

    @Override
    public Drive drive(FixedPointNetwork net) {
        Stimulus.checkInputs(net, this);
        Matrix x = net.precision().zeros(batch(), inputs());
        Matrix cached = net.precision().zeros(batch(), net.units());
        int[] current = {-1};
        return (t, h) -> {
            int k = frameAt(t);
            if (k != current[0]) {
                x.copyFrom(frames[k]);
                net.inputDrive(x, cached);
                current[0] = k;
            }
            h.copyFrom(cached);
        };
    }

    @Override
    public String toString() {
        return "sequence of " + frames.length + " frames of duration " + frameDuration;
    }
}
