package org.fprnn.operator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fprnn.linalg.DMatrix;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.RowParallel;
import org.fprnn.linalg.Workspace;
import org.fprnn.linalg.Params;

/**
 * A layered network as one recurrent operator on the stacked state [r^(1), ..., r^(L)]
 * (MATH section 4, "Multi-layer networks"):
 *
 * <pre>
 *   (W r)^(k) = W_k r^(k) + F_k r^(k-1) + B_k r^(k+1)
 * </pre>
 *
 * with recurrent blocks W_k (any {@link RecurrentOperator}: dense, masked, Dale, convolution),
 * feedforward blocks F_k from layer k-1 to k (k = 2..L; any {@link LinearMap}, e.g. dense or a
 * strided {@link Conv2dMap}) and optional feedback blocks B_k from layer k+1 to k (k = 1..L-1). F_1,
 * the read-in, is the network's, not this operator's. Each block owns its own named parameters
 * ("W1", "F2", "B1", ...); the projection is each block's projection of the matching sub-blocks of
 * a and b. Layers are numbered from 1 as in MATH. The default read-in of a network with this
 * operator feeds layer 1 only and the default read-out reads layer L only. When every block is a
 * {@link ColumnMap} (convolutions and dense blocks) and some layer is not dense, apply and
 * applyTranspose work on the stacked rows in place; otherwise each layer's columns are copied out and
 * the result copied back (all-dense layered networks keep that path, with which their saved runs were
 * made).
 */
public final class BlockOperator implements RecurrentOperator {
    private final RecurrentOperator[] layers;
    /** ff[k] maps layer k-1 into layer k (0-based k; ff[0] is null). */
    private final LinearMap[] ff;
    /** fb[k] maps layer k+1 into layer k (0-based k; fb[L-1] is null). */
    private final LinearMap[] fb;
    private final int[] offset;
    private final List<String> names;
    private final Workspace ws = new Workspace();
    /** Workspace keys and per-layer views, made once so that the operations allocate nothing. */
    private final String[] xKeys;
    private final String[] yKeys;
    private final String[] oKeys;
    private final Matrix[] xs;
    private final Matrix[] ys;
    /**
     * Every block is a {@link ColumnMap} and some layer is not dense: apply and applyTranspose work on
     * the stacked state in place (see the constructor).
     */
    private final boolean inPlace;
    /** {@link #constrainLayers(int, int, int)} as {@link #constrain()}'s row blocks. */
    private final RowParallel.RowBlock constrainLayers = this::constrainLayers;

    /**
     * @param layers W_1 .. W_L
     * @param feedforward F_1 .. F_L with F_1 null and any other entry null for no block
     * @param feedback B_1 .. B_L with B_L null and any other entry null for no block
     */
    public BlockOperator(List<? extends RecurrentOperator> layers, List<? extends LinearMap> feedforward,
                         List<? extends LinearMap> feedback) {
        int l = layers.size();
        if (l == 0 || feedforward.size() != l || feedback.size() != l) {
            throw new IllegalArgumentException("a block operator needs L >= 1 layers and L feedforward and L feedback"
                    + " entries (null for none), got " + l + ", " + feedforward.size() + ", " + feedback.size());
        }
        this.layers = layers.toArray(new RecurrentOperator[0]);
        this.ff = feedforward.toArray(new LinearMap[0]);
        this.fb = feedback.toArray(new LinearMap[0]);
        if (ff[0] != null || fb[l - 1] != null) {
            throw new IllegalArgumentException("F_1 (the read-in) and B_L do not belong to the operator");
        }
        this.offset = new int[l + 1];
        for (int k = 0; k < l; k++) {
            offset[k + 1] = offset[k] + this.layers[k].units();
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < l; k++) {
            check(ff[k], k, k - 1, "F");
            check(fb[k], k, k + 1, "B");
        }
        for (LinearMap m : blocks()) {
            for (String n : m.parameterNames()) {
                if (names.contains(n)) {
                    throw new IllegalArgumentException("parameter name '" + n + "' is used by two blocks");
                }
                names.add(n);
            }
        }
        this.names = List.copyOf(names);
        this.xKeys = new String[l];
        this.yKeys = new String[l];
        this.oKeys = new String[l];
        for (int k = 0; k < l; k++) {
            xKeys[k] = "x" + k;
            yKeys[k] = "y" + k;
            oKeys[k] = "o" + k;
        }
        this.xs = new Matrix[l];
        this.ys = new Matrix[l];
        // All-dense layered networks keep the copying path although their blocks are ColumnMaps: their
        // saved runs were made with it (the in-place path rounds the sum of blocks differently), and
        // beside their N x N products the copies cost little. With convolutions the copies of the
        // large stacked state are a good part of an iteration.
        this.inPlace = blocks().stream().allMatch(m -> m instanceof ColumnMap)
                && java.util.Arrays.stream(this.layers).anyMatch(w -> !(w instanceof DenseOperator));
    }

    private void check(LinearMap m, int to, int from, String kind) {
        if (m != null && (m.outputs() != layers[to].units() || m.inputs() != layers[from].units())) {
            throw new IllegalArgumentException(kind + "_" + (to + 1) + " is " + m.outputs() + " x " + m.inputs()
                    + " but layer " + (to + 1) + " has " + layers[to].units() + " units and layer " + (from + 1)
                    + " has " + layers[from].units());
        }
    }

    /** Every block: W_1..W_L, then the feedforward blocks, then the feedback blocks. */
    private List<LinearMap> blocks() {
        List<LinearMap> all = new ArrayList<>(Arrays.asList(layers));
        for (LinearMap m : ff) {
            if (m != null) {
                all.add(m);
            }
        }
        for (LinearMap m : fb) {
            if (m != null) {
                all.add(m);
            }
        }
        return all;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a block operator from factories, inside a network builder. */
    public static final class Builder {
        private final List<MapFactory<? extends RecurrentOperator>> layers = new ArrayList<>();
        private final Map<Integer, MapFactory<? extends LinearMap>> ff = new TreeMap<>();
        private final Map<Integer, MapFactory<? extends LinearMap>> fb = new TreeMap<>();

        /** Adds layer L+1 with recurrent block W. */
        public Builder layer(MapFactory<? extends RecurrentOperator> w) {
            layers.add(w);
            return this;
        }

        /** F_k from layer k-1 to layer k, k >= 2 (1-based). */
        public Builder feedforward(int k, MapFactory<? extends LinearMap> f) {
            ff.put(k, f);
            return this;
        }

        /** B_k from layer k+1 to layer k, k >= 1 (1-based). */
        public Builder feedback(int k, MapFactory<? extends LinearMap> b) {
            fb.put(k, b);
            return this;
        }

        /** The factory: creates W_1..W_L, then F_2..F_L, then B_1..B_{L-1} (that order of draws). */
        public MapFactory<BlockOperator> factory() {
            return (params, precision, rng) -> {
                int l = layers.size();
                List<RecurrentOperator> w = new ArrayList<>();
                for (var f : layers) {
                    w.add(f.create(params, precision, rng));
                }
                List<LinearMap> f = new ArrayList<>(java.util.Collections.nCopies(l, (LinearMap) null));
                List<LinearMap> b = new ArrayList<>(java.util.Collections.nCopies(l, (LinearMap) null));
                for (var e : ff.entrySet()) {
                    if (e.getKey() < 2 || e.getKey() > l) {
                        throw new IllegalArgumentException("feedforward block F_" + e.getKey() + " of " + l + " layers");
                    }
                    f.set(e.getKey() - 1, e.getValue().create(params, precision, rng));
                }
                for (var e : fb.entrySet()) {
                    if (e.getKey() < 1 || e.getKey() >= l) {
                        throw new IllegalArgumentException("feedback block B_" + e.getKey() + " of " + l + " layers");
                    }
                    b.set(e.getKey() - 1, e.getValue().create(params, precision, rng));
                }
                return new BlockOperator(w, f, b);
            };
        }
    }

    /**
     * Dense layers of the given sizes: W_k named "W{k}" (scale * randn / sqrt(N_k)), F_k named "F{k}"
     * (ffStd * randn), and, if fbStd > 0, B_k named "B{k}" (fbStd * randn).
     */
    public static MapFactory<BlockOperator> dense(int[] sizes, double scale, double ffStd, double fbStd) {
        Builder b = builder();
        for (int k = 1; k <= sizes.length; k++) {
            b.layer(DenseOperator.factory("W" + k, sizes[k - 1], scale));
            if (k >= 2) {
                b.feedforward(k, DenseMap.factory("F" + k, sizes[k - 1], sizes[k - 2], ffStd));
            }
            if (k < sizes.length && fbStd > 0) {
                b.feedback(k, DenseMap.factory("B" + k, sizes[k - 1], sizes[k], fbStd));
            }
        }
        return b.factory();
    }

    /** Number of layers L. */
    public int layerCount() { return layers.length; }

    /** Units of layer k (1-based) in the stacked state. */
    public UnitRange layerUnits(int k) { return new UnitRange(offset[k - 1], offset[k]); }

    /** W_k (1-based). */
    public RecurrentOperator layer(int k) { return layers[k - 1]; }

    /** F_k (1-based), or null. */
    public LinearMap feedforward(int k) { return ff[k - 1]; }

    /** B_k (1-based), or null. */
    public LinearMap feedback(int k) { return fb[k - 1]; }

    @Override public int units() { return offset[layers.length]; }

    @Override public UnitRange inputUnits() { return layerUnits(1); }

    @Override public UnitRange outputUnits() { return layerUnits(layers.length); }

    /** Layer k's columns of m (0-based k), gathered into workspaces: into[k] (B x N_k). */
    private Matrix[] parts(String[] keys, Matrix m, Matrix[] into) {
        for (int k = 0; k < layers.length; k++) {
            int n = offset[k + 1] - offset[k];
            into[k] = ws.get(keys[k], m.rows, n, m.precision());
            Ops.copyColumns(m, offset[k], into[k], 0, n);
        }
        return into;
    }

    /**
     * out^(k) = alpha (W_k r^(k) + F_k r^(k-1) + B_k r^(k+1)) + beta out^(k) (MATH section 4);
     * r, out are B x N stacked.
     */
    @Override
    public void apply(Matrix r, Matrix out, double alpha, double beta) {
        if (layers.length == 1) {
            layers[0].apply(r, out, alpha, beta);
            return;
        }
        if (inPlace && r != out) {
            for (int k = 0; k < layers.length; k++) {
                ((ColumnMap) layers[k]).applyColumns(r, offset[k], out, offset[k], alpha, beta);
                if (ff[k] != null) {
                    ((ColumnMap) ff[k]).applyColumns(r, offset[k - 1], out, offset[k], alpha, 1);
                }
                if (fb[k] != null) {
                    ((ColumnMap) fb[k]).applyColumns(r, offset[k + 1], out, offset[k], alpha, 1);
                }
            }
            return;
        }
        Matrix[] x = parts(xKeys, r, xs);
        for (int k = 0; k < layers.length; k++) {
            Matrix o = ws.get(oKeys[k], r.rows, layers[k].units(), r.precision());
            layers[k].apply(x[k], o, 1, 0);
            if (ff[k] != null) {
                ff[k].apply(x[k - 1], o, 1, 1);
            }
            if (fb[k] != null) {
                fb[k].apply(x[k + 1], o, 1, 1);
            }
            Ops.combineColumns(alpha, o, 0, beta, out, offset[k], o.cols);
        }
    }

    /**
     * The transpose: out^(j) = alpha (W_j^T a^(j) + F_{j+1}^T a^(j+1) + B_{j-1}^T a^(j-1)) + beta out^(j).
     */
    @Override
    public void applyTranspose(Matrix a, Matrix out, double alpha, double beta) {
        if (layers.length == 1) {
            layers[0].applyTranspose(a, out, alpha, beta);
            return;
        }
        if (inPlace && a != out) {
            for (int j = 0; j < layers.length; j++) {
                ((ColumnMap) layers[j]).applyTransposeColumns(a, offset[j], out, offset[j], alpha, beta);
                if (j + 1 < layers.length && ff[j + 1] != null) {
                    ((ColumnMap) ff[j + 1]).applyTransposeColumns(a, offset[j + 1], out, offset[j], alpha, 1);
                }
                if (j > 0 && fb[j - 1] != null) {
                    ((ColumnMap) fb[j - 1]).applyTransposeColumns(a, offset[j - 1], out, offset[j], alpha, 1);
                }
            }
            return;
        }
        Matrix[] x = parts(xKeys, a, xs);
        for (int j = 0; j < layers.length; j++) {
            Matrix o = ws.get(oKeys[j], a.rows, layers[j].units(), a.precision());
            layers[j].applyTranspose(x[j], o, 1, 0);
            if (j + 1 < layers.length && ff[j + 1] != null) {
                ff[j + 1].applyTranspose(x[j + 1], o, 1, 1);
            }
            if (j > 0 && fb[j - 1] != null) {
                fb[j - 1].applyTranspose(x[j - 1], o, 1, 1);
            }
            Ops.combineColumns(alpha, o, 0, beta, out, offset[j], o.cols);
        }
    }

    /**
     * Each block's projection of its sub-blocks (MATH section 4): W_k gets (a^(k), b^(k)), F_k gets
     * (a^(k), b^(k-1)), B_k gets (a^(k), b^(k+1)); a, b are B x N stacked.
     */
    @Override
    public void project(Matrix a, Matrix b, double scale, Params into, boolean accumulate) {
        if (!anyIn(into)) {
            return;
        }
        if (layers.length == 1) {
            layers[0].project(a, b, scale, into, accumulate);
            return;
        }
        Matrix[] pa = parts(xKeys, a, xs);
        Matrix[] pb = parts(yKeys, b, ys);
        for (int k = 0; k < layers.length; k++) {
            layers[k].project(pa[k], pb[k], scale, into, accumulate);
            if (ff[k] != null) {
                ff[k].project(pa[k], pb[k - 1], scale, into, accumulate);
            }
            if (fb[k] != null) {
                fb[k].project(pa[k], pb[k + 1], scale, into, accumulate);
            }
        }
    }

    @Override
    public List<String> parameterNames() {
        return names;
    }

    @Override
    public Params parameters() {
        Params p = new Params();
        for (LinearMap m : blocks()) {
            m.parameters().asMap().forEach(p::put);
        }
        return p;
    }

    /**
     * Each block's constraint. The recurrent blocks' (the bounds on ||W_k||_2, each a power iteration
     * of single-sample products: serial work) run side by side, layers split into contiguous groups
     * over {@link RowParallel}'s threads: each block is constrained on its own data, so the bits do
     * not depend on the thread count. In layered conv networks the layers' costs are alike (halving
     * the map's side while doubling the channels keeps a convolution's work), so W_1 on one thread
     * and the rest on the other balance.
     */
    @Override
    public void constrain() {
        RowParallel.forRows(layers.length, constrainLayers);
        for (LinearMap m : ff) {
            if (m != null) {
                m.constrain();
            }
        }
        for (LinearMap m : fb) {
            if (m != null) {
                m.constrain();
            }
        }
    }

    /** Constrains the recurrent blocks W_(from+1) .. W_to (0-based layers [from, to)). */
    private void constrainLayers(int part, int from, int to) {
        for (int k = from; k < to; k++) {
            layers[k].constrain();
        }
    }

    @Override
    public DMatrix dense() {
        int n = units();
        DMatrix m = new DMatrix(n, n);
        for (int k = 0; k < layers.length; k++) {
            place(m, layers[k].dense(), offset[k], offset[k]);
            if (ff[k] != null) {
                place(m, ff[k].dense(), offset[k], offset[k - 1]);
            }
            if (fb[k] != null) {
                place(m, fb[k].dense(), offset[k], offset[k + 1]);
            }
        }
        return m;
    }

    private static void place(DMatrix m, DMatrix block, int row, int col) {
        for (int i = 0; i < block.rows; i++) {
            System.arraycopy(block.data, i * block.cols, m.data, (row + i) * m.cols + col, block.cols);
        }
    }

    @Override
    public BlockOperator toDouble() {
        List<RecurrentOperator> w = new ArrayList<>();
        List<LinearMap> f = new ArrayList<>();
        List<LinearMap> b = new ArrayList<>();
        for (int k = 0; k < layers.length; k++) {
            w.add(layers[k].toDouble());
            f.add(ff[k] == null ? null : ff[k].toDouble());
            b.add(fb[k] == null ? null : fb[k].toDouble());
        }
        return new BlockOperator(w, f, b);
    }
}
