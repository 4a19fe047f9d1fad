package dev.vulcan.api;

/** POST /v1/images/pull: the reference to pull from its registry, e.g. 127.0.0.1:5000/busybox:1. */
public record ImagesPull(String ref) {}
