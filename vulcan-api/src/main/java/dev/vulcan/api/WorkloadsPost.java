package dev.vulcan.api;

import tools.jackson.databind.JsonNode;

/**
 * Body of POST /v1/workloads and POST /v1/workloads/async: code in a runtime, with an input
 * and resource limits. isolation defaults to auto.
 */
public record WorkloadsPost(String runtime, String isolation, String code, JsonNode input, Resources resources) {}
