package org.fprnn.cli.classify;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.UserError;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.io.AtomicFiles;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;
import org.fprnn.io.Safetensors;
import org.fprnn.model.FixedPointNetwork;
import org.fprnn.train.TrainingCheckpoint;

/**
 * The files of a sweep's results folder (see {@link ClassificationRunner}) and their checks: before
 * any work every finished run and checkpoint is verified and compared with the plan's settings; a
 * damaged file or one made with other settings is a UserError (exit 2) naming it and what to do.
 * metrics.jsonl is rewritten from the finished runs and the checkpoints; a failed write stops the
 * sweep with a message saying what is kept.
 */
final class SweepFolder {
    private final ClassificationPlan plan;
    private final Path dir;
    private final Path runsDir;
    private final Path checkpointsDir;
    private final PrintWriter out;
    private final Map<String, Object> info;
    private final boolean allowMissingWeights;
    /** The rules this invocation runs (fprnn run --only), or null for all. */
    private java.util.Set<String> only;

    /** @param allowMissingWeights accept finished runs whose weights file is missing (see {@link #load}) */
    SweepFolder(ClassificationPlan plan, Path dir, PrintWriter out, Map<String, Object> info,
                boolean allowMissingWeights) {
        this.plan = plan;
        this.dir = dir;
        this.runsDir = dir.resolve("runs");
        this.checkpointsDir = dir.resolve("checkpoints");
        this.out = out;
        this.info = info;
        this.allowMissingWeights = allowMissingWeights;
    }

    /** Restricts this invocation to these rules' runs (fprnn run --only; null for all). */
    void onlyRules(java.util.Set<String> rules) {
        this.only = rules;
    }

    /** The rules of --only, or null for all. */
    java.util.Set<String> onlyRules() {
        return only;
    }

    /** True if this invocation makes spec's run (no --only, or its rule is among them). */
    boolean selected(RunSpec spec) {
        return only == null || only.contains(spec.rule());
    }

    /**
     * The command that resumes what this invocation was doing: the sweep's (the one its pages name),
     * with the invocation's --only.
     */
    String resumeCommand() {
        return info.get("command") + (only != null ? " --only " + String.join(",", only) : "");
    }

    /** The finished run of spec, verified, or null if it has not finished ({@link RunResult#load}). */
    RunResult load(RunSpec spec) throws IOException {
        return RunResult.load(runsDir, spec, allowMissingWeights);
    }

    /**
     * A write into the results folder failed during a run (a full disk, say): the sweep stops with a
     * message (exit 2). Nothing half-written is left (every file but metrics.jsonl is replaced by a
     * rename, and metrics.jsonl is rewritten from the runs and checkpoints when the sweep resumes),
     * so the run's last good checkpoint stays and the same command resumes from it.
     */
    UserError writeFailure(IOException e, RunSpec spec, Path ckpt) {
        String kept;
        try {
            kept = Files.isRegularFile(ckpt) ? "its last checkpoint, " + ckpt + " (step "
                    + Safetensors.read(ckpt).metadata().get("step") + "), is kept"
                    : "it has no checkpoint yet, so it restarts from its first step";
        } catch (IOException unreadable) {
            kept = "its checkpoint " + ckpt + " is kept";
        }
        return new UserError("cannot write to the results folder " + dir + ": " + e.getMessage() + ". Run "
                + spec.label() + " stopped; " + kept + ". Free some space (or make the folder writable) and run the"
                + " same command to resume:\n  " + resumeCommand(), e);
    }

    /** {@link #rewriteMetrics} at the start of a run or of the end, a failed write stopping the sweep. */
    void rewriteMetricsOrStop(List<RunResult> finished) throws IOException {
        try {
            rewriteMetrics(finished);
        } catch (FormatException e) {
            throw new UserError(e.getMessage() + ". Nothing was changed; put back an intact copy of that file, or"
                    + " delete it (a checkpoint: that run restarts from its first step).", e);
        } catch (IOException e) {
            throw new UserError("cannot write " + dir.resolve("metrics.jsonl") + ": " + e.getMessage() + ". Every"
                    + " finished run and checkpoint is kept; free some space (or make the folder writable) and run"
                    + " the same command to resume:\n  " + resumeCommand(), e);
        }
    }

    /** A verified checkpoint of this run; a damaged one is a UserError saying what to do. */
    TrainingCheckpoint readCheckpoint(RunSpec spec) throws IOException {
        try {
            return TrainingCheckpoint.read(checkpointFile(spec), spec.rule(), spec.lr(), spec.seed());
        } catch (FormatException e) {
            throw badCheckpoint(e, spec);
        }
    }

    /** Why another seed sits under a run's name, and the fix. */
    private static final String SEED_ORDER = "the runs of the first seed are named without _seedS, so give the seeds"
            + " in the order this folder was made with";

    UserError badCheckpoint(FormatException e, RunSpec spec) {
        if (e instanceof TrainingCheckpoint.OtherSeed other) {
            // a sound file under the name of the first seed's run: the seeds were given in another order
            return new UserError("results folder " + dir + " holds a checkpoint of seed " + other.seed() + " where this"
                    + " command expects run " + spec.label() + " (" + checkpointFile(spec) + "): " + SEED_ORDER
                    + " (seed " + other.seed() + " first), or write elsewhere with --out DIR. Nothing was changed.", e);
        }
        return new UserError("checkpoint refused: " + e.getMessage() + ". Nothing was changed. Delete "
                + checkpointFile(spec) + " to restart run " + spec.label() + " from its first step (finished runs"
                + " are kept), or put back an intact copy of it.", e);
    }

    /**
     * Checks every checkpoint against its run's length and the network's shapes before any run
     * starts, so a bad checkpoint stops the sweep before anything is written.
     */
    void checkCheckpoints(int totalSteps, FixedPointNetwork net) throws IOException {
        for (RunSpec spec : plan.runs()) {
            if (Files.isRegularFile(checkpointFile(spec)) && !Files.isRegularFile(RunResult.jsonFile(runsDir, spec))) {
                TrainingCheckpoint c = readCheckpoint(spec);
                try {
                    c.check(totalSteps, net);
                } catch (FormatException e) {
                    throw badCheckpoint(e, spec);
                }
                if (!c.verified()) {
                    out.println("note: " + checkpointFile(spec) + " was written by an earlier fprnn without checksums;"
                            + " its metadata, steps and shapes were checked, its values cannot be verified");
                }
            }
        }
    }

    /**
     * Deletes temporary files a killed process left while writing this run's checkpoint (the
     * checkpoint itself is only ever replaced by a rename, so it is whole).
     */
    static void removeStaleTempFiles(Path ckpt) throws IOException {
        Path folder = ckpt.getParent();
        if (!Files.isDirectory(folder)) {
            return;
        }
        String prefix = "." + ckpt.getFileName() + ".";
        try (var s = Files.list(folder)) {
            for (Path f : s.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** The file that records which data the folder's runs were trained on ({@link SweepData#fingerprint}). */
    static final String DATA_FILE = "data.json";

    /**
     * Refuses data other than those the folder's runs were trained on (data.json, written by the first
     * sweep that ran here): another data_dir of an IDX folder, say, would otherwise continue runs, and
     * relabel finished ones, on other images. A folder without data.json (made before it was written),
     * or without a run record or checkpoint yet, records the data read now. Call with the folder
     * locked, before any run starts.
     */
    void checkData(SweepData data) throws IOException {
        Map<String, Object> now = data.fingerprint();
        Path file = dir.resolve(DATA_FILE);
        if (!Files.isRegularFile(file) || !holdsRuns()) {   // no run yet: the data of this sweep are the folder's
            Map<String, Object> m = new LinkedHashMap<>(now);
            m.put("what", "the data this folder's runs were trained on; fprnn run refuses other data here");
            try {
                AtomicFiles.write(file, (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UserError("cannot write " + file + ": " + e.getMessage() + "; nothing was trained. Free"
                        + " some space (or make the folder writable) and run the same command again", e);
            }
            return;
        }
        Map<?, ?> saved;
        try {
            Object parsed = Json.parse(Files.readString(file), file.toString());
            if (!(parsed instanceof Map<?, ?> m)) {
                throw new FormatException(file, "holds no JSON object");
            }
            saved = m;
        } catch (IOException e) {   // malformed, not UTF-8, unreadable
            throw new UserError(file + " cannot be read (" + e.getMessage() + "); it records which data this"
                    + " folder's runs were trained on: restore it, or delete it if you are sure the data are the same"
                    + " (the next run then records the data it reads). Nothing was changed", e);
        }
        List<String> differ = new ArrayList<>();
        for (var e : now.entrySet()) {
            Object was = saved.get(e.getKey());
            if (!Json.write(e.getValue()).equals(Json.write(was))) {
                differ.add(e.getKey() + " " + Json.write(was) + " -> " + Json.write(e.getValue()));
            }
        }
        if (!differ.isEmpty()) {
            throw new UserError("the data read now (" + data.name() + " from " + data.where() + ") are not those the"
                    + " runs in " + dir + " were trained on (" + file.getFileName() + "): " + String.join(", ", differ)
                    + ". Nothing was changed. Point [data] (data_dir, name, limits) back at those data, or give this"
                    + " sweep another folder with --out");
        }
    }

    /** True if the folder holds a run's record or a checkpoint (of any run, of this plan or not). */
    private boolean holdsRuns() throws IOException {
        for (Path d : List.of(runsDir, checkpointsDir)) {
            if (Files.isDirectory(d)) {
                try (var files = Files.list(d)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith(".json")
                            || f.getFileName().toString().endsWith(".safetensors"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    Path checkpointFile(RunSpec spec) {
        return checkpointsDir.resolve(spec.id() + ".safetensors");
    }

    /**
     * Refuses, before any work, a results folder that holds runs or checkpoints made with other
     * settings (a changed config), or a finished run whose record, metrics or weights are missing,
     * malformed or do not match their recorded checksums, or a checkpoint that fails its checks.
     */
    void check() throws IOException {
        org.fprnn.cli.report.FolderProtocol.requireClassification(dir);
        int unverified = 0;
        int withoutWeights = 0;
        for (RunSpec spec : plan.runs()) {
            String want = plan.settingsJson(spec);
            Path where = RunResult.jsonFile(runsDir, spec);
            String saved;
            try {
                saved = RunResult.savedSettings(runsDir, spec);
                RunResult done = load(spec);
                if (done != null && !done.verified) {
                    unverified++;
                }
                if (done != null && !done.weightsPresent) {
                    withoutWeights++;
                }
            } catch (FormatException e) {
                throw new UserError("finished run refused: " + e.getMessage() + ". Nothing was changed. Put back"
                        + " intact copies of runs/" + spec.id() + ".json, runs/" + spec.id() + ".metrics.jsonl and weights/"
                        + spec.id() + ".safetensors, or delete those three files to run " + spec.label() + " again.", e);
            }
            if (saved == null && Files.isRegularFile(checkpointFile(spec))) {
                saved = readCheckpoint(spec).settings();
                where = checkpointFile(spec);
            }
            Path weights = runsDir.resolveSibling("weights").resolve(spec.id() + ".safetensors");
            if (saved == null && Files.isRegularFile(weights)) {
                saved = orphanWeightsSettings(spec, weights);
                where = weights;
            }
            if (saved != null && !saved.equals(want)) {
                String diff = RunIdentity.firstDifference(saved, want);
                throw new UserError("results folder " + dir + " already holds run " + spec.label() + " (" + where
                        + ") made with other settings: " + diff + (diff.startsWith("seed ") ? "; " + SEED_ORDER : "")
                        + ". Write elsewhere with --out DIR, or delete that folder to start again.");
            }
        }
        noteRunsOutsideThePlan();
        if (unverified > 0) {
            out.println("note: " + unverified + " finished run" + (unverified == 1 ? " was" : "s were") + " recorded"
                    + " by an earlier fprnn without checksums of its metrics and weights; they are used as they are");
        }
        if (withoutWeights > 0) {
            out.println("note: " + withoutWeights + " finished run" + (withoutWeights == 1 ? " has" : "s have") + " no"
                    + " weights file (--allow-missing-weights); " + (withoutWeights == 1 ? "it is" : "they are") + " used"
                    + " from the record and metrics, checked against their SHA-256");
        }
    }

    /**
     * The settings recorded in the weights of a run that has neither a record nor a checkpoint. A run
     * writes its weights, then its record, then deletes its checkpoint, so these are the weights of a
     * finish cut short (a run without a checkpoint: one epoch, never stopped) or of a run whose record
     * was deleted. With this sweep's settings, training again makes the same weights, so the run is
     * trained again, with a note; with other settings, the caller refuses the folder as made with
     * them. Weights whose settings cannot be verified are refused here.
     */
    private String orphanWeightsSettings(RunSpec spec, Path weights) throws IOException {
        String settings = null;
        try {
            Safetensors.Contents c = Safetensors.read(weights);
            if (org.fprnn.io.Checksums.verify(c)) {
                settings = c.metadata().get("settings");
            }
        } catch (FormatException e) {
            settings = null;
        }
        if (settings == null) {
            throw new UserError("run " + spec.label() + " has weights (" + weights + ") but neither a record (runs/"
                    + spec.id() + ".json) nor a checkpoint, and the weights do not verify as this fprnn's. Nothing was"
                    + " changed. Put back runs/" + spec.id() + ".json, or delete weights/" + spec.id() + ".safetensors"
                    + " to run " + spec.label() + " again.");
        }
        if (settings.equals(plan.settingsJson(spec))) {
            out.println("note: run " + spec.label() + " has weights but no record (its finish was cut short, or its"
                    + " record was deleted); it is trained again with the same settings, to the same weights");
        }
        return settings;
    }

    /**
     * Says so when runs/ holds finished runs this sweep does not make (a folder made with more seeds,
     * rules or rates than this invocation's config gives): the pages will cover this sweep's runs only;
     * the other runs' files are kept.
     */
    private void noteRunsOutsideThePlan() throws IOException {
        java.util.Set<String> planned = new java.util.HashSet<>();
        plan.runs().forEach(r -> planned.add(r.id()));
        List<String> finished = outside(runsDir, ".json", planned);
        if (!finished.isEmpty()) {
            out.println("note: " + dir + " also holds " + count(finished, "finished run") + " this sweep does not make ("
                    + some(finished) + "); its pages will cover this sweep's runs only, and those runs' files are kept"
                    + " (give the seeds, rules and rates they were made with to include them)");
        }
        List<String> started = outside(checkpointsDir, ".safetensors", planned);
        started.removeAll(finished);
        if (!started.isEmpty()) {
            out.println("note: " + dir + " also holds " + count(started, "checkpoint") + " of " + (started.size() == 1
                    ? "a run" : "runs") + " this sweep does not make (" + some(started) + "); kept, and resumed by a command"
                    + " that gives the seeds, rules and rates they were made with");
        }
    }

    /** The names (without the suffix) of the files in folder ending in suffix that no planned run has. */
    private static List<String> outside(Path folder, String suffix, java.util.Set<String> planned) throws IOException {
        if (!Files.isDirectory(folder)) {
            return new ArrayList<>();
        }
        try (var files = Files.list(folder)) {
            return new ArrayList<>(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length())).filter(n -> !planned.contains(n))
                    .sorted().toList());
        }
    }

    private static String count(List<String> names, String what) {
        return names.size() + " " + what + (names.size() == 1 ? "" : "s");
    }

    /** The first few names, then "...". */
    private static String some(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(4, names.size()))) + (names.size() > 4 ? ", ..." : "");
    }

    /** The runs of the plan finished in this folder: those in {@code results} but failed ones, and any other with its record. */
    long finishedRuns(List<RunResult> results) {
        long n = 0;
        for (RunSpec spec : plan.runs()) {
            RunResult r = results.stream().filter(x -> x.spec.equals(spec)).findFirst().orElse(null);
            if (r != null ? !r.failed() : Files.isRegularFile(RunResult.jsonFile(runsDir, spec))) {
                n++;
            }
        }
        return n;
    }

    /**
     * metrics.jsonl from the finished runs and the checkpoints, in the plan's order: the runs in
     * {@code finished} and any other run finished before (one later in the plan than the sweep has
     * reached, made by an invocation with --only).
     */
    void rewriteMetrics(List<RunResult> finished) throws IOException {
        List<String> all = new ArrayList<>();
        for (RunSpec spec : plan.runs()) {
            RunResult r = finished.stream().filter(x -> x.spec.equals(spec)).findFirst().orElse(null);
            if (r == null && Files.isRegularFile(RunResult.jsonFile(runsDir, spec))) {
                r = load(spec);
            }
            if (r != null) {
                all.addAll(r.lines);
            } else if (Files.isRegularFile(checkpointFile(spec))) {
                all.addAll(TrainingCheckpoint.read(checkpointFile(spec), spec.rule(), spec.lr(), spec.seed()).lines());
            }
        }
        AtomicFiles.write(dir.resolve("metrics.jsonl"), RunResult.joinLines(all).getBytes(StandardCharsets.UTF_8));
    }
}
