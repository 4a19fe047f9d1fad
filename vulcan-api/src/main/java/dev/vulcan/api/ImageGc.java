package dev.vulcan.api;

/** POST /v1/images/gc: what a garbage collection of the image store removed. */
public record ImageGc(int blobsRemoved, long bytesFreed, int layersRemoved) {}
