package org.fprnn.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.Dataset;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.FMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.model.Dynamics;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Nonlinearity;

/**
 * What fprnn simulate reads from files: the network (NPY files or safetensors), the per-unit time
 * constants, the input sequence and the two endpoints of a built-in stimulus (from a file or from
 * MNIST). Every problem is a {@link UserError} naming the file.
 */
final class SimulateInputs {
    private final SimulateOptions o;
    private boolean hasReadout;
    /** The test images --digits and --images pick from; null: MNIST's, read when needed. */
    private Dataset pickFrom;
    /** The name of pickFrom's data set in words. */
    private String pickFromTitle;

    SimulateInputs(SimulateOptions o) {
        this.o = o;
    }

    /**
     * Makes --digits and --images pick from this data set's test images (a --config network's data set)
     * instead of MNIST's.
     */
    void takeImagesFrom(Dataset test, String title) {
        pickFrom = test;
        pickFromTitle = title;
    }

    /** The network the files give, with the nonlinearity, dynamics and precision of the options. */
    FixedPointNetwork network(Precision p, Nonlinearity f, Dynamics dyn) {
        Path weights = o.weights();
        SimulateOptions.Files files = o.files();
        Path w = files == null ? null : files.w;
        Path u = files == null ? null : files.u;
        Path r = files == null ? null : files.r;
        Path b = files == null ? null : files.b;
        Matrix wm;
        Matrix um;
        Matrix rm = null;
        Matrix bm = null;
        if (weights != null) {
            Safetensors.Contents c = InputFiles.safetensors(weights);
            ConfigNetwork.requireNonlinearity(c, f);
            wm = InputFiles.matrix(InputFiles.conv(() -> c.get("W")), p, "W");
            um = InputFiles.matrix(InputFiles.conv(() -> c.get("U")), p, "U");
            if (c.tensors().containsKey("R")) {
                rm = InputFiles.matrix(c.tensors().get("R"), p, "R");
            }
            if (c.tensors().containsKey("b")) {
                bm = InputFiles.rowVector(c.tensors().get("b"), p, wm.rows, "b");
            }
        } else {
            wm = InputFiles.matrix(w, p, "W");
            um = InputFiles.matrix(u, p, "U");
            if (r != null) {
                rm = InputFiles.matrix(r, p, "R");
            }
            if (b != null) {
                bm = InputFiles.rowVector(InputFiles.read(b), p, wm.rows, "b");
            }
        }
        String ws = weights != null ? weights + " (W)" : String.valueOf(w);
        String us = weights != null ? weights + " (U)" : String.valueOf(u);
        int n = wm.rows;
        if (wm.cols != n) {
            throw new UserError(ws + ": W must be square (N, N), found " + wm.shape());
        }
        if (um.rows != n) {
            throw new UserError(us + ": U must have shape (N, n_in) with N = " + n + " (from W), found " + um.shape());
        }
        if (rm != null && rm.cols != n) {
            throw new UserError((weights != null ? weights + " (R)" : String.valueOf(r)) + ": R must have shape (n_out, N)"
                    + " with N = " + n + ", found " + rm.shape());
        }
        FixedPointNetwork.Builder nb = FixedPointNetwork.builder().inputs(um.cols).units(n)
                .outputs(rm != null ? rm.rows : 1).nonlinearity(f).dynamics(dyn).precision(p)
                .recurrentWeights(wm).inputWeights(um).readoutWeights(rm != null ? rm : p.zeros(1, n));
        if (bm != null) {
            nb.biasWeights(bm);
        }
        hasReadout = rm != null;
        return nb.build();
    }

    /** True if the network has a read-out from the files (R), so that readout.npy is written. */
    boolean hasReadout() {
        return hasReadout;
    }

    /** --tau-units as a vector of n positive time constants, or null without it. */
    double[] tauUnits(int n) {
        if (o.tauUnits == null) {
            return null;
        }
        Matrix tv = InputFiles.rowVector(InputFiles.read(o.tauUnits), Precision.DOUBLE, n, "per-unit tau");
        double[] tauVec = tv.toDoubleArray();
        for (int i = 0; i < n; i++) {
            if (!(tauVec[i] > 0)) {
                throw new UserError(o.tauUnits + ": tau of unit " + i + " is " + tauVec[i] + "; every tau must be > 0");
            }
            OptionCheck.requireRange("--tau-units (" + o.tauUnits + ", unit " + i + ")", tauVec[i],
                    SimulateCommand.TIME_UNIT_MIN, SimulateCommand.TIME_UNIT_MAX, false, SimulateCommand.TIME_UNIT_WHY);
        }
        return tauVec;
    }

    /** The frames of --input, each B x n_in in precision p. */
    Matrix[] frames(Precision p, int nIn) {
        Path input = o.input;
        NdArray a = InputFiles.read(input);
        if (a.ndim() != 2 && a.ndim() != 3) {
            throw new UserError(input + ": the input must have shape (T, n_in) or (T, B, n_in), found " + a.shapeString());
        }
        int t = a.dim(0);
        int bsz = a.ndim() == 3 ? a.dim(1) : 1;
        int cols = a.dim(a.ndim() - 1);
        if (cols != nIn) {
            throw new UserError(input + ": the input has " + cols + " features per sample, the network expects n_in = " + nIn
                    + " (from U), shape " + a.shapeString());
        }
        if (t < 1 || bsz < 1) {
            throw new UserError(input + ": the input holds no time steps or no samples, shape " + a.shapeString());
        }
        double[] v = InputFiles.conv(a::toDoubleArray);
        Matrix[] frames = new Matrix[t];
        int len = bsz * nIn;
        for (int k = 0; k < t; k++) {
            DMatrix m = new DMatrix(bsz, nIn);
            System.arraycopy(v, k * len, m.data, 0, len);
            InputFiles.finite(m, input + " (time step " + k + ")");
            frames[k] = m.to(p);
        }
        return frames;
    }

    /** The two inputs of a built-in stimulus and how they were chosen (for tracking.json). */
    record Endpoints(Matrix xa, Matrix xb, Object description) {
        /** xa = xb would leave the input still, and every error relative to the move divided by zero. */
        Endpoints {
            if (java.util.Arrays.equals(xa.toDouble().data, xb.toDouble().data)) {
                throw new UserError("the two inputs xa and xb (" + description + ") are the same: the stimulus would"
                        + " not move; give two different inputs (two different digits or images, or two different"
                        + " rows of --endpoints)");
            }
        }
    }

    /** The endpoints xa, xb from --endpoints, --digits or --images (exactly one). */
    Endpoints endpoints(Precision p, int nIn) {
        Path endpoints = o.endpoints();
        List<Integer> digits = o.digits();
        List<Integer> images = o.images();
        int given = (endpoints != null ? 1 : 0) + (digits != null ? 1 : 0) + (images != null ? 1 : 0);
        if (given != 1) {
            throw new UserError("a built-in stimulus needs exactly one of --endpoints X2.npy, --digits A,B and --images I,J");
        }
        if (endpoints != null) {
            Matrix m = InputFiles.matrix(endpoints, p, "the endpoints");
            if (m.rows != 2 || m.cols != nIn) {
                throw new UserError(endpoints + ": the endpoints must have shape (2, n_in) = (2, " + nIn + "), found "
                        + m.shape());
            }
            Matrix xa = m.like(1, nIn);
            Matrix xb = m.like(1, nIn);
            xa.copyRow(m, 0, 0);
            xb.copyRow(m, 1, 0);
            return new Endpoints(xa, xb, Map.of("xa", endpoints + " row 0", "xb", endpoints + " row 1"));
        }
        List<Integer> pair = digits != null ? digits : images;
        String opt = digits != null ? "--digits" : "--images";
        if (pair.size() != 2) {
            throw new UserError(opt + " takes two values, e.g. " + opt + (digits != null ? " 3,8" : " 18,61") + "; got " + pair);
        }
        Dataset test = pickFrom != null ? pickFrom : mnistTest(opt, nIn);
        String what = (pickFrom != null ? pickFromTitle : "MNIST") + " test image ";
        if (test.features() != nIn) {
            throw new UserError(opt + " picks images of " + test.features() + " values from " + test.name()
                    + ", but the network has n_in = " + nIn + "; give the two inputs with --endpoints instead");
        }
        int[] idx = new int[2];
        for (int s = 0; s < 2; s++) {
            int v = pair.get(s);
            if (digits != null) {
                if (v < 0 || v >= test.classes()) {
                    throw new UserError("--digits: labels are 0 to " + (test.classes() - 1) + ", got " + v);
                }
                idx[s] = -1;
                for (int i = 0; i < test.labels().length; i++) {
                    if (test.labels()[i] == v) {
                        idx[s] = i;
                        break;
                    }
                }
                if (idx[s] < 0) {
                    throw new UserError("--digits: no test image of " + test.name() + " has label " + v);
                }
            } else {
                if (v < 0 || v >= test.size()) {
                    throw new UserError("--images: indices are 0 to " + (test.size() - 1) + ", got " + v);
                }
                idx[s] = v;
            }
        }
        FMatrix xs = test.x();
        Matrix xa = p.zeros(1, nIn);
        Matrix xb = p.zeros(1, nIn);
        xa.copyRow(xs, idx[0], 0);
        xb.copyRow(xs, idx[1], 0);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("xa", what + idx[0] + " (label " + test.labels()[idx[0]] + ")");
        d.put("xb", what + idx[1] + " (label " + test.labels()[idx[1]] + ")");
        return new Endpoints(xa, xb, d);
    }

    /** MNIST's test split, for a network of 784 inputs given by files. */
    private Dataset mnistTest(String opt, int nIn) {
        if (nIn != 784) {
            throw new UserError(opt + " uses MNIST images (784 pixels), but the network has n_in = " + nIn
                    + " (from U); give the two inputs with --endpoints instead");
        }
        try {
            DataOptions d0 = DataOptions.defaults();
            return DataSets.load("mnist", "test", o.data != null ? d0.withDir(o.data) : d0);
        } catch (IOException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /** The T_s / tau_relax values of --compare ("none" or blank: none). */
    static double[] ratios(String s) {
        if (s.trim().equalsIgnoreCase("none") || s.isBlank()) {
            return new double[0];
        }
        String[] parts = s.split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UserError("--compare takes numbers separated by commas (or 'none'), got '" + s + "'");
            }
            if (!(v[i] > 0) || Double.isInfinite(v[i])) {
                throw new UserError("--compare: every T_s / tau_relax must be a positive number, got " + parts[i]);
            }
        }
        return v;
    }
}
