package dev.vulcan.api;

import java.util.List;

/** GET /v1/volumes. */
public record VolumeList(List<Volume> volumes) {}
