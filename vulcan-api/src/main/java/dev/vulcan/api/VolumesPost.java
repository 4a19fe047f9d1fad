package dev.vulcan.api;

/** Body of POST /v1/volumes: a named volume, a directory on the node that outlives instances. */
public record VolumesPost(String name) {}
