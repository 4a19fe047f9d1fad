package dev.vulcan.api;

/**
 * POST /v1/images/import: an OCI archive, OCI layout directory or docker save tarball on the
 * daemon's machine.
 *
 * @param path absolute path of the archive or directory
 * @param name the reference to store it under, or null for the name(s) the archive carries
 */
public record ImagesImport(String path, String name) {}
