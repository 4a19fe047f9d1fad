package dev.vulcan.api;

import java.util.List;

/** GET /v1/instances: every instance on the node, oldest first. */
public record InstanceList(List<Instance> instances) {}
