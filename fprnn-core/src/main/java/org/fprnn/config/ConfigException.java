package org.fprnn.config;

/**
 * A config that cannot be used: not TOML, an unknown key, or a value that is not allowed. The
 * message names the config, the key and what to write instead.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
