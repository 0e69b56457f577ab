package org.fprnn.simulate;

import java.util.function.DoubleFunction;
import org.fprnn.linalg.Matrix;
import org.fprnn.model.FixedPointNetwork;

/**
 * A time-varying input x(t) for a batch of B samples, B x n_in (MATH section 7). A simulation reads
 * it once per step, at the start of the step (the Euler step from t_k uses h(t_k) = x(t_k) U^T + b).
 *
 * <p>Factories: {@link #constant}, {@link #sequence} (an array over time, each row held for a frame
 * duration), {@link #of} (a function of time that fills a matrix, allocation-free),
 * {@link #function} (a function of time that returns a matrix), and the blends between two inputs
 * {@link #step}, {@link #morph} (cosine ramp) and {@link #periodic}, and {@link #ramp}
 * (x0 + v t). Implementations must not keep state between calls except caches that do not change
 * the values returned.
 */
public interface Stimulus {

    /** Number of samples B. */
    int batch();

    /** Input dimension n_in. */
    int inputs();

    /** out = x(t), B x n_in. */
    void input(double t, Matrix out);

    /**
     * The input drive h(t) = x(t) U^T + b of {@code net} (MATH section 1), as an object that fills a
     * B x N matrix without allocating. The default computes x(t) and multiplies; blends of two fixed
     * inputs override it to interpolate the two drives, which is cheaper when n_in is large.
     */
    default Drive drive(FixedPointNetwork net) {
        checkInputs(net, this);
        Matrix x = net.precision().zeros(batch(), inputs());
        return (t, h) -> {
            input(t, x);
            net.inputDrive(x, h);
        };
    }

    /** Fills h(t) (B x N) for one network. */
    @FunctionalInterface
    interface Drive {
        void drive(double t, Matrix h);
    }

    /** A function of time that writes x(t) (B x n_in) into {@code out}. */
    @FunctionalInterface
    interface InputFunction {
        void fill(double t, Matrix out);
    }

    /** A constant input x (B x n_in). */
    static Stimulus constant(Matrix x) {
        return new Blend(x, x, t -> 0.0, "constant");
    }

    /** x(t) given by {@code f}, which fills a B x n_in matrix and should not allocate. */
    static Stimulus of(int batch, int inputs, InputFunction f) {
        return new Functional(batch, inputs, f, "input function");
    }

    /** x(t) = f(t), a B x n_in matrix copied into place each step (convenient; it allocates if f does). */
    static Stimulus function(int batch, int inputs, DoubleFunction<? extends Matrix> f) {
        return new Functional(batch, inputs, (t, out) -> {
            Matrix m = f.apply(t);
            if (!m.sameShape(out)) {
                throw new IllegalArgumentException("the input function returned shape " + m.shape()
                        + " at t = " + t + ", expected " + out.shape());
            }
            out.copyFrom(m);
        }, "input function");
    }

    /**
     * An array over time: frame k (B x n_in) is the input on [k d, (k+1) d) with d the frame
     * duration; before 0 the first frame and after the end the last one holds.
     */
    static Stimulus sequence(Matrix[] frames, double frameDuration) {
        return new Sequence(frames, frameDuration);
    }

    /** A switch: x = xa for t < tSwitch, xb from tSwitch on (xa, xb: B x n_in, or 1 x n_in for B = 1). */
    static Stimulus step(Matrix xa, Matrix xb, double tSwitch) {
        return new Blend(xa, xb, t -> t >= tSwitch ? 1.0 : 0.0, "step at t = " + tSwitch);
    }

    /**
     * A smooth morph from xa to xb over [t0, t0 + duration]: x = xa + c(t) (xb - xa) with the cosine
     * ramp c = (1 - cos(pi s)) / 2, s = (t - t0) / duration clamped to [0, 1]. Its speed is largest
     * in the middle, where dc/dt = pi / (2 duration).
     */
    static Stimulus morph(Matrix xa, Matrix xb, double t0, double duration) {
        if (!(duration > 0)) {
            throw new IllegalArgumentException("morph duration must be > 0, got " + duration);
        }
        return new Blend(xa, xb, t -> {
            double s = Math.min(1.0, Math.max(0.0, (t - t0) / duration));
            return s >= 1.0 ? 1.0 : 0.5 * (1 - Math.cos(Math.PI * s));
        }, "cosine morph over [" + t0 + ", " + (t0 + duration) + "]");
    }

    /**
     * A periodic morph with period P: x = xa + c(t) (xb - xa), c = (1 - cos(2 pi t / P)) / 2, so x(0)
     * = xa and x(P/2) = xb.
     */
    static Stimulus periodic(Matrix xa, Matrix xb, double period) {
        if (!(period > 0)) {
            throw new IllegalArgumentException("period must be > 0, got " + period);
        }
        return new Blend(xa, xb, t -> 0.5 * (1 - Math.cos(2 * Math.PI * t / period)), "periodic morph, period " + period);
    }

    /** A ramp x(t) = x0 + v t (x0, v: B x n_in). */
    static Stimulus ramp(Matrix x0, Matrix v) {
        if (!x0.sameShape(v)) {
            throw new IllegalArgumentException("ramp start " + x0.shape() + " and velocity " + v.shape() + " differ");
        }
        Matrix a = x0.copy();
        Matrix b = v.copy();
        return new Functional(a.rows, a.cols, (t, out) -> {
            for (int i = 0; i < out.size(); i++) {
                out.setFlat(i, a.getFlat(i) + t * b.getFlat(i));
            }
        }, "ramp x0 + v t");
    }

    /** Throws if the stimulus does not fit the network's input dimension. */
    static void checkInputs(FixedPointNetwork net, Stimulus s) {
        if (s.inputs() != net.inputs()) {
            throw new IllegalArgumentException("the stimulus has " + s.inputs() + " inputs, the network expects "
                    + net.inputs());
        }
    }
}
