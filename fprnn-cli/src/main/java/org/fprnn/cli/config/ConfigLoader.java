package org.fprnn.cli.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.fprnn.cli.UserError;
import org.fprnn.config.ConfigException;
import org.fprnn.config.TomlConfig;

/**
 * Reads TOML config files into records through fprnn-core's {@link TomlConfig} (the one parser of
 * configs), turning every config error into a {@link UserError} (exit 2) with the same message.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Reads a config file, applies overrides and binds it to {@code type}. */
    public static <T> T load(Path file, List<String> overrides, Class<T> type) {
        return parse(text(file), file.toString(), overrides, type);
    }

    /**
     * A config file's text, without the byte-order mark some editors write (it is not part of the
     * TOML); a missing file or one that is not UTF-8 text is a {@link UserError}.
     */
    public static String text(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserError("config file " + file + " does not exist; the configs of PROTOCOLS.md are in configs/");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserError("config file " + file + " is not UTF-8 text (a binary file?); a config is a TOML text"
                    + " file, as those in configs/");
        } catch (IOException e) {
            throw new UserError("cannot read config file " + file + ": " + e.getMessage());
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** Parses TOML text (named {@code source} in errors). */
    public static <T> T parse(String text, String source, List<String> overrides, Class<T> type) {
        try {
            return TomlConfig.parse(text, source, overrides, type);
        } catch (ConfigException e) {
            throw new UserError(e.getMessage(), e);
        }
    }
}
