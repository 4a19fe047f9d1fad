package dev.vulcan.api;

/** The EXIT frame that ends an exec session: how the process ended (128+N for signal N). */
public record ExecExit(int exitCode) {}
