package dev.vulcan.daemon.image;

/** What a garbage collection removed. */
public record GcResult(int blobs, int layers, long bytes) {}
