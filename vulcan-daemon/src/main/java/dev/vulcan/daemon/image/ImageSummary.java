package dev.vulcan.daemon.image;

/** One stored image: its reference, manifest digest and the size of its config and layers. */
public record ImageSummary(ImageReference reference, Digest manifest, long size) {}
