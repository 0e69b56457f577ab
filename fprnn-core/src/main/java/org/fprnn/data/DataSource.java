package org.fprnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * One data set that {@link DataSets} can find, read, validate and download: MNIST, Fashion-MNIST
 * or CIFAR-10.
 */
public interface DataSource {
    /** Registry name and data subfolder, e.g. "fashion-mnist". */
    String name();

    /** Human name, e.g. "Fashion-MNIST". */
    String title();

    /** The environment variable naming a folder that holds this data set, e.g. FPRNN_MNIST_DIR. */
    String envVar();

    /** Number of classes. */
    int classes();

    /** Why dir does not hold the split's files, or null if it does (the content is not checked). */
    String missing(Path dir, Split split);

    /** The files this source wants for a split, for messages. */
    String wantedFiles(Split split);

    /** Folders where the operating system installs this data set (none if it does not). */
    List<Path> systemDirs(Path systemRoot);

    /** How a user installs the data set, for messages. */
    String installHint();

    /** Reads a split from dir and validates it (sizes, label range, label counts). */
    Dataset read(Path dir, Split split) throws IOException;

    /** Validates both splits in dir without keeping them in memory. */
    void validate(Path dir) throws IOException;

    /** Files to download, relative to a mirror's base URL; they end up in the data folder as is. */
    List<String> downloadFiles();

    /** Base URLs (ending in '/') tried in order. */
    List<URI> defaultMirrors();
}
