package dev.vulcan.api;

import java.time.Instant;
import java.util.List;

/** A named volume: where it lives on the node and which instances mount it. */
public record Volume(String name, String path, List<String> usedBy, Instant createdAt) {}
