package warden.cli;

import picocli.CommandLine.Option;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;

import java.nio.file.Path;

/** The {@code --config FILE} option every command shares; without it, the built-in defaults. */
public final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration (default: built-in defaults)")
    Path file;

    public WardenConfig load() {
        return ConfigLoader.load(file);
    }
}
