package dev.vulcan.api;

/** GET /healthz. */
public record Health(String status, String node, String version) {}
