package dev.vulcan.api;

/**
 * An image in a node's store.
 *
 * @param ref the normalised reference, e.g. docker.io/library/busybox:1.36
 * @param digest the manifest's digest, sha256:...
 * @param sizeBytes manifest, config and (compressed) layers together
 * @param layers how many layers the image has
 */
public record Image(String ref, String digest, long sizeBytes, int layers) {}
