package dev.vulcan.api;

/**
 * One step of a pull, as an event of POST /v1/images/pull asked for with Accept: text/event-stream.
 *
 * @param digest     the blob (config or layer), sha256:...
 * @param state      {@code exists} (the store had it), {@code downloading} or {@code downloaded}
 * @param doneBytes  bytes of it so far
 * @param totalBytes its size, from the manifest
 */
public record ImagePullProgress(String digest, String state, long doneBytes, long totalBytes) {}
