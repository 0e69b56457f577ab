package org.fprnn.cli.classify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fprnn.cli.UserError;
import org.fprnn.cli.config.DataConfig;
import org.fprnn.data.DataNotFoundException;
import org.fprnn.data.DataOptions;
import org.fprnn.data.DataSets;
import org.fprnn.data.DataSource;
import org.fprnn.data.Dataset;
import org.fprnn.data.Split;
import org.fprnn.io.FormatException;

/**
 * A sweep's data set: its two splits (with the config's limits applied) and where they came from.
 *
 * @param name the data set's title, as printed
 * @param where the folder, as printed (absolute)
 * @param folder the folder as summary.json records it: relative to the working directory (the
 *     project root), or null if it lies outside it (a machine's absolute path is never recorded)
 */
record SweepData(Dataset train, Dataset test, String name, String where, String folder) {

    /**
     * A data folder as results record it: relative to the working directory (the project root, where
     * ./data lives), with '/' separators, or null if it lies outside it.
     */
    static String portableFolder(Path folder) {
        Path root = Path.of("").toAbsolutePath().normalize();
        Path abs = folder.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) {
            return null;
        }
        String rel = root.relativize(abs).toString().replace(java.io.File.separatorChar, '/');
        return rel.isEmpty() ? "." : rel;
    }

    /** Loads both splits (applying the limits); missing or broken data is a UserError (exit 2). */
    static SweepData load(DataConfig dc) {
        try {
            DataOptions opt = DataOptions.defaults().withDownload(dc.download());
            if (dc.dataDir() != null) {
                opt = opt.withDir(Path.of(dc.dataDir()));
            }
            DataSource src = DataSets.source(dc.name(), dc.classes());
            Path trainDir = DataSets.locate(src, Split.TRAIN, opt);
            Path testDir = DataSets.locate(src, Split.TEST, opt);
            Dataset train = src.read(trainDir, Split.TRAIN);
            Dataset test = src.read(testDir, Split.TEST);
            String where = trainDir.toAbsolutePath().normalize().toString();
            String folder = portableFolder(trainDir);
            String title = src.title();
            if (dc.trainLimit() != null && dc.trainLimit() < train.size()) {
                train = train.subset(0, dc.trainLimit());
            }
            if (dc.testLimit() != null && dc.testLimit() < test.size()) {
                test = test.subset(0, dc.testLimit());
            }
            return new SweepData(train, test, title, where, folder);
        } catch (DataNotFoundException | FormatException e) {
            throw new UserError(e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot read the " + dc.name() + " data: " + e.getMessage(), e);
        }
    }

    /**
     * What identifies the data the sweep trains and tests on, as a results folder records it
     * (data.json): the data set's title, both splits' sizes, the features and classes, and the SHA-256
     * of both splits' values and labels as used (after the limits). Two folders of the same files give
     * the same fingerprint on any machine; other files of the same shape do not.
     */
    Map<String, Object> fingerprint() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Dataset d : new Dataset[] {train, test}) {
            for (float v : d.x().data) {
                if (!buf.hasRemaining()) {
                    sha.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            sha.update(buf.array(), 0, buf.position());
            buf.clear();
            for (int y : d.labels()) {
                buf.putInt(y);
                if (!buf.hasRemaining()) {
                    sha.update(buf.array(), 0, buf.position());
                    buf.clear();
                }
            }
            sha.update(buf.array(), 0, buf.position());
            buf.clear();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", name);
        m.put("train_samples", train.size());
        m.put("test_samples", test.size());
        m.put("features", train.features());
        m.put("classes", train.classes());
        m.put("sha256", java.util.HexFormat.of().formatHex(sha.digest()));
        return m;
    }
}
