package dev.vulcan.daemon.image;

/** One stored image: its reference, manifest digest, the size of its manifest, config and layers, and its layer count. */
public record ImageSummary(ImageReference reference, Digest manifest, long size, int layers) {}
