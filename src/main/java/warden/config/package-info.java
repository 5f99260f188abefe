/**
 * Warden's YAML configuration: an immutable {@link warden.config.WardenConfig} with a built-in
 * default for every key, read by {@link warden.config.ConfigLoader}, which reports every unknown
 * key and bad value with file, line and the fix.
 */
package warden.config;
