package dev.vulcan.api;

import java.util.List;

/** GET /v1/networks. */
public record NetworkList(List<Network> networks) {}
