/**
 * The {@code warden} subcommands: each a thin translator from arguments to the same components
 * ({@link warden.cli.Components}) the server uses, so that {@code simulate}, {@code check-helo}
 * and {@code doctor} show exactly what the server would do.
 */
package warden.cli;
