package org.fprnn.cli.classify;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.fprnn.cli.config.LayerConfig;
import org.fprnn.cli.config.RunConfig;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.model.Loss;
import org.fprnn.operator.BlockOperator;
import org.fprnn.operator.Conv2dMap;
import org.fprnn.operator.Conv2dOperator;
import org.fprnn.operator.DaleOperator;
import org.fprnn.operator.DenseMap;
import org.fprnn.operator.DenseOperator;
import org.fprnn.operator.EmbeddedMap;
import org.fprnn.operator.FeatureShape;
import org.fprnn.operator.LinearMap;
import org.fprnn.operator.MapFactory;
import org.fprnn.operator.MaskedOperator;
import org.fprnn.operator.PooledReadout;
import org.fprnn.operator.RecurrentOperator;
import org.fprnn.operator.TransposedMap;
import org.fprnn.operator.UnitRange;
import org.fprnn.rule.RuleSettings;
import org.fprnn.train.TrainSettings;

/**
 * A classification config resolved into its runs (every rule x learning rate in config order, for
 * each seed in turn) and what each run needs: the network at start (drawn from the run's seed, so the
 * same for every run of a seed), the
 * training settings, and a canonical description of the settings that decides whether a saved run
 * or checkpoint belongs to this config.
 */
public final class ClassificationPlan {

    /**
     * One run of the sweep: a rule at a learning rate from one seed.
     *
     * @param namedBySeed false for the config's first seed, whose files keep the names they had before
     *     seeds existed (RULE_lrLR), true for the others (RULE_lrLR_seedS)
     */
    public record RunSpec(String rule, double lr, long seed, boolean namedBySeed) {
        /** A run of a one-seed sweep (named without its seed). */
        public RunSpec(String rule, double lr, long seed) {
            this(rule, lr, seed, false);
        }

        /** File-name id, e.g. "gradient_lr0.0025" or "gradient_lr0.0025_seed2". */
        public String id() {
            return rule + "_lr" + lrText(lr) + (namedBySeed ? "_seed" + seed : "");
        }

        public String label() {
            return rule + " lr " + lrText(lr) + " seed " + seed;
        }

        /** The same rule and learning rate (the runs a row of the results aggregates over seeds). */
        public boolean sameSetting(RunSpec o) {
            return rule.equals(o.rule) && lr == o.lr;
        }
    }

    private final RunConfig cfg;
    private final List<RunSpec> runs = new ArrayList<>();

    public ClassificationPlan(RunConfig cfg) {
        if (!cfg.protocol().equals("classification")) {
            throw new IllegalArgumentException("not a classification config: " + cfg.protocol());
        }
        this.cfg = cfg;
        // Seed by seed, so that an interrupted long sweep has every setting of its first seeds done.
        var perRule = cfg.sweep().perRule();
        for (long seed : cfg.seeds()) {
            boolean named = seed != cfg.seed();
            perRule.forEach((rule, lrs) -> lrs.forEach(lr -> runs.add(new RunSpec(rule, lr, seed, named))));
        }
    }

    /** The plan of one seed: its network at start is the one drawn from that seed. */
    public ClassificationPlan forSeed(long seed) {
        return seed == cfg.seed() && cfg.seeds().size() == 1 ? this
                : new ClassificationPlan(cfg.withSeeds(List.of(seed)));
    }

    public RunConfig config() {
        return cfg;
    }

    public List<RunSpec> runs() {
        return runs;
    }

    /** The network at start, for flat inputs with this many features (dense read-in only) and classes. */
    public FixedPointNetwork newNetwork(int inputs, int outputs) {
        return newNetwork(new FeatureShape(1, 1, inputs), outputs);
    }

    /**
     * The network at start for images of the given shape (channels x height x width, as the data
     * set stores them) and this many classes; see {@link org.fprnn.cli.config.NetworkConfig} for
     * what each connectivity builds. A plain dense layer is built exactly as before the other
     * connectivities existed (same draws from the seed). Layered networks name their blocks W1..WL,
     * F2..FL and B1..B(L-1); single layers W; the read-in is U and the read-out R.
     *
     * @throws IllegalArgumentException if the network does not fit the data (conv on flat samples)
     */
    public FixedPointNetwork newNetwork(FeatureShape image, int outputs) {
        var n = cfg.network();
        FixedPointNetwork.Builder b = FixedPointNetwork.builder().inputs(image.size()).outputs(outputs)
                .nonlinearity(n.f()).dynamics(n.dynamicsValue()).precision(n.precisionValue())
                .trainInput(n.trainInput()).trainBias(n.trainBias()).trainReadout(n.trainReadout())
                .readoutBias(n.readoutBias()).recurrentScale(n.recurrentScale()).seed(cfg.seed());
        if (n.plainDense()) {
            return b.units(n.units()).build();
        }
        boolean layered = n.layers() != null;
        List<LayerConfig> layers = layered ? n.layers()
                : List.of(new LayerConfig(n.units(), n.channels(), n.kernel(), n.stride(), false));
        boolean conv = n.conv();
        List<FeatureShape> shapes = layerShapes(image);
        int total = shapes.stream().mapToInt(FeatureShape::size).sum();
        if (layered) {
            BlockOperator.Builder ops = BlockOperator.builder();
            for (int k = 0; k < layers.size(); k++) {
                ops.layer(recurrentBlock("W" + (k + 1), shapes.get(k), layers.get(k)));
                if (k >= 1) {
                    ops.feedforward(k + 1, feedforwardBlock("F" + (k + 1), shapes.get(k - 1), shapes.get(k),
                            layers.get(k), n.feedforwardScale()));
                }
                if (layers.get(k).feedback()) {
                    ops.feedback(k + 1, feedbackBlock("B" + (k + 1), shapes.get(k), shapes.get(k + 1),
                            layers.get(k + 1), n.feedbackScale()));
                }
            }
            b.recurrent(ops.factory());
        } else {
            b.recurrent(recurrentBlock("W", shapes.getFirst(), layers.getFirst()));
        }
        FeatureShape first = shapes.getFirst();
        FeatureShape last = shapes.getLast();
        if (conv) {
            LayerConfig l1 = layers.getFirst();
            MapFactory<Conv2dMap> in = Conv2dMap.factory("U", image, l1.channels(), l1.kernel(), l1.stride(),
                    (l1.kernel() - 1) / 2, 1 / Math.sqrt((double) image.channels() * l1.kernel() * l1.kernel()));
            b.readIn(layered ? EmbeddedMap.intoOutputs(in, new UnitRange(0, first.size()), total) : in);
            if (n.readout().equals("pooled")) {
                MapFactory<PooledReadout> out = PooledReadout.factory("R", last, outputs);
                b.readOut(layered ? EmbeddedMap.fromInputs(out, new UnitRange(total - last.size(), total), total) : out);
            }
        }
        return b.build();
    }

    /**
     * A lower estimate of the heap a run of this plan needs, in bytes, for images of this shape and
     * this many classes, computed before anything is allocated: every parameter (recurrent blocks,
     * read-in, read-out) held {@code 4 + optimizer slots} times (the network at start, the network
     * being trained, the direction, the copy written to a checkpoint, and the optimizer's moments),
     * plus the batch states of the solver. Convolutions count as no parameters (their kernels are small).
     *
     * @throws org.fprnn.cli.UserError if one matrix has more elements than a Java array holds
     */
    public long memoryEstimate(FeatureShape image, int outputs) {
        var n = cfg.network();
        List<FeatureShape> shapes = layerShapes(image);
        long total = 0;
        long params = 0;
        for (int k = 0; k < shapes.size(); k++) {
            long size = shapes.get(k).size();
            total += size;
            if (!n.conv()) {
                long copies = n.connectivity().equals("dense") ? 1 : 2; // masked and Dale keep a mask or signs
                params += copies * elements(shapes.size() == 1 ? "W" : "W" + (k + 1), size, size);
                if (k > 0) {
                    params += elements("F" + (k + 1), size, shapes.get(k - 1).size());
                    if (n.layers() != null && n.layers().get(k - 1).feedback()) {
                        params += elements("B" + k, shapes.get(k - 1).size(), size);
                    }
                }
            }
        }
        if (!n.conv()) {
            params += elements("U", shapes.getFirst().size(), image.size());
        }
        params += elements("R", outputs, shapes.getLast().size());
        var t = cfg.train();
        int slots = t.optimizer().equals("adam") ? 2 : t.optimizer().equals("nesterov") || t.momentum() > 0 ? 1 : 0;
        long bytesPer = n.precision().equals("double") ? 8 : 4;
        long batchRows = (long) t.batchSize() + t.testBatch();
        long states = batchRows * total * (2L * cfg.solver().memory() + 8);
        return bytesPer * ((4 + slots) * params + states);
    }

    /** rows * cols, refused when a Java array cannot hold it. */
    private static long elements(String name, long rows, long cols) {
        long e = rows * cols;
        if (e > Integer.MAX_VALUE - 8) {
            throw new org.fprnn.cli.UserError(String.format(Locale.ROOT, "the network is too large: %s would be a"
                    + " %d x %d matrix, %,d elements, more than a Java array holds (2^31 - 1); use fewer units (a"
                    + " dense layer has at most 46,340)", name, rows, cols, e));
        }
        return e;
    }

    /**
     * The state shape of each layer for images of this shape: conv layers C_k x H_k x W_k with
     * H_k = (H_{k-1} + 2 pad - k) / stride + 1, pad = (k - 1) / 2 (H_0 the image's); other layers
     * 1 x 1 x N_k.
     */
    public List<FeatureShape> layerShapes(FeatureShape image) {
        var n = cfg.network();
        boolean layered = n.layers() != null;
        List<LayerConfig> layers = layered ? n.layers()
                : List.of(new LayerConfig(n.units(), n.channels(), n.kernel(), n.stride(), false));
        List<FeatureShape> shapes = new ArrayList<>();
        FeatureShape prev = image;
        for (int k = 0; k < layers.size(); k++) {
            LayerConfig l = layers.get(k);
            FeatureShape s;
            if (n.conv()) {
                if (image.height() == 1 && image.width() == 1 && k == 0) {
                    throw new IllegalArgumentException("network.connectivity = \"conv\" needs images; the data set has"
                            + " flat samples of " + image.size() + " values");
                }
                // Same padding with an odd kernel: H_k = (H_{k-1} - 1) / stride + 1 >= 1 always.
                int pad = (l.kernel() - 1) / 2;
                int h = (prev.height() + 2 * pad - l.kernel()) / l.stride() + 1;
                int w = (prev.width() + 2 * pad - l.kernel()) / l.stride() + 1;
                s = new FeatureShape(l.channels(), h, w);
            } else {
                s = new FeatureShape(1, 1, l.units());
            }
            shapes.add(s);
            prev = s;
        }
        return shapes;
    }

    /** W_k of the network's connectivity on a layer of this shape (MATH section 4). */
    private MapFactory<? extends RecurrentOperator> recurrentBlock(String name, FeatureShape shape, LayerConfig l) {
        var n = cfg.network();
        int units = shape.size();
        return switch (n.connectivity()) {
            case "dense" -> DenseOperator.factory(name, units, n.recurrentScale());
            case "masked" -> MaskedOperator.random(name, units, n.density(), n.recurrentScale());
            case "dale" -> DaleOperator.factory(name, units, n.excitatoryFraction(), n.recurrentScale(),
                    n.daleMode().equals("projection") ? DaleOperator.Mode.PROJECTION : DaleOperator.Mode.PARAMETERIZATION,
                    n.density() == null ? 1.0 : n.density());
            case "conv" -> Conv2dOperator.factory(name, shape, l.kernel(), n.recurrentScale());
            default -> throw new IllegalStateException(n.connectivity());
        };
    }

    /** F_k from a layer of shape {@code from} into layer k of shape {@code to}. */
    private MapFactory<? extends LinearMap> feedforwardBlock(String name, FeatureShape from, FeatureShape to,
                                                             LayerConfig l, double scale) {
        if (cfg.network().conv()) {
            return Conv2dMap.factory(name, from, to.channels(), l.kernel(), l.stride(), (l.kernel() - 1) / 2,
                    scale / Math.sqrt((double) from.channels() * l.kernel() * l.kernel()));
        }
        return DenseMap.factory(name, to.size(), from.size(), scale / Math.sqrt(from.size()));
    }

    /**
     * B_k from layer k+1 (shape {@code above}, made from this layer by {@code upper}'s F_{k+1}) into
     * layer k: dense, or for conv the transpose of a convolution with F_{k+1}'s geometry.
     */
    private MapFactory<? extends LinearMap> feedbackBlock(String name, FeatureShape here, FeatureShape above,
                                                          LayerConfig upper, double scale) {
        if (cfg.network().conv()) {
            return TransposedMap.of(Conv2dMap.factory(name, here, above.channels(), upper.kernel(), upper.stride(),
                    (upper.kernel() - 1) / 2,
                    scale / Math.sqrt((double) above.channels() * upper.kernel() * upper.kernel())));
        }
        return DenseMap.factory(name, here.size(), above.size(), scale / Math.sqrt(above.size()));
    }

    /** One line describing the network for results pages, e.g. "2 dense layers (256 units, 128 units; ...)". */
    public String describeNetwork(FixedPointNetwork net) {
        var n = cfg.network();
        StringBuilder sb = new StringBuilder();
        String conn = switch (n.connectivity()) {
            case "masked" -> "masked (density " + n.density() + ")";
            case "dale" -> "Dale " + Math.round(100 * n.excitatoryFraction()) + "/"
                    + Math.round(100 * (1 - n.excitatoryFraction())) + " (" + n.daleMode()
                    + (n.density() == null ? "" : ", density " + n.density()) + ")";
            case "conv" -> "convolutional";
            default -> "dense";
        };
        if (net.recurrent() instanceof BlockOperator bo) {
            sb.append(bo.layerCount()).append(" ").append(conn).append(" layers (");
            for (int k = 1; k <= bo.layerCount(); k++) {
                sb.append(k > 1 ? ", " : "").append(layerText(bo.layer(k)));
            }
            List<String> fb = new ArrayList<>();
            for (int k = 1; k < bo.layerCount(); k++) {
                if (bo.feedback(k) != null) {
                    fb.add("B" + k);
                }
            }
            sb.append(fb.isEmpty() ? "; no feedback" : "; feedback " + String.join(", ", fb)).append("), N = ")
                    .append(net.units());
        } else {
            sb.append(conn).append(", ").append(layerText(net.recurrent())).append(", N = ").append(net.units());
        }
        if (n.conv()) {
            LinearMap in = net.readIn() instanceof EmbeddedMap e ? e.inner() : net.readIn();
            sb.append("; read-in ").append(in instanceof Conv2dMap c ? c.kernelSize() + "x" + c.kernelSize()
                    + " convolution with stride " + c.stride() : "dense").append("; read-out ").append(n.readout());
        }
        return sb.toString();
    }

    private static String layerText(RecurrentOperator op) {
        if (op instanceof Conv2dOperator c) {
            return c.shape() + " maps with a " + c.kernelSize() + "x" + c.kernelSize() + " kernel";
        }
        return op.units() + " units";
    }

    public TrainSettings trainSettings(RunSpec r) {
        var t = cfg.train();
        var forward = cfg.solver().toSolverConfig();
        var unroll = r.rule().equals("bptt") && cfg.rule().bpttUnroll() != null ? cfg.rule().bpttUnroll() : forward;
        var rs = new RuleSettings(Loss.CROSS_ENTROPY, cfg.rule().gainMode(), cfg.rule().adjoint(), unroll, r.lr());
        return new TrainSettings(r.rule(), r.lr(), t.optimizer(), t.momentum(), t.weightDecay(), t.batchSize(),
                t.epochs(), forward, rs, t.testBatch(), t.fullTestEveryEpoch(), r.seed(), t.onNonconverged(),
                t.maxDirectionNorm(), t.maxConsecutiveRefusals(), cfg.diagnostics().toSettings(),
                cfg.solver().warmStart(), t.options());
    }

    /**
     * Everything that decides a run's trajectory, as canonical JSON ({@link RunIdentity}): a saved
     * run or checkpoint is reused only when this matches exactly.
     */
    public String settingsJson(RunSpec r) {
        return RunIdentity.json(cfg, r);
    }

    /** A learning rate as written in file names and tables: 0.0025, 0.1, 1; 1e-07 and 1e39 outside [1e-6, 1e6). */
    public static String lrText(double lr) {
        BigDecimal b = BigDecimal.valueOf(lr).stripTrailingZeros();
        if (lr >= 1e-6 && lr < 1e6) {
            return b.toPlainString();
        }
        return b.toString().toLowerCase(java.util.Locale.ROOT).replace("+", "");
    }
}
